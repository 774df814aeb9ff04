/**
 * Streaming memory bandwidth, measured here and now: the floor under a bandwidth-bound update.
 *
 * An optimizer update must read and write a fixed number of bytes per parameter (Adam: read p, g,
 * m, v and write p, m, v, 7 × 4 bytes). The floor of an update over n parameters is the shortest
 * time this machine takes to move those bytes, at the same working-set size (so the same cache
 * level: Adam's 2.8 MB at 1e5 parameters sits in cache, its 280 MB at 1e7 streams from DRAM). Two
 * probes measure it, each the best of many runs, and the faster one sets the floor:
 *
 * - `stream`: a WebAssembly SIMD loop with the update's own access pattern and next to no
 *   arithmetic (Adam: `p += g; m += g; v += g` over four arrays: reads 4, writes 3; SGD with
 *   momentum and RMSProp: `p += g; s += g` over three), from `stream.wat`, compiled with wabt.
 * - `memcpy`: `TypedArray.prototype.set` from one Float32Array of half the bytes into another.
 *
 * A scalar JavaScript loop `a[i] = a[i]·0.5 + b[i]` is timed too, for comparison only.
 *
 * The **roofline** is the larger of that bandwidth floor and an arithmetic floor: the shortest time
 * the machine takes to do the update's unavoidable slow arithmetic, one square root and one
 * division per element for Adam and RMSProp (none for SGD), on values already in registers
 * (`arith` in `stream.wat`: eight independent SIMD chains, so throughput bounds it). Below 1e6
 * parameters the data sits in cache and the arithmetic can be the larger one.
 *
 * Both floors leave out half of the work. For Adam a third figure does all of it: the update
 * written by hand in WebAssembly SIMD (`adamLoop` in `stream.wat`: the same arithmetic as the update
 * program, two vectors per iteration, the fastest of the shapes tried), an attainable floor. Where it
 * takes well over the roofline, the machine does not overlap the memory traffic with the square
 * roots and divisions.
 *
 * **Threads.** A floor is measured on a stated number of threads (`Floor.threads`): the stream and
 * arithmetic probes split their elements over the calling thread and workers on one shared
 * memory (`stream-probe.ts`, the same probe as the threads suite's), as backend-cpu splits a
 * program run. A step on T threads is compared with the floor on T threads; a single-threaded
 * implementation with the floor on one.
 */
import { streamProbe, type ProbeKind, type StreamProbe as Probe } from './stream-probe.js';
import { median } from './util.js';

type StreamProbe = Probe & { readonly maxN: number };

/** Square roots and divisions per parameter that an update cannot avoid (each one of each, or none). */
export const SLOW_OPS_PER_PARAM = { adam: 1, sgdMomentum: 0, rmsprop: 1 } as const;

/** Bytes an update must move per parameter (each array read once, each updated array written once, float32). */
export const BYTES_PER_PARAM = {
  /** read p, g, m, v; write p, m, v. */
  adam: 28,
  /** read p, g, buf; write p, buf. */
  sgdMomentum: 20,
  /** read p, g, ν; write p, ν (not centered, no momentum). */
  rmsprop: 20,
} as const;

/** The floor of one (optimizer, n) and the probes behind it. */
export interface Floor {
  readonly optimizer: keyof typeof BYTES_PER_PARAM;
  readonly n: number;
  /** The threads the stream and arithmetic probes ran on (1 in records written before this field). */
  readonly threads?: number;
  /** Bytes the update moves: `BYTES_PER_PARAM[optimizer]·n`. */
  readonly bytes: number;
  /** The best time of the faster probe, ms. */
  readonly floorMs: number;
  /** Bandwidth of each probe from its best run, GB/s (1e9 bytes per second). */
  readonly streamGBs: number;
  readonly memcpyGBs: number;
  readonly jsLoopGBs: number;
  /** The arithmetic floor: best time of the square roots and divisions on values in registers, ms (0 for SGD). */
  readonly arithMs: number;
  /** The roofline: the larger of `floorMs` and `arithMs`. */
  readonly rooflineMs: number;
  /** Adam only: the best time of the update written by hand (`adamLoop` of `stream.wat`), ms. */
  readonly handMs?: number;
}

let probe: StreamProbe | undefined;

/** The shared probe, large enough for `n` elements and `threads` threads (made again when not). */
async function probeFor(n: number, threads: number): Promise<StreamProbe> {
  if (probe && probe.maxThreads >= threads && probe.maxN >= n) return probe;
  if (probe) await probe.close();
  probe = Object.assign(await streamProbe(n, threads), { maxN: n });
  return probe;
}

/** Makes the probe for every floor of a run at once: `maxN` elements, `maxThreads` threads. */
export async function prepareFloorProbe(maxN: number, maxThreads: number): Promise<void> {
  await probeFor(maxN, maxThreads);
}

/** Ends the probe's workers (at the end of a run). */
export async function closeFloorProbe(): Promise<void> {
  await probe?.close();
  probe = undefined;
}

function best(fn: () => void, runs: number): number {
  fn(); // first touch
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/**
 * Measures the floor of an update of `optimizer` over `n` parameters on `threads` threads: the
 * stream and arithmetic probes split over that many threads (the calling one and workers, over
 * one shared memory, as backend-cpu splits a program run) and, for a lower bound, on one; memcpy
 * and the JavaScript loop run on the calling thread (a floor on T threads is the best of every
 * probe on at most T).
 */
export async function measureFloor(optimizer: keyof typeof BYTES_PER_PARAM, n: number, threads = 1): Promise<Floor> {
  const bytes = BYTES_PER_PARAM[optimizer] * n;
  const runs = bytes > 1e8 ? 15 : bytes > 1e7 ? 40 : 100;
  const gbs = (ms: number, by: number) => by / (ms / 1e3) / 1e9;

  // stream: the update's own pattern, in the probe's shared memory
  const e = await probeFor(n, threads);
  // on T threads, the best of the probe split T ways and on one (a busy machine can leave a worker
  // unscheduled, and T threads can always do what one does): the floor stays a lower bound
  const probeBest = (kind: ProbeKind) => Math.min(e.best(kind, n, threads, runs), threads > 1 ? e.best(kind, n, 1, runs) : Infinity);
  const streamMs = probeBest(optimizer === 'adam' ? 'stream4' : 'stream3');

  // memcpy: W/2 bytes read, W/2 written
  const half = Math.max(16, Math.floor(bytes / 8));
  const src = new Float32Array(half).fill(1);
  const dst = new Float32Array(half);
  const copyMs = best(() => dst.set(src), runs);

  // scalar JavaScript, for comparison
  const a = new Float32Array(Math.max(16, Math.floor(bytes / 12)));
  const b = new Float32Array(a.length).fill(0.5);
  const loopMs = best(
    () => {
      for (let i = 0, len = a.length; i < len; i++) a[i] = a[i] * 0.5 + b[i];
    },
    Math.min(runs, 10),
  );

  // arithmetic: the update's square roots and divisions, on registers
  const arithMs = SLOW_OPS_PER_PARAM[optimizer] === 0 ? 0 : probeBest('arith');
  // Adam's update written by hand: both at once
  const handMs = optimizer === 'adam' ? probeBest('adamLoop') : undefined;

  const streamGBs = gbs(streamMs, bytes);
  const memcpyGBs = gbs(copyMs, 2 * src.byteLength);
  const floorMs = (bytes / (Math.max(streamGBs, memcpyGBs) * 1e9)) * 1e3;
  return {
    optimizer,
    n,
    threads,
    bytes,
    floorMs,
    streamGBs,
    memcpyGBs,
    jsLoopGBs: gbs(loopMs, 12 * a.length),
    arithMs,
    rooflineMs: Math.max(floorMs, arithMs),
    ...(handMs === undefined ? {} : { handMs }),
  };
}

/** One round of an interleaved floor: the round's bandwidth floor, arithmetic floor and roofline, ms. */
export interface FloorRound {
  readonly floorMs: number;
  readonly arithMs: number;
  readonly rooflineMs: number;
  /** Adam only: the round's time of the update written by hand (see {@link Floor.handMs}). */
  readonly handMs?: number;
}

/**
 * A floor measured in rounds, interleaved with the step it is the floor of (`measurePaired` in
 * `util.ts`): each call is one round of every probe of {@link measureFloor} (the stream probe
 * with the update's access pattern and the arithmetic probe on `threads` threads and on one,
 * memcpy on one), each run once untimed (its arrays back in cache after the step's run) and
 * `runs` times timed, and gives that round's floors from the medians of its runs, the faster
 * probe setting the bandwidth floor as in {@link measureFloor}. Floor and step then meet the
 * same moments of a shared machine, and the step's median over rounds is divided by the floor's.
 * Each round's floor is still the time this machine took to move the update's bytes (and to do
 * its square roots and divisions): the same probes, the same bytes, not a model.
 */
export async function floorSampler(optimizer: keyof typeof BYTES_PER_PARAM, n: number, threads = 1): Promise<(runs: number) => FloorRound> {
  const bytes = BYTES_PER_PARAM[optimizer] * n;
  const e = await probeFor(n, threads);
  const streamKind: ProbeKind = optimizer === 'adam' ? 'stream4' : 'stream3';
  const probe = (kind: ProbeKind, runs: number) =>
    Math.min(median(e.times(kind, n, threads, runs)), threads > 1 ? median(e.times(kind, n, 1, runs)) : Infinity);
  const half = Math.max(16, Math.floor(bytes / 8));
  const src = new Float32Array(half).fill(1);
  const dst = new Float32Array(half);
  const slow = SLOW_OPS_PER_PARAM[optimizer] !== 0;
  return (runs) => {
    const streamMs = probe(streamKind, runs);
    dst.set(src);
    const copies: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      dst.set(src);
      copies.push(performance.now() - t);
    }
    // memcpy moves 2·half·4 bytes; scaled to the update's bytes, as measureFloor's bandwidth
    const copyMs = (median(copies) * bytes) / (2 * src.byteLength);
    const floorMs = Math.min(streamMs, copyMs);
    const arithMs = slow ? probe('arith', runs) : 0;
    const round = { floorMs, arithMs, rooflineMs: Math.max(floorMs, arithMs) };
    return optimizer === 'adam' ? { ...round, handMs: probe('adamLoop', runs) } : round;
  };
}
