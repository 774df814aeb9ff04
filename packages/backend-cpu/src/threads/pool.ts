import { ThreadError } from './thread-error.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Int32 words of one worker's control block (16 KiB: header, call list, error text). */
export const CONTROL_WORDS = 4096;
// Word offsets in a control block (repeated as literals in worker-source.ts).
const W_SEQ = 0;
const W_DONE = 1;
const W_READY = 2;
const W_STATUS = 3;
const W_MODS = 4;
const W_ERRLEN = 5;
const W_CALLS = 16;
const W_ERR = 3072;
/** The most workers a pool holds (threads − 1: the calling thread works too). */
export const MAX_WORKERS = 63;
/** Caller-side spins on a done word before blocking in `Atomics.wait`. */
const SPIN = 200_000;

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
      cores: 1,
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

function waitWhile(ctl: Int32Array, index: number, value: number): void {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(ctl, index) !== value) return;
  while (Atomics.load(ctl, index) === value) {
    if (canBlock !== false) {
      try {
        Atomics.wait(ctl, index, value, 50);
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
 * A job is a list of kernel calls per thread: thread 0 is the calling thread, threads 1… are
 * workers. `begin(threads)`, `call(t, module, fn, ...args)` for each, `run(kernel)` wakes the
 * workers, runs thread 0's calls, waits for every worker and raises the first failure as a
 * {@link ThreadError}. Which thread runs which calls never changes a result: every kernel split
 * across threads computes each output element on one thread, in the order it has on one thread.
 *
 * Workers start asynchronously; until one is ready, its share runs on the calling thread
 * (`usable(n)` says how many threads can take part now). The handshake is a sequence word per
 * worker (`Atomics.notify`) and a done word back; workers spin briefly before blocking, so a run
 * of kernels in quick succession does not pay a wake-up each.
 */
export class ThreadPool {
  private readonly control: Int32Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly seq: number[] = [];
  private readonly modules: ModuleEntry[] = [];
  /** Workers ready in a row from the first (cached; ready workers stay ready). */
  private ready = 0;
  // the job being built
  private readonly callerCalls: { fn: KernelFn; args: number[] }[] = [];
  private readonly used: number[] = [];
  private readonly maxModule: number[] = [];
  private threads = 1;
  /** Jobs run across threads so far (for tests). */
  jobs = 0;

  constructor(private readonly memory: object) {
    this.control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4 * MAX_WORKERS));
  }

  /** Registers a module (instantiated over the shared memory on every worker); returns its id. */
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
      const w = this.workers.length;
      const base = w * CONTROL_WORDS;
      const handle = spawn();
      this.workers.push(handle);
      this.seq.push(0);
      handle.postMessage({
        kind: 'init',
        control: this.control.buffer,
        base,
        memory: this.memory,
        modules: this.modules.map((m, id) => ({ id, module: m.module, names: m.names })),
      });
    }
  }

  /** Workers started (ready or not). */
  get started(): number {
    return this.workers.length;
  }

  /** How many threads (the caller and ready workers) can take part in a job of up to `n` now. */
  usable(n: number): number {
    const max = Math.min(n - 1, this.workers.length);
    while (this.ready < max && Atomics.load(this.control, this.ready * CONTROL_WORDS + W_READY) === 1) this.ready++;
    return 1 + Math.min(this.ready, max);
  }

  /** Resolves once `n` workers (or all that could start) are ready. */
  async whenReady(n: number): Promise<number> {
    const want = Math.min(n, this.workers.length);
    for (;;) {
      this.usable(want + 1);
      if (this.ready >= want) return this.ready;
      const failed = this.workers.findIndex((_, w) => Atomics.load(this.control, w * CONTROL_WORDS + W_READY) === -1);
      if (failed >= 0) throw this.failure(failed, 'start');
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Starts a job over `threads` threads (at most `usable`). */
  begin(threads: number): void {
    this.threads = threads;
    this.callerCalls.length = 0;
    for (let w = 0; w < threads - 1; w++) {
      this.used[w] = 0;
      this.maxModule[w] = -1;
      this.control[w * CONTROL_WORDS + W_CALLS] = 0;
    }
  }

  /** Adds a call of `fn` (an index into the module's names) of module `mod` to thread `t`'s list. */
  call(t: number, mod: number, fn: number, ...args: number[]): void {
    const w = t - 1;
    const words = 3 + args.length;
    if (t === 0 || this.used[w] + words > W_ERR - W_CALLS - 1) {
      // the calling thread's share, or a list that would overflow its block: run it here
      this.callerCalls.push({ fn: this.modules[mod].fns[fn], args });
      return;
    }
    const base = w * CONTROL_WORDS + W_CALLS;
    let at = base + 1 + this.used[w];
    const c = this.control;
    c[at++] = mod;
    c[at++] = fn;
    c[at++] = args.length;
    for (const a of args) c[at++] = a;
    this.used[w] += words;
    c[base]++;
    if (mod > this.maxModule[w]) this.maxModule[w] = mod;
  }

  /** Runs the job: workers wake, the caller runs its share, then waits for all. */
  run(kernel: string): void {
    const c = this.control;
    const n = this.threads - 1;
    this.jobs++;
    for (let w = 0; w < n; w++) {
      if (Atomics.load(c, w * CONTROL_WORDS + W_MODS) <= this.maxModule[w]) this.syncModules(w, this.maxModule[w]);
      const base = w * CONTROL_WORDS;
      c[base + W_STATUS] = 0;
      Atomics.store(c, base + W_SEQ, ++this.seq[w]);
      Atomics.notify(c, base + W_SEQ, 1);
    }
    let callerError: unknown;
    try {
      for (const { fn, args } of this.callerCalls) fn(...args);
    } catch (e) {
      callerError = e;
    }
    for (let w = 0; w < n; w++) waitWhile(c, w * CONTROL_WORDS + W_DONE, this.seq[w] - 1);
    this.callerCalls.length = 0;
    if (callerError !== undefined) throw callerError;
    for (let w = 0; w < n; w++) if (c[w * CONTROL_WORDS + W_STATUS] !== 0) throw this.failure(w, kernel);
  }

  /** Sends worker `w` back to its event loop until it has instantiated module `mod`. */
  private syncModules(w: number, mod: number): void {
    const c = this.control;
    const base = w * CONTROL_WORDS;
    while (Atomics.load(c, base + W_MODS) <= mod) {
      const saved = c[base + W_CALLS];
      c[base + W_CALLS] = -1;
      Atomics.store(c, base + W_SEQ, ++this.seq[w]);
      Atomics.notify(c, base + W_SEQ, 1);
      waitWhile(c, base + W_DONE, this.seq[w] - 1);
      c[base + W_CALLS] = saved;
      const mods = Atomics.load(c, base + W_MODS);
      if (mods <= mod) waitWhile(c, base + W_MODS, mods);
    }
  }

  private failure(w: number, kernel: string): ThreadError {
    const c = this.control;
    const base = w * CONTROL_WORDS;
    const len = c[base + W_ERRLEN];
    let text = '';
    for (let i = 0; i < len; i++) text += String.fromCharCode(c[base + W_ERR + i]);
    return new ThreadError(
      `backend-cpu: worker thread ${w + 1} failed in ${kernel}: ${text.split('\n')[0] || 'no message'}`,
      w + 1,
      kernel,
    );
  }

  /** Stops every worker; the pool can start new ones afterwards. */
  async terminate(): Promise<void> {
    const handles = this.workers.splice(0);
    this.seq.length = 0;
    this.ready = 0;
    this.control.fill(0);
    await Promise.all(handles.map((h) => h.terminate()));
  }
}
