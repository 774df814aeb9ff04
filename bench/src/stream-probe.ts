/**
 * The probes of `stream.wat` on one thread or several: the calling thread and `threads − 1`
 * workers over one shared WebAssembly memory, each doing its contiguous share of the elements
 * (as backend-cpu splits a program run). Used for the bandwidth and arithmetic floors of the
 * optimizer-step table (`bandwidth.ts`) and for the threads suite (`threads.ts`), so that a step
 * run on T threads is compared with a floor measured on T threads.
 *
 * - `stream4`: Adam's access pattern (read p, g, m, v; write p, m, v), next to no arithmetic.
 * - `stream3`: SGD-momentum's and RMSProp's (read p, g, s; write p, s).
 * - `arith`: one square root and one division per element on values in registers (no memory).
 * - `adamLoop`: Adam's whole update written by hand (both of the above at once): what the fastest
 *   WebAssembly SIMD loop takes, an attainable floor where the other two are bounds.
 *
 * The workers spin for {@link SPIN_MS} ms on their control word before blocking, and the calling
 * thread likewise on their done words, as backend-cpu's workers do: a wake-up from `Atomics.wait`
 * costs tens of microseconds on the development machine, which a floor must not count (with
 * blocking workers the two-thread floors at 1e5 elements came out 1.6–1.9× what they are).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';

/** Which probe of `stream.wat`. */
export type ProbeKind = 'stream4' | 'stream3' | 'arith' | 'adamLoop';

/** The probes over one shared memory, on up to `maxThreads` threads. */
export interface StreamProbe {
  /** The largest thread count this probe runs on. */
  readonly maxThreads: number;
  /** Best time in ms of `kind` over n elements split over `threads` threads (the calling one and `threads − 1` workers). */
  best(kind: ProbeKind, n: number, threads: number, runs: number): number;
  /** Times in ms of `runs` runs of `kind` back to back, after one untimed run (a round of an interleaved measurement: see `floorSampler`). */
  times(kind: ProbeKind, n: number, threads: number, runs: number): number[];
  /** Ends the workers. */
  close(): Promise<void>;
}

const KINDS: Record<ProbeKind, number> = { stream4: 0, stream3: 1, arith: 2, adamLoop: 3 };
/** Int32 words of control per worker: sequence, done, kind, five arguments. */
const SLOT = 8;
/** Milliseconds a probe thread spins on a control word before it blocks (backend-cpu's workers spin 1 ms). */
const SPIN_MS = 1;

/** Waits until `ctl[i]` is `value`: spinning first, then blocking in `Atomics.wait`. */
function waitFor(ctl: Int32Array, i: number, value: number): void {
  const until = performance.now() + SPIN_MS;
  for (let k = 1; Atomics.load(ctl, i) !== value; k++) {
    if ((k & 1023) === 0 && performance.now() > until) Atomics.wait(ctl, i, Atomics.load(ctl, i), 10);
  }
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.once('message', ({ module, memory, ctl }) => {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = new Int32Array(ctl, workerData.slot * ${SLOT} * 4, ${SLOT});
  let last = 0;
  let sink = 0;
  for (;;) {
    // spin for ${SPIN_MS} ms before blocking, as backend-cpu's workers do: a wake-up from
    // Atomics.wait costs tens of microseconds here, which a floor must not count
    const until = performance.now() + ${SPIN_MS};
    for (let i = 1; Atomics.load(c, 0) === last; i++) {
      if ((i & 1023) === 0 && performance.now() > until) Atomics.wait(c, 0, last);
    }
    last = Atomics.load(c, 0);
    if (c[2] < 0) break;
    if (c[2] === 0) e.stream4(c[3], c[4], c[5], c[6], c[7]);
    else if (c[2] === 1) e.stream3(c[3], c[4], c[5], c[7]);
    else if (c[2] === 3) e.adamLoop(c[3], c[4], c[5], c[6], c[7]);
    else sink += e.arith(c[7]);
    Atomics.store(c, 1, last);
    Atomics.notify(c, 1);
  }
  if (Number.isNaN(sink)) throw new Error('arithmetic probe: NaN');
});
`;

/**
 * Compiles `stream.wat` over a shared memory holding four arrays of `maxN` float32 values, and
 * starts `maxThreads − 1` workers on it.
 */
export async function streamProbe(maxN: number, maxThreads: number): Promise<StreamProbe> {
  // the optimizing compiler straight away: a probe timed on baseline code would set a floor too low
  v8.setFlagsFromString('--no-liftoff');
  const { default: init } = await import('wabt');
  const wabt = await init();
  const here = dirname(fileURLToPath(import.meta.url));
  const wat = readFileSync(join(here, 'stream.wat'), 'utf8').replace(
    '(memory (export "memory") 1)',
    '(import "env" "memory" (memory 1 65536 shared))',
  );
  const mod = wabt.parseWat('stream.wat', wat, { simd: true, threads: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  const module = new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>);
  const m = Math.ceil(maxN / 8) * 8;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((4 * m * 4 + 64) / 65536), maximum: 65536, shared: true });
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as {
    stream4(p: number, g: number, mm: number, v: number, n: number): void;
    stream3(p: number, g: number, s: number, n: number): void;
    arith(n: number): number;
    adamLoop(p: number, g: number, mm: number, v: number, n: number): void;
  };
  const ctl = new Int32Array(new SharedArrayBuffer(Math.max(1, maxThreads - 1) * SLOT * 4));
  const workers = Array.from({ length: maxThreads - 1 }, (_, w) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { slot: w } });
    worker.postMessage({ module, memory, ctl: ctl.buffer });
    worker.unref(); // an unclosed probe does not keep the process alive
    return worker;
  });
  let seq = 0;
  let sink = 0;
  const at = (k: number) => k * m * 4;
  const local = (kind: number, lo: number, n: number) => {
    if (n <= 0) return;
    if (kind === 0) e.stream4(at(0) + lo * 4, at(1) + lo * 4, at(2) + lo * 4, at(3) + lo * 4, n);
    else if (kind === 1) e.stream3(at(0) + lo * 4, at(1) + lo * 4, at(2) + lo * 4, n);
    else if (kind === 3) e.adamLoop(at(0) + lo * 4, at(1) + lo * 4, at(2) + lo * 4, at(3) + lo * 4, n);
    else sink += e.arith(n);
  };
  // Adam's loop on realistic values: a gradient of 0.01 everywhere and moments near where it takes
  // them (zeros would keep the moments at zero; nothing here becomes subnormal or infinite)
  let adamReady = false;
  const prepare = (kind: number) => {
    if (kind !== 3 || adamReady) return;
    new Float32Array(memory.buffer, at(0), m).fill(1);
    new Float32Array(memory.buffer, at(1), m).fill(0.01);
    new Float32Array(memory.buffer, at(2), m).fill(0.01);
    new Float32Array(memory.buffer, at(3), m).fill(1e-4);
    adamReady = true;
  };
  // elements rounded up to a whole vector (four lanes; Adam's loop: two vectors)
  const whole = (kind: number, n: number) => (kind === 3 ? Math.ceil(n / 8) * 8 : Math.ceil(n / 4) * 4);
  const run = (kind: number, n: number, threads: number) => {
    // shares in whole blocks (32 elements: the arithmetic probe's step, a multiple of the streams' 4)
    const blocks = Math.ceil(n / 32);
    const bound = (t: number) => Math.min(n, Math.round((blocks * t) / threads) * 32);
    seq++;
    for (let w = 1; w < threads; w++) {
      const lo = bound(w);
      const c = w - 1;
      ctl.set([kind, at(0) + lo * 4, at(1) + lo * 4, at(2) + lo * 4, at(3) + lo * 4, bound(w + 1) - lo], c * SLOT + 2);
      Atomics.store(ctl, c * SLOT, seq);
      Atomics.notify(ctl, c * SLOT);
    }
    local(kind, 0, bound(1));
    for (let w = 1; w < threads; w++) waitFor(ctl, (w - 1) * SLOT + 1, seq);
  };
  return {
    maxThreads,
    best(kind, n, threads, runs) {
      if (!(threads >= 1 && threads <= maxThreads)) throw new Error(`stream probe: ${threads} threads, at most ${maxThreads}`);
      if (n > m) throw new Error(`stream probe: ${n} elements, at most ${m}`);
      const k = KINDS[kind];
      const n4 = whole(k, n);
      prepare(k);
      run(k, n4, threads); // first touch
      let best = Infinity;
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        run(k, n4, threads);
        best = Math.min(best, performance.now() - t);
      }
      if (k < 2) {
        for (let a = 0; a < 4; a++) new Float32Array(memory.buffer, at(a), n4).fill(0); // keep the sums finite
        adamReady = false;
      }
      if (Number.isNaN(sink)) throw new Error('arithmetic probe: NaN');
      return best;
    },
    times(kind, n, threads, runs) {
      if (!(threads >= 1 && threads <= maxThreads)) throw new Error(`stream probe: ${threads} threads, at most ${maxThreads}`);
      if (n > m) throw new Error(`stream probe: ${n} elements, at most ${m}`);
      const k = KINDS[kind];
      const n4 = whole(k, n);
      prepare(k);
      run(k, n4, threads); // the other subject of the round ran last: this brings the probe's arrays back
      const out: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        run(k, n4, threads);
        out.push(performance.now() - t);
      }
      if (Number.isNaN(sink)) throw new Error('arithmetic probe: NaN');
      return out;
    },
    async close() {
      seq++;
      for (let c = 0; c < workers.length; c++) {
        ctl[c * SLOT + 2] = -1;
        Atomics.store(ctl, c * SLOT, seq);
        Atomics.notify(ctl, c * SLOT);
      }
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
