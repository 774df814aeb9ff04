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
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

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
}

interface StreamExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  stream4(p: number, g: number, m: number, v: number, n: number): void;
  stream3(p: number, g: number, s: number, n: number): void;
  arith(n: number): number;
}

let probe: StreamExports | undefined;

async function streamProbe(): Promise<StreamExports> {
  if (probe) return probe;
  // Compile the probe with the optimizing compiler straight away: V8 first runs WebAssembly on its
  // baseline compiler and tiers up later, and a probe timed on baseline code would set a floor too
  // low (too slow) for the first sizes measured.
  v8.setFlagsFromString('--no-liftoff');
  const { default: init } = await import('wabt');
  const wabt = await init();
  const here = dirname(fileURLToPath(import.meta.url));
  const mod = wabt.parseWat('stream.wat', readFileSync(join(here, 'stream.wat'), 'utf8'), { simd: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>));
  probe = instance.exports as unknown as StreamExports;
  // and warm it up on a small array all the same
  if (probe.memory.buffer.byteLength < 65536 * 2) probe.memory.grow(1);
  for (let i = 0; i < 2000; i++) {
    probe.stream4(0, 4096, 8192, 12288, 1024);
    probe.stream3(0, 4096, 8192, 1024);
  }
  new Float32Array(probe.memory.buffer, 0, 4096 * 4).fill(0);
  for (let i = 0; i < 2000; i++) probe.arith(1024);
  return probe;
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

/** Measures the floor of an update of `optimizer` over `n` parameters. */
export async function measureFloor(optimizer: keyof typeof BYTES_PER_PARAM, n: number): Promise<Floor> {
  const bytes = BYTES_PER_PARAM[optimizer] * n;
  const runs = bytes > 1e8 ? 15 : bytes > 1e7 ? 40 : 100;
  const gbs = (ms: number, by: number) => by / (ms / 1e3) / 1e9;

  // stream: the update's own pattern, in the probe module's memory
  const e = await streamProbe();
  const m = Math.ceil(n / 4) * 4;
  const arrays = optimizer === 'adam' ? 4 : 3;
  const need = arrays * m * 4 + 64;
  if (e.memory.buffer.byteLength < need) e.memory.grow(Math.ceil((need - e.memory.buffer.byteLength) / 65536));
  const at = (k: number) => k * m * 4;
  const streamMs = best(() => (arrays === 4 ? e.stream4(at(0), at(1), at(2), at(3), m) : e.stream3(at(0), at(1), at(2), m)), runs);
  new Float32Array(e.memory.buffer, 0, arrays * m).fill(0); // keep the sums finite for the next use

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
  let sink = 0;
  const arithMs = SLOW_OPS_PER_PARAM[optimizer] === 0 ? 0 : best(() => (sink += e.arith(n)), runs);
  if (Number.isNaN(sink)) throw new Error('arithmetic probe: NaN');

  const streamGBs = gbs(streamMs, bytes);
  const memcpyGBs = gbs(copyMs, 2 * src.byteLength);
  const floorMs = (bytes / (Math.max(streamGBs, memcpyGBs) * 1e9)) * 1e3;
  return {
    optimizer,
    n,
    bytes,
    floorMs,
    streamGBs,
    memcpyGBs,
    jsLoopGBs: gbs(loopMs, 12 * a.length),
    arithMs,
    rooflineMs: Math.max(floorMs, arithMs),
  };
}
