// The WebAssembly kernels of @downhill/backend-cpu (AssemblyScript, 128-bit SIMD). Built by
// `pnpm --filter @downhill/backend-cpu build:wasm` into src/wasm/kernels-wasm.ts.
export { alloc, allocUninit, free } from './heap';
export { addPanelsF32, gemmF32, gemmF32Part, gemmPanelK, gemmScratchBytes } from './gemm';
export { binaryF32, binaryRowsF32, compareF32, sumColsF32, sumColsPartF32, whereF32 } from './elementwise';
