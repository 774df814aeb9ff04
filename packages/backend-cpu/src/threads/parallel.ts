import { InvalidArgumentError } from '@downhill/backend';
import { getRuntime, runtimeReady, type WasmRuntime } from '../wasm/runtime.js';
import { MAX_WORKERS } from './control-layout.js';
import { ThreadPool, noThreadsReason, platformInfo, platformReady } from './pool.js';
import { REDUCE_FNS, REDUCE_SOURCE, makeReduceFns, type ReduceFns } from './reduce-kernels.js';

/** The most threads one backend may use (the calling thread and {@link MAX_WORKERS} workers). */
export const MAX_THREADS = MAX_WORKERS + 1;
/**
 * The default thread count is the number of cores, capped at this: past 8 threads the kernels
 * split here (memory-bound updates, GEMMs of the sizes of a training step) stop gaining, and a
 * library should not take a 64-core server by default.
 */
export const DEFAULT_THREADS_CAP = 8;

/** The kernels' functions, by index, as workers call them. */
export const KERNEL_FNS = [
  'gemmF32Part',
  'binaryF32',
  'compareF32',
  'whereF32',
  'sumColsPartF32',
  'binaryRowsF32',
  'addPanelsF32',
] as const;
/** Index of a kernel function in {@link KERNEL_FNS}. */
export const FN = { gemm: 0, binary: 1, compare: 2, where: 3, sumCols: 4, binaryRows: 5, addPanels: 6 } as const;
/** The kernels module's id in the pool. */
export const KERNELS = 0;
/** The reductions' module id in the pool (see `reduce-kernels.ts`). */
export const REDUCTIONS = 1;

let reduceFns: ReduceFns | undefined;
let reduceFnsFailed = false;

/**
 * The reductions of `reduce-kernels.ts` compiled on this thread over `memory`, or undefined where
 * the platform refuses to compile source text (a page whose content security policy forbids it).
 */
export function getReduceFns(memory: { readonly buffer: ArrayBufferLike }): ReduceFns | undefined {
  if (reduceFns || reduceFnsFailed) return reduceFns;
  try {
    reduceFns = makeReduceFns(memory);
  } catch {
    reduceFnsFailed = true;
  }
  return reduceFns;
}

let pool: ThreadPool | undefined;
let poolFor: WasmRuntime | undefined;

/** The pool over the process's shared runtime, made on first use; undefined where threads cannot run. */
export function getPool(): ThreadPool | undefined {
  if (pool) return pool;
  const rt = getRuntime();
  if (!rt?.shared || !platformInfo()?.spawn) return undefined;
  pool = new ThreadPool(rt.memory);
  poolFor = rt;
  const e = rt.exports as unknown as Record<string, (...a: number[]) => unknown>;
  pool.register(
    rt.module,
    KERNEL_FNS,
    KERNEL_FNS.map((n) => e[n]),
  );
  const r = getReduceFns(rt.memory);
  // without the reductions' source compiled here, no worker is asked to compile it (module 1 stays unused)
  if (r)
    pool.register(
      { source: REDUCE_SOURCE },
      REDUCE_FNS,
      REDUCE_FNS.map((n) => r[n] as (...a: number[]) => unknown),
    );
  return pool;
}

/** The pool if one was made (never makes one). */
export function existingPool(): ThreadPool | undefined {
  return pool;
}

/** The runtime the pool works on (the process's shared runtime). */
export function poolRuntime(): WasmRuntime | undefined {
  return poolFor;
}

/** The default thread count: the cores (capped at {@link DEFAULT_THREADS_CAP}), or 1 until they are known. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(platformInfo()?.cores ?? 1, DEFAULT_THREADS_CAP));
}

/** Checks a thread count from an option or `DOWNHILL_CPU_THREADS`. */
export function checkThreads(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new InvalidArgumentError(
      `${where}: expected an integer number of threads from 1 to ${MAX_THREADS}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`,
    );
  }
  return value;
}

/** The thread count `DOWNHILL_CPU_THREADS` asks for, or undefined where it is unset. */
export function threadsFromEnvironment(): number | undefined {
  const raw = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DOWNHILL_CPU_THREADS;
  if (raw === undefined || raw === '') return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  return checkThreads(n, 'cpu: the environment variable DOWNHILL_CPU_THREADS');
}

/**
 * Asks for `threads` threads (undefined: the default, once the cores are known): starts the
 * workers, asynchronously. Harmless to call again.
 */
export function requestThreads(threads: number | undefined): void {
  if (threads === 1) return;
  void Promise.all([platformReady, runtimeReady]).then(() => getPool()?.ensureWorkers((threads ?? defaultThreads()) - 1));
}

/** Resolves once the workers for `threads` threads are ready; to how many threads a kernel can use. */
export async function threadsReady(threads: number | undefined): Promise<number> {
  await Promise.all([platformReady, runtimeReady]);
  const n = threads ?? defaultThreads();
  const p = n > 1 ? getPool() : undefined;
  if (!p) return 1;
  p.ensureWorkers(n - 1);
  return 1 + (await p.whenReady(n - 1));
}

/** Why a backend runs on one thread where it asked for more, or undefined. */
export function singleThreadReason(): string | undefined {
  const r = noThreadsReason();
  if (r) return r;
  const rt = getRuntime();
  if (!rt) return 'the WebAssembly kernels are off';
  if (!rt.shared) return 'the WebAssembly memory is not shared';
  return undefined;
}

/** Threads the kernel now running may use (set by `CpuKernels` before each kernel that can split). */
let active = 1;

/** Sets the thread count of the kernels that follow (`CpuKernels` calls it per kernel). */
export function useThreads(threads: number): void {
  active = threads;
}

/**
 * How many threads to split a kernel of `work` units on runtime `rt` over, each taking at least `minWork` (the
 * measured size below which a share costs more to hand over than to compute): 1 where threads
 * are off, not ready, the work is small, or `rt` is not the process's shared runtime; else at most the backend's thread count.
 */
export function threadsFor(rt: WasmRuntime, work: number, minWork: number): number {
  if (active <= 1 || work < 2 * minWork || !pool || rt !== poolFor) return 1;
  if (pool.started < active - 1) pool.ensureWorkers(active - 1); // after terminateCpuThreads, or a larger count
  if (pool.backingOff()) return 1; // the threads were running in turn: stay on this thread a while
  return Math.min(pool.usable(active), Math.floor(work / minWork));
}

/**
 * How many chunks to cut a job of `work` units over `threads` threads into. More chunks balance
 * better (a thread that finishes early takes another; one the machine deschedules takes none, and
 * the others wait at most one chunk for the last one in progress) but each costs a claim and a
 * call (about a microsecond); the count that minimises the sum grows as the square root of the
 * job's size: per thread about `√(8 · work / (threads · minWork))`, at least 1 and at most 64, so
 * a job just over the threshold gets one or two chunks per thread and an elementwise kernel over
 * 1e7 float32 elements about 50 per thread (its tail wait drops from an eighth of the job to a
 * hundredth). Never a chunk under half `minWork`. A caller may cap the count lower: update
 * programs take at most `PROGRAM_CHUNKS_PER_THREAD` per thread (`run-program.ts`), because every
 * chunk start restarts the streams of all their operands.
 */
export function chunksFor(threads: number, work: number, minWork: number): number {
  const perThread = Math.max(1, Math.min(64, Math.floor(Math.sqrt((8 * work) / (threads * minWork)))));
  return Math.max(threads, Math.min(threads * perThread, Math.floor((2 * work) / minWork)));
}

/**
 * Boundaries splitting `total` units into `parts` contiguous shares, each a multiple of `align`
 * units except the last: `[0, b1, …, total]`.
 */
export function split(total: number, parts: number, align: number): number[] {
  const out = [0];
  const blocks = Math.ceil(total / align);
  for (let t = 1; t < parts; t++) out.push(Math.min(total, Math.round((blocks * t) / parts) * align));
  out.push(total);
  return out;
}
