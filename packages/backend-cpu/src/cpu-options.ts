/**
 * Options of `cpu()`.
 *
 * @example
 * ```ts
 * import { cpu, type CpuOptions } from '@downhill/backend-cpu';
 * const options: CpuOptions = { threads: 2 };
 * const b = cpu(options);
 * ```
 */
export interface CpuOptions {
  /**
   * How many threads the kernels may split work over: 1 (the calling thread alone, no workers) to
   * 64. Default: `DOWNHILL_CPU_THREADS` where set, else the number of cores, at most 8. Results do
   * not depend on it, bit for bit.
   */
  readonly threads?: number;
}
