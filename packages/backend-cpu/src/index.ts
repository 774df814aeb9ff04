/**
 * `@downhill/backend-cpu`: the CPU backend of downhill, in TypeScript with WebAssembly SIMD kernels (nothing native). float32 and float64 on typed
 * arrays, synchronous reads, compiled elementwise programs in place; the embedded default and the
 * numerical oracle (float64) every other backend is tested against.
 *
 * Import `@downhill/backend-cpu/register` to register it as `cpu` for `getBackend` and
 * `selectBackend`.
 *
 * @packageDocumentation
 */
import { defineBackend, type Backend } from '@downhill/backend';
import { CpuKernels } from './cpu-kernels.js';

/**
 * A new CPU backend instance named `cpu`. Each call makes an independent backend with its own
 * memory counts and scopes; tensors of two instances do not mix.
 *
 * @returns A checked {@link Backend} over {@link CpuKernels}.
 *
 * @example
 * ```ts
 * import { cpu } from '@downhill/backend-cpu';
 * const b = cpu();
 * const y = b.scope(() => b.matmul(b.tensor([1, 2, 3, 4], [2, 2]), b.tensor([1, 0, 0, 1], [2, 2])));
 * b.readSync(y); // Float32Array [1, 2, 3, 4]
 * ```
 */
export function cpu(): Backend {
  return defineBackend(new CpuKernels());
}

export { CpuKernels } from './cpu-kernels.js';
export { erf } from './erf.js';
export { roundHalfEven } from './unary.js';
