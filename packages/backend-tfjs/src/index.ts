/**
 * `@downhill/backend-tfjs`: the downhill backend interface over TensorFlow.js, on any tfjs backend
 * (cpu, wasm, webgl, webgpu, tensorflow). `tfjs()` sets one up; `fromTf`/`toTf` hand tensors across
 * without copying; `createTfjsBackend` and `tfjsKernels` are the building blocks for packages that
 * set tfjs up themselves (backend-webgpu, backend-cuda).
 *
 * Import `@downhill/backend-tfjs/register` to register `tfjs-wasm` and `tfjs-cpu`.
 *
 * @packageDocumentation
 */
export { tfjs, createTfjsBackend, type TfjsOptions } from './setup.js';
export { tfjsKernels, type TfjsKernelOptions, type TfjsKernels } from './tfjs-kernels.js';
export { fromTf, toTf } from './interop.js';
export { assignToTf, fromTfTree, type FromTfTree, type TfTree } from './tf-variables.js';
