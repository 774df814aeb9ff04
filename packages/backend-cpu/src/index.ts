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
import { checkOptions, defineBackend, type Backend, type OptionKeys } from '@downhill/backend';
import { CpuKernels } from './cpu-kernels.js';
import type { CpuOptions } from './cpu-options.js';
import { checkThreads, threadsFromEnvironment } from './threads/parallel.js';

const CPU_KEYS = { threads: true } as const satisfies OptionKeys<CpuOptions>;

/**
 * A new CPU backend instance named `cpu`. Each call makes an independent backend with its own
 * memory counts and scopes; tensors of two instances do not mix.
 *
 * Large float32 kernels (matmul, elementwise ops, column sums, compiled programs) split across
 * worker threads that share the WebAssembly memory the tensors live in; results are bitwise the
 * same for every thread count. Workers start in the background: until they are ready the calling
 * thread does all the work (await {@link cpuThreadsReady} to wait for them).
 *
 * @param options - `threads`: how many threads the kernels may use, from 1 (the calling thread
 *   alone) to 64; by default `DOWNHILL_CPU_THREADS` where set, else the number of cores, at most 8.
 *   Where there is no `SharedArrayBuffer` (browser pages that are not cross-origin isolated) the
 *   backend runs on one thread whatever is asked; {@link cpuThreadsReady} says why.
 * @returns A checked {@link Backend} over {@link CpuKernels}.
 * @throws {InvalidArgumentError} For a thread count that is not an integer from 1 to 64 (from the
 *   option or from `DOWNHILL_CPU_THREADS`).
 * @throws {UnknownOptionError} For an option other than `threads`.
 *
 * @example
 * ```ts
 * import { cpu } from '@downhill/backend-cpu';
 * const b = cpu();
 * const y = b.scope(() => b.matmul(b.tensor([1, 2, 3, 4], [2, 2]), b.tensor([1, 0, 0, 1], [2, 2])));
 * b.readSync(y); // Float32Array [1, 2, 3, 4]
 * const single = cpu({ threads: 1 }); // everything on the calling thread
 * ```
 */
export function cpu(options?: CpuOptions): Backend {
  const { threads } = checkOptions('cpu', options, CPU_KEYS);
  const n = threads === undefined ? threadsFromEnvironment() : checkThreads(threads, "cpu: option 'threads'");
  return defineBackend(new CpuKernels('cpu', n));
}

export { CpuKernels } from './cpu-kernels.js';
export type { CpuOptions } from './cpu-options.js';
export { cpuThreadsReady, terminateCpuThreads, type CpuThreadInfo } from './threads/threads-ready.js';
export { cpuThreadTimes, type CpuThreadTimes } from './threads/thread-times.js';
export { ThreadError } from './threads/thread-error.js';
export { erf } from './erf.js';
export { roundHalfEven } from './unary.js';
