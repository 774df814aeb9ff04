import type { WasmRuntime } from '../wasm/runtime.js';
import { REDUCE_OPS, R, type ReduceFns } from './reduce-kernels.js';
import { REDUCTIONS, chunksFor, getPool, getReduceFns, split, threadsFor } from './parallel.js';

/**
 * Values per thread below which a float32 reduction stays on one thread. From
 * `bench/src/thresholds.ts` on the development machine (2 cores, Node 20): the loop takes about
 * 0.8 ns per value, so a two-thread job's handoff (about 1.5 µs with the workers awake) is worth
 * about 2000 values; this is about eight times that, as for the other kernels.
 */
export const REDUCE_MIN_PER_THREAD = 1 << 14;

/**
 * The block of a whole-array reduction: an array of at least two blocks is reduced block by block
 * (each block's float64 partial result in index order), then the partials in block order. The
 * block does not depend on the thread count, so neither does the result; one thread computes the
 * same tree.
 */
export const REDUCE_BLOCK = 1 << 14;

/**
 * A float32 reduction over trailing axes of a contiguous array (`rows` outputs of `n` values each)
 * into `out`, split across threads where it is large, else on the calling thread; false where the
 * reductions' source could not be compiled here (then `reduceKernel`'s loop runs). Each output is
 * computed by one thread with the same operations as that loop (a float64 sum in index order,
 * rounded once), so the result is bitwise the same for every thread count; a reduction of the
 * whole array (`rows` 1) is {@link wholeF32}.
 */
export function rowsF32(rt: WasmRuntime, op: 'sum' | 'max' | 'min', x: Float32Array, n: number, rows: number, out: Float32Array): boolean {
  const xp = rt.ptrOf(x);
  const fns = getReduceFns(rt.memory);
  if (!fns || rows < 2) return false;
  const threads = xp < 0 ? 1 : Math.min(rows, threadsFor(rt, rows * n, REDUCE_MIN_PER_THREAD));
  if (threads <= 1) {
    fns.rowsOf(REDUCE_OPS[op], x, 0, n, rows, out, 0); // the same loop, on this thread
    return true;
  }
  const pool = getPool()!;
  const chunks = Math.min(rows, chunksFor(threads, rows * n, REDUCE_MIN_PER_THREAD));
  const bounds = split(rows, chunks, 1);
  let op0 = rt.ptrOf(out);
  const temp = op0 < 0;
  if (temp) op0 = rt.exports.allocUninit(Math.max(16, rows * 4));
  try {
    pool.begin(threads);
    for (let t = 0; t < chunks; t++) {
      const [lo, hi] = [bounds[t], bounds[t + 1]];
      if (hi > lo) pool.call(REDUCTIONS, R.rows, REDUCE_OPS[op], xp + lo * n * 4, n, hi - lo, op0 + lo * 4);
    }
    pool.run(`reduce ${op}`);
    if (temp) out.set(rt.viewF32(op0, rows));
  } finally {
    if (temp) rt.exports.free(op0);
  }
  return true;
}

/**
 * The reduction of a whole float32 array of at least two {@link REDUCE_BLOCK}s (else undefined): the
 * blocks' partial results, split across threads where the array is large, then combined in block
 * order on the calling thread, in float64, rounded once. The same tree on every thread count.
 */
export function wholeF32(rt: WasmRuntime | undefined, op: 'sum' | 'max' | 'min', x: Float32Array): number | undefined {
  const size = x.length;
  const blocks = Math.floor(size / REDUCE_BLOCK);
  const fns: ReduceFns | undefined = rt ? getReduceFns(rt.memory) : undefined;
  if (blocks < 2 || !fns) return undefined;
  const code = REDUCE_OPS[op];
  const tail = size - blocks * REDUCE_BLOCK;
  const partials = new Float64Array(blocks + (tail > 0 ? 1 : 0));
  const xp = rt!.ptrOf(x);
  const threads = xp < 0 ? 1 : threadsFor(rt!, blocks * REDUCE_BLOCK, REDUCE_MIN_PER_THREAD);
  if (threads > 1) {
    const pool = getPool()!;
    const chunks = Math.min(blocks, chunksFor(threads, blocks * REDUCE_BLOCK, REDUCE_MIN_PER_THREAD));
    const bounds = split(blocks, chunks, 1);
    const pp = rt!.exports.allocUninit(blocks * 8);
    try {
      pool.begin(threads);
      for (let t = 0; t < chunks; t++) {
        const [lo, hi] = [bounds[t], bounds[t + 1]];
        if (hi > lo) pool.call(REDUCTIONS, R.blocks, code, xp + lo * REDUCE_BLOCK * 4, REDUCE_BLOCK, hi - lo, pp + lo * 8);
      }
      pool.run(`reduce ${op}`);
      partials.set(new Float64Array(rt!.current(), pp, blocks));
    } finally {
      rt!.exports.free(pp);
    }
  } else fns.rowsOf(code, x, 0, REDUCE_BLOCK, blocks, partials, 0);
  if (tail > 0) partials[blocks] = fns.reduceRow(code, x, blocks * REDUCE_BLOCK, tail);
  return fns.reduceRow(code, partials, 0, partials.length);
}
