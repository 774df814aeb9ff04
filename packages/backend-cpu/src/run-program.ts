import type { ElementwiseProgram, ProgramGroup, Tensor } from '@downhill/backend';
import { compileJs, type JsProgram } from './program-js.js';
import { compileWasm, type WasmProgram } from './program-wasm.js';
import { alloc, dataOf, type CpuStorage } from './storage.js';
import { chunksFor, getPool, split, threadsFor } from './threads/parallel.js';
import { PAGES_MAX, activeRuntime, type WasmRuntime } from './wasm/runtime.js';

/**
 * Elements per thread below which a compiled float32 program stays on one thread: about ten times
 * the break-even share that `bench/src/thresholds.ts` measured for Adam's program on the
 * development machine (10³ elements take as long as handing a chunk to an awake worker). Whole
 * Adam steps on one thread against two, by wall and CPU time, come from
 * `bench/src/optimizer-program-threads.ts`; on a machine whose cores other processes keep busy,
 * two threads lost at every size from 4,096 to 10⁶ elements, so those runs cannot place the
 * threshold: measure there on a quiet machine before moving it.
 */
export const PROGRAM_MIN_PER_THREAD = 1 << 14;

/**
 * Chunks per thread at most of a program run split without owned ranges (for measurements,
 * {@link setProgramOwnedRanges}), which the pool hands out in order to whichever thread asks, so
 * that each thread's chunks are every other one: each chunk start is a jump in every operand's
 * stream, and the prefetchers start over. Adam's loop over 10⁷ float32 elements on one thread, cut
 * into 98 such alternate pieces (what `chunksFor` gives two threads), took 3–4% longer than in one
 * piece, and 16 or 32 pieces cost under 1%; the two-thread step took 3–9% less (best of rounds,
 * alternated) with 32 or 16 chunks than with 98, on the shared development machine.
 */
export const PROGRAM_CHUNKS_PER_THREAD = 16;

/** The most pieces of an owned range (see {@link programChunks}): the last two a 32nd of it each. */
export const PROGRAM_MAX_PIECES = 6;

/**
 * Elements of the smallest piece of an owned range at least (see {@link programPieces}): about 16
 * µs of Adam's update on one core of the development machine.
 */
export const PROGRAM_PIECE_MIN = 1 << 15;

/**
 * Pieces in each owned range of a split program run of `total` elements on `threads` threads (see
 * {@link programChunks}): as many as keep the smallest at least {@link PROGRAM_PIECE_MIN}
 * elements, at most {@link PROGRAM_MAX_PIECES}, at least one. On two threads, Adam over 10⁵
 * elements gets one piece per range, the MLP 784-256-10's update (203,530 elements) two, 10⁶
 * elements four, 10⁷ six.
 */
export function programPieces(total: number, threads: number): number {
  const range = total / threads;
  if (range < 2 * pieceMin) return 1;
  return Math.min(PROGRAM_MAX_PIECES, 1 + Math.floor(Math.log2(range / pieceMin)));
}

let pieceMin = PROGRAM_PIECE_MIN;

/**
 * Sets the least elements of the smallest piece of an owned range (see {@link programPieces}), for
 * measurements; returns the previous setting.
 *
 * @internal
 */
export function setProgramPieceMin(n: number): number {
  const before = pieceMin;
  pieceMin = n;
  return before;
}

let ownedRanges = true;

/**
 * Turns owned ranges in split program runs on or off (off: `chunks` equal chunks claimed in turn),
 * for measurements; returns the previous setting. Either way the results are the same, bit for bit.
 *
 * @internal
 */
export function setProgramOwnedRanges(on: boolean): boolean {
  const before = ownedRanges;
  ownedRanges = on;
  return before;
}

/**
 * Chunk boundaries of a program run of `total` elements on `threads` threads: one owned range per
 * thread, contiguous and the same every run (16-element aligned), each cut into `pieces` chunks
 * that halve: the first half of the range, then half of the rest, and so on, the last two equal
 * (fewer pieces where the range is too short for that many non-empty ones); with `pieces` 0,
 * `chunks` equal chunks and no owned range. Returns the boundaries, how many threads own a range,
 * and the pieces in each (see `ThreadPool.begin`).
 *
 * Why owned ranges: an optimizer's update runs over the same elements every step, so each thread
 * then reads and writes the same elements every step, in one stream per operand, and where a
 * product splits over its shared axis (`splitsShared` in `matmul-wasm.ts`) each thread's range is
 * exactly the half (on two threads) of a layer's kernel that the product read on the same core, so
 * no line the update writes is in the other core's cache (on the development machine, 2 vCPUs,
 * Adam's program over 10⁶ float32 elements on two threads took 0.425 ms in owned ranges against
 * 0.483 ms in alternate chunks, and the MLP 784-256-10's update program 0.113–0.114 ms in owned
 * halves against 0.130 ms with a shared tail). Why halving pieces: a thread that falls
 * behind (a core the system takes away for a while, subnormal numbers in Adam's moments on one
 * side) has the pieces it has not started taken from the back of its range by the threads done
 * with theirs (see `ThreadPool.begin`), the smallest first, so only the imbalance leaves its core,
 * while its owner runs its range in a few long calls (every piece start restarts the operands'
 * streams). On the development machine (2 vCPUs; medians of rounds alternated in one process,
 * `bench/src/program-owned-probe.ts` and the MLP step with the piece size switched between rounds
 * of one trainer), with the machine quiet, Adam's step over 10⁶ float32 elements on two threads
 * took 0.308–0.309 ms in four pieces per range against 0.304–0.305 in one (eight equal pieces:
 * 5% slower), and the MLP 784-256-10's step 1.730 ms in two pieces against 1.728–1.730 in one;
 * with another process busy 2 ms of every 4, Adam's step over 10⁷ elements took 4.33–4.34 ms in
 * six pieces against 5.08–5.79 ms in one. The rule before this one (ranges over 7/8 of a run of
 * more than 2²¹ elements, and a shared tail of two chunks per thread) took 4.81 ms there against
 * 4.09 ms in sixteen equal pieces, on a loaded machine.
 */
export function programChunks(
  total: number,
  threads: number,
  chunks: number,
  pieces: number,
): { bounds: number[]; owned: number; pieces: number } {
  if (pieces <= 0 || total < 16 * threads) return { bounds: split(total, chunks, 16), owned: 0, pieces: 1 };
  const ranges = split(total, threads, 16);
  // halving needs 2^(pieces − 1) whole blocks of 16 in the shortest range (the last may hold a partial one)
  let blocks = Number.POSITIVE_INFINITY;
  for (let t = 0; t < threads; t++) blocks = Math.min(blocks, Math.floor((ranges[t + 1] - ranges[t]) / 16));
  const per = Math.max(1, Math.min(pieces, 1 + Math.floor(Math.log2(blocks))));
  const bounds = [0];
  for (let t = 0; t < threads; t++) {
    let lo = ranges[t];
    for (let k = 1; k < per; k++) {
      lo += Math.floor((ranges[t + 1] - lo) / 32) * 16; // half of what is left, in whole blocks
      bounds.push(lo);
    }
    bounds.push(ranges[t + 1]);
  }
  return { bounds, owned: threads, pieces: per };
}

/** The threshold in force (the probe `bench/src/optimizer-program-threads.ts` lowers it). */
let programMinPerThread = PROGRAM_MIN_PER_THREAD;

/**
 * Sets the elements per thread below which a program stays on one thread (for measurements), and
 * returns the previous value.
 *
 * @internal
 */
export function setProgramMinPerThread(n: number): number {
  const before = programMinPerThread;
  programMinPerThread = n;
  return before;
}

/** The compiled forms of one program, made when first needed. */
interface Compiled {
  js64?: JsProgram;
  js32?: JsProgram;
  /** null: tried, and the program has no WebAssembly form. */
  wasm?: WasmProgram | null;
  /** The program's module id in the thread pool, once registered there. */
  poolId?: number;
}

/** Compiled programs by structure; bounded (cleared when full: a training run uses a handful). */
const byKey = new Map<string, Compiled>();
const CACHE_MAX = 512;
/** The same, by program object: a step that reuses its program skips building the key. */
const byObject = new WeakMap<ElementwiseProgram, Compiled>();

function literal(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** The structure of a program as a string: equal strings, equal programs. */
export function programKey(p: ElementwiseProgram): string {
  const parts = [`${p.inputs};${p.scalars};${p.outputs.join(',')}`];
  for (const n of p.nodes) {
    switch (n.op) {
      case 'input':
      case 'scalar':
        parts.push(`${n.op[0]}${n.index}`);
        break;
      case 'const':
        parts.push(`k${literal(n.value)}`);
        break;
      case 'unary':
        parts.push(`u${n.fn}(${n.x})`);
        break;
      case 'binary':
      case 'compare':
        parts.push(`${n.op[0]}${n.fn}(${n.a},${n.b})`);
        break;
      case 'where':
        parts.push(`w(${n.cond},${n.a},${n.b})`);
        break;
      default:
        n satisfies never;
    }
  }
  return parts.join('|');
}

function compiled(program: ElementwiseProgram): Compiled {
  let c = byObject.get(program);
  if (c) return c;
  const key = programKey(program);
  c = byKey.get(key);
  if (!c) {
    if (byKey.size >= CACHE_MAX) byKey.clear();
    c = {};
    byKey.set(key, c);
  }
  byObject.set(program, c);
  return c;
}

/** How many programs are compiled and cached (for tests). @internal */
export function programCacheSize(): number {
  return byKey.size;
}

/** A new float32 array for an output: uninitialised in the heap where it can be. */
function allocOut(dtype: Tensor['dtype'], n: number): CpuStorage {
  if (dtype === 'float32') {
    const view = activeRuntime()?.allocF32(n, false);
    if (view) return view;
  }
  return alloc(dtype, n);
}

/**
 * backend-cpu's `runProgram`: compiles the program once (cached by its structure) and runs every
 * group. float64 groups run a generated JavaScript loop each. float32 groups run, where the
 * WebAssembly heap is shared and every op has an exact float32 instruction, in one call into a
 * generated SIMD module (operands living outside the heap are copied through a scratch arena);
 * otherwise a generated JavaScript loop rounding every node to float32. Both float32 forms give the
 * composed primitives' exact results.
 */
export function runProgramKernel(
  program: ElementwiseProgram,
  groups: readonly ProgramGroup<Tensor>[],
  inPlace: readonly (readonly (number | undefined)[])[],
): CpuStorage[][] {
  const c = compiled(program);
  const outs: CpuStorage[][] = groups.map((g, gi) => {
    const first = g.inputs[0];
    return program.outputs.map((_, o) => {
      const ix = inPlace[gi][o];
      return ix !== undefined ? dataOf(g.inputs[ix]) : allocOut(first.dtype, first.size);
    });
  });
  let f32: number[] | undefined;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi];
    if (g.inputs[0].dtype === 'float64') {
      c.js64 ??= compileJs(program, false);
      c.js64(g.inputs.map(dataOf), outs[gi], g.scalars, g.inputs[0].size);
    } else (f32 ??= []).push(gi);
  }
  if (f32 === undefined) return outs;
  const rt = activeRuntime();
  if (rt?.shared && c.wasm !== null) {
    if (c.wasm === undefined) c.wasm = compileWasm(program, rt.memory, PAGES_MAX) ?? null;
    if (c.wasm) {
      runWasm(rt, c, c.wasm, program, groups, f32, outs);
      return outs;
    }
  }
  c.js32 ??= compileJs(program, true);
  for (const gi of f32) c.js32(groups[gi].inputs.map(dataOf), outs[gi], groups[gi].scalars, groups[gi].inputs[0].size);
  return outs;
}

/**
 * The descriptor block, kept between calls and grown as needed, with its word and float views
 * (made again only when the block grows or the memory's buffer changes).
 */
const desc = {
  ptr: 0,
  bytes: 0,
  buffer: undefined as ArrayBufferLike | undefined,
  words: new Int32Array(0) as Int32Array<ArrayBufferLike>,
  floats: new Float32Array(0) as Float32Array<ArrayBufferLike>,
};

function descriptor(rt: WasmRuntime, need: number): void {
  if (desc.bytes < need) {
    if (desc.bytes > 0) rt.exports.free(desc.ptr);
    const bytes = Math.max(need, 1024);
    desc.ptr = rt.exports.allocUninit(bytes);
    desc.bytes = bytes;
    desc.buffer = undefined;
  }
  const buf = rt.current();
  if (desc.buffer !== buf) {
    desc.buffer = buf;
    desc.words = new Int32Array(buf, desc.ptr, desc.bytes >> 2);
    desc.floats = new Float32Array(buf, desc.ptr, desc.bytes >> 2);
  }
}

/** Heap addresses of one call's operands, per group: inputs then outputs (reused between calls). */
let addrs = new Int32Array(64);
/** Each operand's slot in the call's arena, in elements, for an operand outside the heap; −1 for one in it. */
let slots = new Int32Array(64);

/** Copies `n` float32 values: a loop for a few (no view made), `set` on a subarray for more. */
function copy(from: CpuStorage, at: number, to: CpuStorage, toAt: number, n: number): void {
  if (n <= 64) for (let i = 0; i < n; i++) to[toAt + i] = from[at + i];
  else to.set(at === 0 && n === from.length ? from : from.subarray(at, at + n), toAt);
}

/** Writes the descriptor record of group row `r`'s elements `[lo, hi)` at word `at`. */
function writeRecord(at: number, km: number, ns: number, r: number, lo: number, hi: number, sc: readonly number[]): void {
  const words = desc.words;
  const floats = desc.floats;
  words[at++] = hi - lo;
  const base = r * km;
  for (let j = 0; j < km; j++) words[at++] = addrs[base + j] + lo * 4;
  for (let s = 0; s < ns; s++) floats[at++] = sc[s];
}

function runWasm(
  rt: WasmRuntime,
  c: Compiled,
  w: WasmProgram,
  program: ElementwiseProgram,
  groups: readonly ProgramGroup<Tensor>[],
  which: readonly number[],
  outs: CpuStorage[][],
): void {
  const k = program.inputs;
  const m = program.outputs.length;
  const km = k + m;
  const ns = program.scalars;
  if (addrs.length < which.length * km) {
    addrs = new Int32Array(which.length * km * 2);
    slots = new Int32Array(which.length * km * 2);
  }
  // operands outside the heap (small arrays) get a slot in a scratch arena, one per array (an array
  // that is an input and an in-place output, or in two groups, is one slot, as it is one array)
  let away: Map<CpuStorage, number> | undefined;
  let arenaElems = 0;
  let total = 0;
  for (let r = 0; r < which.length; r++) {
    const gi = which[r];
    const g = groups[gi];
    total += g.inputs[0].size;
    for (let j = 0; j < km; j++) {
      const a = j < k ? dataOf(g.inputs[j]) : outs[gi][j - k];
      const p = rt.ptrOf(a);
      addrs[r * km + j] = p;
      slots[r * km + j] = -1;
      if (p >= 0) continue;
      away ??= new Map();
      let at = away.get(a);
      if (at === undefined) {
        at = arenaElems;
        away.set(a, at);
        arenaElems += (a.length + 3) & ~3;
      }
      slots[r * km + j] = at;
    }
  }
  const threads = threadsFor(rt, total, programMinPerThread);
  const chunks = threads > 1 ? Math.min(threads * PROGRAM_CHUNKS_PER_THREAD, chunksFor(threads, total, programMinPerThread)) : 1;
  const arena = away ? rt.tempF32(arenaElems) : 0;
  try {
    // a split adds at most one record per chunk boundary
    descriptor(rt, (which.length + Math.max(chunks, threads * PROGRAM_MAX_PIECES)) * w.stride * 4);
    if (away) {
      const heap = rt.f32();
      for (const [a, at] of away) copy(a, 0, heap, (arena >> 2) + at, a.length);
      for (let i = 0; i < which.length * km; i++) if (slots[i] >= 0) addrs[i] = arena + slots[i] * 4;
    }
    if (threads === 1) {
      for (let r = 0; r < which.length; r++)
        writeRecord(r * w.stride, km, ns, r, 0, groups[which[r]].inputs[0].size, groups[which[r]].scalars);
      w.run(desc.ptr, which.length);
    } else {
      // every chunk is a contiguous run of the elements of all groups (whole groups, and pieces of
      // the groups cut at chunk boundaries): each element computed once, as on one thread
      const pool = getPool()!;
      c.poolId ??= pool.register(w.module, ['run'], [w.run as (...a: number[]) => unknown]);
      const { bounds, owned, pieces } = programChunks(total, threads, chunks, ownedRanges ? programPieces(total, threads) : 0);
      pool.begin(threads, 0, 0, owned, pieces);
      let rec = 0;
      let start = 0; // first element of the current group in the concatenation
      let t = 0;
      let first = 0; // first record of thread t
      for (let r = 0; r < which.length; r++) {
        const n = groups[which[r]].inputs[0].size;
        let lo = 0;
        while (lo < n) {
          while (start + lo >= bounds[t + 1]) {
            if (rec > first) pool.call(c.poolId, 0, desc.ptr + first * w.stride * 4, rec - first);
            first = rec;
            t++;
          }
          const hi = Math.min(n, bounds[t + 1] - start);
          writeRecord(rec++ * w.stride, km, ns, r, lo, hi, groups[which[r]].scalars);
          lo = hi;
        }
        start += n;
      }
      if (rec > first) pool.call(c.poolId, 0, desc.ptr + first * w.stride * 4, rec - first);
      pool.run('runProgram');
    }
    if (away) {
      // the outputs outside the heap back from their slots (an array written twice is one slot)
      const heap = rt.f32();
      for (let r = 0; r < which.length; r++) {
        const o = outs[which[r]];
        for (let j = k; j < km; j++) {
          const i = r * km + j;
          if (slots[i] >= 0) copy(heap, (arena >> 2) + slots[i], o[j - k], 0, o[j - k].length);
        }
      }
    }
  } finally {
    if (arena) rt.freeTemp(arena);
  }
}
