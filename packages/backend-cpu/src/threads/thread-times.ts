import { existingPool } from './parallel.js';

/** What {@link cpuThreadTimes} reports: where the time of split kernels went, in milliseconds since the workers started. */
export interface CpuThreadTimes {
  /** Kernels split across threads so far. */
  readonly jobs: number;
  /** Their wall time, from waking the workers to the last chunk done. */
  readonly wallMs: number;
  /** The calling thread's time running chunks. */
  readonly callerMs: number;
  /** The calling thread's wait for workers' chunks in progress once none was left to claim. */
  readonly waitMs: number;
  /** Each worker's time running chunks (modulo 2³⁰ µs, about 18 minutes). */
  readonly workersMs: readonly number[];
}

/**
 * Where the time of backend-cpu's split kernels went so far: wall time, and time spent running
 * chunks on the calling thread and on each worker (take the difference of two readings around the
 * code to measure). Busy times well under the wall time on every thread point at wake-up latency or
 * a busy machine descheduling threads; one thread much busier than the others at an unequal split.
 * All zeros where no kernel was split (one thread, or no workers).
 *
 * @returns The times so far, in milliseconds.
 *
 * @example
 * ```ts
 * import { cpu, cpuThreadTimes } from '@downhill/backend-cpu';
 * const b = cpu();
 * const before = cpuThreadTimes();
 * b.dispose(b.matmul(b.zeros([512, 512], 'float32'), b.zeros([512, 512], 'float32')));
 * const after = cpuThreadTimes();
 * console.log(`split jobs: ${after.jobs - before.jobs}, caller busy ${(after.callerMs - before.callerMs).toFixed(2)} ms`);
 * ```
 */
export function cpuThreadTimes(): CpuThreadTimes {
  return existingPool()?.busyTimes() ?? { jobs: 0, wallMs: 0, callerMs: 0, waitMs: 0, workersMs: [] };
}
