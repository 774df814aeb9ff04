import { BACKOFF_MS, EfficiencyWindow } from './efficiency.js';
import { ThreadError } from './thread-error.js';
import { WORKER_SOURCE } from './worker-source.js';
import {
  C_ALLOWED,
  C_CLAIMS,
  CLAIM_OFFSET_BITS,
  CLAIM_OFFSET_MASK,
  C_COUNTER,
  C_DONE,
  C_ERR,
  C_ERRLEN,
  C_EXIT,
  C_FAILED,
  C_GEN,
  C_MAXMOD,
  C_N,
  C_OWNED,
  C_PIECES,
  C_SCRATCH,
  C_SCRATCH_STRIDE,
  C_TABLE,
  C_WORKERS,
  MAX_WORKERS,
  RECORD,
  WORKER_WORDS,
} from './control-layout.js';

/** The most chunks one job holds; calls past it run on the calling thread after the job. */
export const MAX_CHUNKS = 8192;
const CONTROL_WORDS = C_TABLE + MAX_CHUNKS * RECORD;
/**
 * Milliseconds a worker spins on the generation word after its last job before it blocks in
 * `Atomics.wait`. Waking a blocked worker took about 0.11 ms more than catching a spinning one on
 * the development machine (2 vCPUs, Node 20: a two-thread job's round trip, `bench/src/threads-wake.ts`,
 * median 131 µs against 17 µs), and the split kernels of a training step come 0.1–0.6 ms apart
 * (the MLP 784-256-10 step: medians 0.45 ms before its update program, 0.64 ms before a product),
 * so a worker that blocked after each job would be woken about three times per step. Spinning
 * 1 ms keeps it awake through a step at the cost of up to 1 ms of a core after the last job of
 * a burst (OpenMP's default spin is 200 ms).
 */
export const WORKER_SPIN_MS = 1;
/** How long a job the caller leaves to the workers (`run(kernel, false)`) waits for them at most. */
const LEAVE_TO_WORKERS_MS = 2000;
/** Caller-side spins on the done count before blocking in `Atomics.wait`. */
const SPIN = 50_000;
/**
 * Above this moving share of a job spent waiting for workers' chunks, split kernels stay on the
 * calling thread for {@link BACKOFF_MS}. On cores of its own a worker finishes its last chunk about when
 * the caller does (a wait of well under a quarter of the job); a worker that the system deschedules
 * mid-chunk makes the caller wait for its next time slice, milliseconds.
 */
const STALL_MAX = 0.5;
/** The most chunks one thread's owned range holds (`begin`'s `pieces`: one offset of its claim word). */
export const MAX_OWNED_PIECES = CLAIM_OFFSET_MASK;

/**
 * The claim word of an owned range (see `C_CLAIMS`): the job's generation `g` (12 bits), then
 * the offsets of its first and one past its last chunk not yet taken ({@link CLAIM_OFFSET_BITS} each).
 */
function ownedRange(g: number, front: number, back: number): number {
  return (g << 20) | (front << CLAIM_OFFSET_BITS) | back;
}

/** An argument standing for the executing thread's scratch block (see `begin`). */
export const SCRATCH_ARG = -1;

/** A function a kernel module exports (pointers and sizes as int32). */
export type KernelFn = (...args: number[]) => unknown;

interface ModuleEntry {
  readonly module: object;
  readonly names: readonly string[];
  /** The calling thread's instance's functions, by the index of their name. */
  readonly fns: readonly KernelFn[];
}

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** What the platform offers for threads, resolved once (Node needs two asynchronous imports). */
interface Platform {
  readonly spawn: (() => WorkerHandle) | undefined;
  readonly cores: number;
  /** Why there are no workers, where there are none. */
  readonly reason?: string;
}

type Env = {
  process?: { versions?: { node?: string } };
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: new (url: string) => WorkerHandle;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string };
};
const env = globalThis as unknown as Env;

async function detectPlatform(): Promise<Platform> {
  if (typeof SharedArrayBuffer === 'undefined') {
    return {
      spawn: undefined,
      cores: env.navigator?.hardwareConcurrency ?? 1,
      reason:
        env.crossOriginIsolated === false
          ? 'the page is not cross-origin isolated (no SharedArrayBuffer: serve it with COOP/COEP headers)'
          : 'no SharedArrayBuffer here',
    };
  }
  if (env.process?.versions?.node) {
    const wt = 'node:worker_threads';
    const os = 'node:os';
    const [{ Worker }, { availableParallelism, cpus }] = await Promise.all([
      import(/* @vite-ignore */ wt) as Promise<typeof import('node:worker_threads')>,
      import(/* @vite-ignore */ os) as Promise<typeof import('node:os')>,
    ]);
    const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
    return {
      cores,
      spawn: () => {
        const w = new Worker(WORKER_SOURCE, { eval: true });
        w.unref(); // an idle pool never keeps the process alive
        return w;
      },
    };
  }
  const { Worker: W, Blob: B, URL: U } = env;
  if (!W || !B || !U) return { spawn: undefined, cores: 1, reason: 'no Web Workers here' };
  const url = U.createObjectURL(new B([WORKER_SOURCE], { type: 'text/javascript' }));
  return { cores: env.navigator?.hardwareConcurrency ?? 1, spawn: () => new W(url) };
}

let platform: Platform | undefined;
let platformError: string | undefined;
/** Resolves once the platform is known (immediately after the first time). */
export const platformReady: Promise<void> = detectPlatform().then(
  (p) => {
    platform = p;
  },
  (e: Error) => {
    platformError = `worker threads are unavailable: ${e.message}`;
  },
);

/** The platform, once known. */
export function platformInfo(): Platform | undefined {
  return platform;
}

/** Why the pool cannot have workers, or undefined where it can (or it is not yet known). */
export function noThreadsReason(): string | undefined {
  return platformError ?? platform?.reason;
}

/** Whether `Atomics.wait` may block this thread (not on a browser's main thread). */
let canBlock: boolean | undefined;

/** Waits until `ctl[index]` reaches `value` (spinning first, then blocking where this thread may). */
function waitUntil(ctl: Int32Array, index: number, value: number): void {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(ctl, index) === value) return;
  for (;;) {
    const now = Atomics.load(ctl, index);
    if (now === value) return;
    if (canBlock !== false) {
      try {
        Atomics.wait(ctl, index, now, 50);
        canBlock = true;
      } catch {
        canBlock = false;
      }
    }
  }
}

/**
 * The worker threads of backend-cpu, shared by every backend instance of the process (they work on
 * the one shared WebAssembly memory where float32 tensors live).
 *
 * A job is a list of chunks, each one kernel call: `begin(threads)`, `call(module, fn, ...args)`
 * per chunk, then `run(kernel)`. The calling thread and up to `threads − 1` workers claim chunks
 * one at a time from a shared counter (compare-and-swap, so a worker that wakes late can never
 * claim a chunk of a later job), until none is left; the caller then waits for the chunks in
 * progress and raises the first failure as a {@link ThreadError}. Which thread runs a chunk never
 * changes a result: every kernel split into chunks computes each output element in one chunk, in
 * the order it has on one thread. And no thread waits for another to start: a worker that is not
 * scheduled (a busy machine) or not yet started simply takes no chunks, and the caller does them.
 *
 * Workers start asynchronously and spin for {@link WORKER_SPIN_MS} after each job before blocking,
 * so a run of kernels in quick succession does not pay a wake-up each.
 */
export class ThreadPool {
  private readonly control: Int32Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly modules: ModuleEntry[] = [];
  /** Workers ready in a row from the first (cached; ready workers stay ready). */
  private ready = 0;
  private gen = 0;
  // the job being built
  private chunks = 0;
  private maxModule = -1;
  private threads = 1;
  private owned = 0;
  private pieces = 1;
  private readonly overflow: { fn: KernelFn; args: number[] }[] = [];
  /** Jobs run across threads so far (for tests). */
  jobs = 0;
  /**
   * The share of a job's time the caller spent waiting for chunks in progress on workers, as a
   * moving average. Where it is high the workers are being descheduled mid-chunk (a machine with
   * more runnable threads than cores), and splitting costs more than it gains.
   */
  private stall = 0;
  /**
   * Until when (`performance.now()`, ms; 0: no backoff) split kernels stay on the calling thread,
   * after the stall share ran high or the jobs' parallel efficiency low (then threads are tried
   * again). Tests set it to 0 to split whatever the machine did before.
   */
  backoffUntil = 0;
  /** Whether split jobs run in parallel (else they back off too, see {@link EfficiencyWindow}). */
  private readonly efficiency = new EfficiencyWindow();
  /** Each worker's chunk count before the job now running. */
  private readonly chunks0 = new Int32Array(MAX_WORKERS);
  /** Milliseconds of split jobs so far, from waking the workers to the last chunk done. */
  private jobMs = 0;
  /** Milliseconds the calling thread spent running chunks of split jobs. */
  private callerMs = 0;
  /** Milliseconds the caller waited for workers' chunks after it found none left to claim. */
  private waitMs = 0;

  constructor(private readonly memory: object) {
    this.control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  }

  /**
   * Registers a module, instantiated over the shared memory on every worker: a compiled
   * WebAssembly module, or `{ source }`, JavaScript source text of a function body that takes
   * `memory` and returns the functions by name. `fns` are the calling thread's own. Returns its id.
   */
  register(module: object, names: readonly string[], fns: readonly KernelFn[]): number {
    const id = this.modules.length;
    this.modules.push({ module, names, fns });
    for (const w of this.workers) w.postMessage({ kind: 'module', id, module, names });
    return id;
  }

  /** Starts workers (asynchronously ready) until there are `n`, at most {@link MAX_WORKERS}. */
  ensureWorkers(n: number): void {
    const spawn = platform?.spawn;
    if (!spawn) return;
    const want = Math.min(n, MAX_WORKERS);
    while (this.workers.length < want) {
      const id = this.workers.length;
      const handle = spawn();
      this.workers.push(handle);
      handle.postMessage({
        kind: 'init',
        control: this.control.buffer,
        id,
        spinMs: WORKER_SPIN_MS,
        memory: this.memory,
        modules: this.modules.map((m, k) => ({ id: k, module: m.module, names: m.names })),
      });
    }
  }

  /** Chunks the workers have run so far (for tests: proof that work left the calling thread). */
  workerChunks(): number {
    let sum = 0;
    for (let w = 0; w < this.workers.length; w++) sum += Atomics.load(this.control, C_WORKERS + WORKER_WORDS * w + 2);
    return sum;
  }

  /**
   * Where the time of split jobs went so far, in milliseconds (for the threads bench; take the
   * difference of two readings): the jobs' wall time, the caller's time in chunks, its wait for
   * workers' chunks at the end of each job, and each worker's time in chunks (modulo 2³⁰ µs).
   * Busy time well under the wall time on every thread is wake-up latency or descheduling; one
   * thread busy much longer than the others is an unequal split.
   */
  busyTimes(): {
    readonly jobs: number;
    readonly wallMs: number;
    readonly callerMs: number;
    readonly waitMs: number;
    readonly workersMs: number[];
  } {
    const workersMs: number[] = [];
    for (let w = 0; w < this.workers.length; w++) workersMs.push(Atomics.load(this.control, C_WORKERS + WORKER_WORDS * w + 3) / 1000);
    return { jobs: this.jobs, wallMs: this.jobMs, callerMs: this.callerMs, waitMs: this.waitMs, workersMs };
  }

  /** Workers started (ready or not). */
  get started(): number {
    return this.workers.length;
  }

  /** How many threads (the caller and ready workers) can take part in a job of up to `n` now. */
  usable(n: number): number {
    const max = Math.min(n - 1, this.workers.length);
    while (this.ready < max && Atomics.load(this.control, C_WORKERS + WORKER_WORDS * this.ready) === 1) this.ready++;
    return 1 + Math.min(this.ready, max);
  }

  /** Whether split kernels stay on the calling thread now (see {@link ThreadPool.backoffUntil}). */
  backingOff(): boolean {
    if (this.backoffUntil === 0) return false;
    if (performance.now() < this.backoffUntil) return true;
    this.backoffUntil = 0;
    return false;
  }

  /** Resolves once `n` workers (or all that could start) are ready. */
  async whenReady(n: number): Promise<number> {
    const want = Math.min(n, this.workers.length);
    for (;;) {
      this.usable(want + 1);
      if (this.ready >= want) return this.ready;
      const failed = this.workers.findIndex((_, w) => Atomics.load(this.control, C_WORKERS + WORKER_WORDS * w) === -1);
      if (failed >= 0) throw new ThreadError(`backend-cpu: worker thread ${failed + 1} could not start`, failed + 1, 'start');
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /**
   * Starts a job for up to `threads` threads. `scratch` (a block of `threads · scratchStride`
   * bytes) gives each thread a private block: an argument {@link SCRATCH_ARG} becomes
   * `scratch + t · scratchStride` on thread t. `owned` (at most `threads`) threads own a range of
   * `pieces` chunks each, the job's first `owned · pieces` chunks in order (thread t the chunks
   * `t · pieces` to `(t + 1) · pieces − 1`; the caller is thread 0, worker w thread w + 1): each
   * thread runs its own range first, from its front, so that a kernel run every step with the same
   * chunks touches the same memory from the same core each time; then the counter's chunks; then,
   * once those are gone, it takes the chunks other threads have not yet started from the back of
   * their ranges. A thread that falls behind (a slower share, a core the system took away) is
   * relieved of its range's end alone, and a worker that is not scheduled holds nothing up.
   */
  begin(threads: number, scratch = 0, scratchStride = 0, owned = 0, pieces = 1): void {
    if (!(Number.isInteger(pieces) && pieces >= 1 && pieces <= MAX_OWNED_PIECES)) {
      throw new RangeError(`backend-cpu: a thread owns 1 to ${MAX_OWNED_PIECES} chunks of a job, not ${pieces}`);
    }
    this.threads = threads;
    this.owned = Math.min(owned, threads);
    this.pieces = pieces;
    this.chunks = 0;
    this.maxModule = -1;
    this.overflow.length = 0;
    this.control[C_SCRATCH] = scratch;
    this.control[C_SCRATCH_STRIDE] = scratchStride;
  }

  /** Adds a chunk: a call of `fn` (an index into the module's names) of module `mod`. */
  call(mod: number, fn: number, ...args: number[]): void {
    if (this.chunks >= MAX_CHUNKS || args.length > RECORD - 3) {
      this.overflow.push({ fn: this.modules[mod].fns[fn], args: args.map((a) => (a === SCRATCH_ARG ? this.control[C_SCRATCH] : a)) });
      return;
    }
    const c = this.control;
    let at = C_TABLE + this.chunks++ * RECORD;
    c[at++] = mod;
    c[at++] = fn;
    c[at++] = args.length;
    for (const a of args) c[at++] = a;
    if (mod > this.maxModule) this.maxModule = mod;
  }

  /**
   * Runs the job: workers wake, every thread claims chunks until none is left, the caller waits
   * for the rest. `callerClaims` false leaves every chunk to the workers (for tests of their
   * error path; with no worker ready, or none taking a chunk within 2 s, the caller runs them after all).
   */
  run(kernel: string, callerClaims = true): void {
    const c = this.control;
    const n = this.chunks;
    this.jobs++;
    const t0 = performance.now();
    const workers0 = this.workerMicros();
    for (let w = 0; w < this.workers.length; w++) this.chunks0[w] = Atomics.load(c, C_WORKERS + WORKER_WORDS * w + 2);
    let callerMs = 0;
    const gen = (this.gen = (this.gen + 1) | 0);
    const g = gen & 0xfff;
    c[C_N] = n;
    c[C_MAXMOD] = this.maxModule;
    c[C_ALLOWED] = this.threads - 1;
    c[C_FAILED] = 0;
    // owned ranges: whole ranges only (a job with fewer chunks owns none)
    const pieces = this.pieces;
    const owned = Math.min(this.owned, Math.floor(n / pieces));
    c[C_OWNED] = owned;
    c[C_PIECES] = pieces;
    for (let t = 0; t < owned; t++) Atomics.store(c, C_CLAIMS + t, ownedRange(g, 0, pieces));
    Atomics.store(c, C_DONE, 0);
    Atomics.store(c, C_COUNTER, (g << 20) | (owned * pieces));
    Atomics.store(c, C_GEN, gen);
    Atomics.notify(c, C_GEN);
    let callerError: unknown;
    // the caller claims chunks like any worker
    if (!callerClaims && this.usable(this.threads) === 1) callerClaims = true;
    // left to the workers: where they never take the chunks (none ready, or all busy elsewhere for
    // LEAVE_TO_WORKERS_MS), the caller runs what is left rather than waiting for ever
    const deadline = callerClaims ? 0 : t0 + LEAVE_TO_WORKERS_MS;
    while (!callerClaims && Atomics.load(c, C_DONE) < n) {
      if (performance.now() > deadline) callerClaims = true;
      else Atomics.wait(c, C_DONE, Atomics.load(c, C_DONE), 5);
    }
    // a chunk claimed by the caller: run, timed, errors kept for after the job, counted done
    const runHere = (i: number): void => {
      const tc = performance.now();
      try {
        this.runChunk(i);
      } catch (e) {
        callerError ??= e;
      }
      callerMs += performance.now() - tc;
      Atomics.add(c, C_DONE, 1);
    };
    // a chunk of thread t's range, from its front (its own) or its back (another's): false once none is left
    const claimOwned = (t: number, front: boolean): boolean => {
      for (;;) {
        const v = Atomics.load(c, C_CLAIMS + t);
        const f = (v >>> CLAIM_OFFSET_BITS) & CLAIM_OFFSET_MASK;
        const b = v & CLAIM_OFFSET_MASK;
        if (v >>> 20 !== g || f >= b) return false;
        if (Atomics.compareExchange(c, C_CLAIMS + t, v, front ? v + (1 << CLAIM_OFFSET_BITS) : v - 1) !== v) continue;
        runHere(t * pieces + (front ? f : b - 1));
        return true;
      }
    };
    if (callerClaims && owned > 0) while (claimOwned(0, true));
    for (;;) {
      const v = Atomics.load(c, C_COUNTER);
      const i = v & 0xfffff;
      if (i >= n) break;
      if (Atomics.compareExchange(c, C_COUNTER, v, v + 1) === v) runHere(i);
    }
    // the owned chunks other threads have not started (not scheduled, not ready, or behind)
    for (let t = 0; t < owned; t++) while (claimOwned(t, t === 0));
    const t1 = performance.now();
    waitUntil(c, C_DONE, n);
    Atomics.store(c, C_COUNTER, (g << 20) | 0xfffff); // closed: a late worker finds nothing
    const t2 = performance.now();
    this.jobMs += t2 - t0;
    this.callerMs += callerMs;
    this.waitMs += t2 - t1;
    let joined = 1; // the threads that ran chunks of this job: the caller and the workers that claimed one
    for (let w = 0; w < this.workers.length; w++) if (Atomics.load(c, C_WORKERS + WORKER_WORDS * w + 2) !== this.chunks0[w]) joined++;
    const workersMs = ((((this.workerMicros() - workers0) % 0x40000000) + 0x40000000) % 0x40000000) / 1000;
    const backoff = this.efficiency.add((t2 - t0) * joined, callerMs + workersMs);
    if (backoff > 0) this.backoffUntil = Math.max(this.backoffUntil, t2 + backoff);
    this.stall = 0.8 * this.stall + (0.2 * (t2 - t1)) / Math.max(t2 - t0, 1e-3);
    if (this.stall > STALL_MAX) {
      this.stall = 0;
      this.backoffUntil = Math.max(this.backoffUntil, t2 + BACKOFF_MS);
    }
    for (const { fn, args } of this.overflow.splice(0)) {
      try {
        fn(...args);
      } catch (e) {
        callerError ??= e;
      }
    }
    if (callerError !== undefined) throw callerError;
    const failed = c[C_FAILED];
    if (failed !== 0) throw this.failure(failed - 1, kernel);
  }

  /** The workers' time in chunks so far, µs, modulo 2³⁰ (each worker's counter is). */
  private workerMicros(): number {
    let sum = 0;
    for (let w = 0; w < this.workers.length; w++) sum += Atomics.load(this.control, C_WORKERS + WORKER_WORDS * w + 3);
    return sum;
  }

  private runChunk(i: number): void {
    const c = this.control;
    const at = C_TABLE + i * RECORD;
    const fn = this.modules[c[at]].fns[c[at + 1]];
    const k = c[at + 2];
    const args: number[] = new Array(k);
    for (let j = 0; j < k; j++) {
      const v = c[at + 3 + j];
      args[j] = v === SCRATCH_ARG ? c[C_SCRATCH] : v;
    }
    fn(...args);
  }

  private failure(thread: number, kernel: string): ThreadError {
    const c = this.control;
    const len = c[C_ERRLEN];
    let text = '';
    for (let i = 0; i < len; i++) text += String.fromCharCode(c[C_ERR + i]);
    return new ThreadError(
      `backend-cpu: worker thread ${thread} failed in ${kernel}: ${text.split('\n')[0] || 'no message'}`,
      thread,
      kernel,
    );
  }

  /** Stops every worker; the pool can start new ones afterwards. */
  async terminate(): Promise<void> {
    const handles = this.workers.splice(0);
    const c = this.control;
    c[C_EXIT] = 1;
    Atomics.store(c, C_GEN, (this.gen = (this.gen + 1) | 0));
    Atomics.notify(c, C_GEN);
    await Promise.all(handles.map((h) => h.terminate()));
    for (let w = 0; w < MAX_WORKERS; w++) c.fill(0, C_WORKERS + WORKER_WORDS * w, C_WORKERS + WORKER_WORDS * w + 16);
    c[C_EXIT] = 0;
    this.ready = 0;
  }
}
