import { checkThreads, defaultThreads, getPool, singleThreadReason, threadsFromEnvironment, threadsReady } from './parallel.js';
import { platformInfo, platformReady } from './pool.js';

/** What {@link cpuThreadsReady} reports. */
export interface CpuThreadInfo {
  /** Threads the kernels can use now (the calling thread and the workers that are ready). */
  readonly threads: number;
  /** Cores this machine reports (`os.availableParallelism()`, `navigator.hardwareConcurrency`). */
  readonly cores: number;
  /** Why there is only one thread, where there is (no `SharedArrayBuffer`: not cross-origin isolated; WebAssembly off). */
  readonly reason?: string;
}

/**
 * Resolves once the worker threads for `threads` threads (default: the default of `cpu()`, which
 * `DOWNHILL_CPU_THREADS` sets) have
 * started, with how many threads kernels can use and, where that is one, why. Kernels run before
 * that use the threads that are ready (the calling thread alone at first), with the same results.
 *
 * @param threads - The thread count to wait for (1 to 64).
 * @returns The threads available, the cores, and the reason for a single thread.
 * @throws {ThreadError} Where a worker failed to start.
 *
 * @example
 * ```ts
 * import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
 * const b = cpu({ threads: 2 });
 * const { threads, reason } = await cpuThreadsReady(2);
 * console.log(threads === 2 ? 'two threads' : `one thread: ${reason}`);
 * ```
 */
export async function cpuThreadsReady(threads?: number): Promise<CpuThreadInfo> {
  const n = threads === undefined ? threadsFromEnvironment() : checkThreads(threads, 'cpuThreadsReady');
  const got = await threadsReady(n);
  const cores = platformInfo()?.cores ?? 1;
  const want = n ?? defaultThreads();
  const reason = got > 1 || want === 1 ? undefined : (singleThreadReason() ?? (cores === 1 ? 'one core' : undefined));
  return reason === undefined ? { threads: got, cores } : { threads: got, cores, reason };
}

/**
 * Stops backend-cpu's worker threads (they are shared by every backend instance of the process).
 * Not needed for a Node process to exit (idle workers never keep it alive); useful in a browser
 * page or a test that wants its threads back. Kernels called afterwards start workers again.
 *
 * @returns Resolves when every worker has stopped.
 *
 * @example
 * ```ts
 * import { terminateCpuThreads } from '@downhill/backend-cpu';
 * await terminateCpuThreads();
 * ```
 */
export async function terminateCpuThreads(): Promise<void> {
  await platformReady;
  await getPool()?.terminate();
}
