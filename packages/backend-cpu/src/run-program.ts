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
 * Chunks per thread at most when a program run is split without owned ranges
 * ({@link PROGRAM_OWNED_SHARE} 0). The pool hands chunks out in order to
 * whichever thread asks, so each thread's chunks are every other one: each chunk start is a jump
 * in every operand's stream, and the prefetchers start over. Adam's loop over 10⁷ float32 elements
 * on one thread, cut into 98 such alternate pieces (what `chunksFor` gives two threads), took 3–4%
 * longer than in one piece, and 16 or 32 pieces cost under 1%; the two-thread step took 3–9% less
 * (best of rounds, alternated) with 32 or 16 chunks than with 98, on the shared development machine.
 * A thread the machine deschedules still holds up the others by at most one chunk (on two threads,
 * 1/32 of the run).
 */
export const PROGRAM_CHUNKS_PER_THREAD = 16;

/**
 * The share of a split program run's elements cut into owned chunks, one contiguous range per
 * thread, in order (see `ThreadPool.begin`), in runs of more than {@link PROGRAM_ALL_OWNED_MAX}
 * elements; the rest, at the end, into
 * {@link PROGRAM_TAIL_CHUNKS_PER_THREAD} chunks per thread that whichever thread is free claims.
 * The same run every step (an optimizer's update) then has each thread read and write the same
 * elements every step, in one stream per operand rather than every other chunk of
 * {@link PROGRAM_CHUNKS_PER_THREAD}. On the development machine (2 vCPUs, load 0.5–1, medians of
 * rounds alternated in one process, `bench/src/program-owned-probe.ts`), Adam's program over 10⁶
 * float32 elements on two threads took 0.425 ms against 0.483 ms with alternate chunks, and the
 * MLP 784-256-10's (203,530 parameters) 0.224–0.229 ms against 0.240–0.245 ms; all of it owned
 * (no tail) gave the MLP's 0.241 ms then, while its products split by columns (since they split
 * over the shared axis, see {@link PROGRAM_ALL_OWNED_MAX}). Where a thread is not scheduled the others take its range
 * once the tail is gone, so it holds them up no longer than before.
 */
export const PROGRAM_OWNED_SHARE = 7 / 8;
/** Chunks per thread of the shared tail of a split program run (see {@link PROGRAM_OWNED_SHARE}). */
export const PROGRAM_TAIL_CHUNKS_PER_THREAD = 2;

/**
 * Runs of at most this many elements are cut into owned ranges alone, one contiguous share per
 * thread and no tail: an optimizer's update of a model whose state stays in the cores' caches
 * between steps. There each thread's range is then exactly the half (on two threads) of a layer's
 * kernel that a product split over its shared axis reads on the same core (`splitsShared` in
 * `matmul-wasm.ts`), and no line the update writes is in the other core's cache. On the
 * development machine (2 vCPUs, rounds alternated in one process,
 * `bench/src/program-owned-probe.ts` with `SHARES=0.875,1,0.875,1`), the MLP 784-256-10 step on
 * two threads took 1.742 and 1.765 ms against 1.778 and 1.780 with the tail (its update program
 * 0.113–0.114 ms against 0.130), and Adam's step over 10⁶ float32 elements 0.308–0.310 ms against
 * 0.320–0.325; over 10⁷, which streams from memory whatever the split, the tail's balance pays
 * (3.09–3.12 ms against 3.17–3.18 without it).
 */
export const PROGRAM_ALL_OWNED_MAX = 1 << 21;

/** The owned share set for measurements; undefined: the rule of {@link programOwnedShare}. */
let ownedShare: number | undefined;

/**
 * Sets the share of a split program run in owned chunks for every run (0: every chunk claimed in
 * turn; undefined: back to {@link programOwnedShare}'s rule), for measurements; returns the
 * previous setting.
 *
 * @internal
 */
export function setProgramOwnedShare(share: number | undefined): number | undefined {
  const before = ownedShare;
  ownedShare = share;
  return before;
}

/**
 * The share of a split program run of `total` elements in owned chunks: all of it up to
 * {@link PROGRAM_ALL_OWNED_MAX} elements, else {@link PROGRAM_OWNED_SHARE}.
 */
export function programOwnedShare(total: number): number {
  return ownedShare ?? (total <= PROGRAM_ALL_OWNED_MAX ? 1 : PROGRAM_OWNED_SHARE);
}

/**
 * Chunk boundaries of a program run of `total` elements on `threads` threads: with an owned
 * share, `threads` owned ranges (vector-aligned, never empty) and then the tail's chunks; else
 * `chunks` equal ones. Returns the boundaries and how many leading chunks are owned.
 */
export function programChunks(total: number, threads: number, chunks: number, share: number): { bounds: number[]; owned: number } {
  const head = Math.floor((total * share) / (16 * threads)) * 16 * threads;
  if (share <= 0 || head < 16 * threads) return { bounds: split(total, chunks, 16), owned: 0 };
  const bounds = split(head, threads, 16);
  const tail = total - head;
  const parts = Math.min(threads * PROGRAM_TAIL_CHUNKS_PER_THREAD, Math.floor(tail / 16));
  if (parts > 0) for (const b of split(tail, parts, 16).slice(1)) bounds.push(head + b);
  else bounds[threads] = total;
  return { bounds, owned: threads };
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
    descriptor(rt, (which.length + Math.max(chunks, threads * (1 + PROGRAM_TAIL_CHUNKS_PER_THREAD))) * w.stride * 4);
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
      const { bounds, owned } = programChunks(total, threads, chunks, programOwnedShare(total));
      pool.begin(threads, 0, 0, owned);
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
