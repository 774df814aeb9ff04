import { sizeOf, type BinaryOp, type CompareOp, type Shape, type Tensor } from '@downhill/backend';
import { alloc, broadcastStrides, contiguousStrides, dataOf, forEachRow, free, planStrided, type CpuStorage } from './storage.js';
import { FN, KERNELS, chunksFor, getPool, split, threadsFor } from './threads/parallel.js';
import type { WasmRuntime } from './wasm/runtime.js';

/** Outputs smaller than this stay with the JavaScript loops (a call and its copies cost more). */
export const ELEMENTWISE_MIN = 1024;
/** Rows shorter than this stay with the JavaScript loops (one kernel call per row), except those of a 2-D binary op whose output is in the heap (one call in all). */
const ROW_MIN = 64;
/**
 * Elements per thread below which an elementwise kernel stays on one thread. In isolation the
 * break-even share is far smaller (`bench/src/thresholds.ts` on the development machine, 2 cores,
 * Node 20: 3·10³ elements of an add cost what handing a chunk to an awake worker costs, about
 * 1.5 µs; 8·10³ with the machine loaded), but inside a training step the operands were just
 * written by another kernel, on another core for half of them, and the result is read next on the
 * calling thread: the MLP 784-256-10 step's 128 × 256 bias add, ReLU mask, `where` and bias
 * gradient (3.3·10⁴ elements) took 0.7–1.0× their one-thread time on two threads with the
 * machine quiet (medians of `bench/src/threads-ops.ts`; the column sum 0.25–0.6×) and about half
 * as fast with it loaded. So 3.3·10⁴ elements stay on one thread, and twice that splits.
 */
export const ELEMENTWISE_MIN_PER_THREAD = 1 << 15;
/** Shares of a split elementwise kernel are multiples of this many elements (64-byte lines of float32, 16 bytes of bool). */
const SHARE_ALIGN = 16;

const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };
const COMPARE_CODES: Record<CompareOp, number> = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 };

/**
 * Heap addresses for a kernel call: arrays in the heap are used in place, others (small arrays,
 * everything in private mode) are copied into temporary blocks, and temporary outputs
 * are copied back by `finish`.
 */
class Operands {
  private readonly temps: number[] = [];
  private readonly outs: [CpuStorage, number][] = [];
  constructor(private readonly rt: WasmRuntime) {}

  in(a: Float32Array | Uint8Array): number {
    const p = this.rt.ptrOf(a);
    if (p >= 0) return p;
    const ptr = this.rt.exports.allocUninit(Math.max(16, a.byteLength));
    this.temps.push(ptr);
    (a instanceof Float32Array ? new Float32Array(this.rt.current(), ptr, a.length) : new Uint8Array(this.rt.current(), ptr, a.length)).set(
      a,
    );
    return ptr;
  }

  out(a: Float32Array | Uint8Array): number {
    const p = this.rt.ptrOf(a);
    if (p >= 0) return p;
    const ptr = this.rt.exports.allocUninit(Math.max(16, a.byteLength));
    this.temps.push(ptr);
    this.outs.push([a, ptr]);
    return ptr;
  }

  /** Copies temporary outputs back and frees the temporary blocks. */
  finish(): void {
    const buf = this.rt.current();
    for (const [a, ptr] of this.outs)
      a.set(a instanceof Float32Array ? new Float32Array(buf, ptr, a.length) : new Uint8Array(buf, ptr, a.length));
    this.release();
  }

  release(): void {
    for (const p of this.temps) this.rt.exports.free(p);
    this.temps.length = 0;
  }
}

/**
 * Calls kernel `fn` (binaryF32 or compareF32: `(code, a, as, b, bs, out, n)`, byte addresses,
 * strides 0 or 1 in elements) over `outShape` with `a` and `b` broadcast, split over threads where
 * the output is large (each thread writes its own elements), or returns false where the layout
 * does not suit the kernels (short rows, strides other than 0 and 1) so the caller runs the
 * JavaScript loops.
 */
function broadcastRows(
  rt: WasmRuntime,
  ops: Operands,
  fn: typeof FN.binary | typeof FN.compare,
  code: number,
  a: Tensor,
  b: Tensor,
  out: Float32Array | Uint8Array,
  outShape: Shape,
): boolean {
  const size = out.length;
  const ob = out.BYTES_PER_ELEMENT;
  const k = fn === FN.binary ? rt.exports.binaryF32 : rt.exports.compareF32;
  const whole = (as: number, bs: number) => {
    const o = ops.out(out);
    const ap = ops.in(dataOf(a) as Float32Array);
    const bp = ops.in(dataOf(b) as Float32Array);
    const threads = threadsFor(rt, size, ELEMENTWISE_MIN_PER_THREAD);
    if (threads === 1) k(code, ap, as, bp, bs, o, size);
    else {
      const pool = getPool()!;
      const chunks = chunksFor(threads, size, ELEMENTWISE_MIN_PER_THREAD);
      const bounds = split(size, chunks, SHARE_ALIGN);
      pool.begin(threads);
      for (let t = 0; t < chunks; t++) {
        const [lo, hi] = [bounds[t], bounds[t + 1]];
        if (hi > lo) pool.call(KERNELS, fn, code, ap + lo * as * 4, as, bp + lo * bs * 4, bs, o + lo * ob, hi - lo);
      }
      pool.run(fn === FN.binary ? 'binary' : 'compare');
    }
    return true;
  };
  if (a.size === size && b.size === size) return whole(1, 1);
  if (a.size === 1 && b.size === size) return whole(0, 1);
  if (b.size === 1 && a.size === size) return whole(1, 0);
  const plan = planStrided(outShape, [
    contiguousStrides(outShape),
    broadcastStrides(a.shape, outShape),
    broadcastStrides(b.shape, outShape),
  ]);
  const [os, as, bs] = plan.inner;
  // a matrix against a row or a column (a bias add, a matrix minus its row maxima): one kernel
  // call per block of rows; short rows too where the output is in the heap (no copies in and out,
  // which cost more than the JavaScript loop below that size)
  const rowsKernel = fn === FN.binary && plan.outer.length === 1 && plan.outerStrides[0][0] === plan.n;
  if (os !== 1 || as > 1 || bs > 1 || (plan.n < ROW_MIN && !(rowsKernel && rt.ptrOf(out) >= 0))) return false;
  const o0 = ops.out(out);
  const a0 = ops.in(dataOf(a) as Float32Array);
  const b0 = ops.in(dataOf(b) as Float32Array);
  const threads = Math.min(plan.rows, threadsFor(rt, size, ELEMENTWISE_MIN_PER_THREAD));
  if (rowsKernel) {
    const [ars, brs] = [plan.outerStrides[1][0], plan.outerStrides[2][0]];
    const rows = plan.rows;
    const n = plan.n;
    if (threads === 1) rt.exports.binaryRowsF32(code, a0, as, ars, b0, bs, brs, o0, rows, n);
    else {
      const pool = getPool()!;
      const bounds = split(rows, Math.min(rows, chunksFor(threads, size, ELEMENTWISE_MIN_PER_THREAD)), 1);
      pool.begin(threads);
      for (let t = 0; t + 1 < bounds.length; t++) {
        const [lo, hi] = [bounds[t], bounds[t + 1]];
        if (hi > lo)
          pool.call(KERNELS, FN.binaryRows, code, a0 + lo * ars * 4, as, ars, b0 + lo * brs * 4, bs, brs, o0 + lo * n * 4, hi - lo, n);
      }
      pool.run('binary');
    }
    return true;
  }
  if (threads === 1) {
    forEachRow(plan, [0, 0, 0], (off) => k(code, a0 + off[1] * 4, as, b0 + off[2] * 4, bs, o0 + off[0] * ob, plan.n));
    return true;
  }
  // one chunk per row
  const pool = getPool()!;
  pool.begin(threads);
  forEachRow(plan, [0, 0, 0], (off) => pool.call(KERNELS, fn, code, a0 + off[1] * 4, as, b0 + off[2] * 4, bs, o0 + off[0] * ob, plan.n));
  pool.run(fn === FN.binary ? 'binary' : 'compare');
  return true;
}

/** A float32 binary op on the SIMD kernel, or undefined (the caller runs the JavaScript loops). */
export function binaryWasm(rt: WasmRuntime, op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage | undefined {
  const code = BINARY_CODES[op];
  const size = sizeOf(outShape);
  if (code === undefined || size < ELEMENTWISE_MIN) return undefined;
  const out = alloc('float32', size, undefined, false) as Float32Array; // the kernel writes every element
  const ops = new Operands(rt);
  if (!broadcastRows(rt, ops, FN.binary, code, a, b, out, outShape)) {
    ops.release();
    free(out); // the output block is in the heap: the JavaScript loops make their own
    return undefined;
  }
  ops.finish();
  return out;
}

/** A float32 comparison on the SIMD kernel (bool output), or undefined. */
export function compareWasm(rt: WasmRuntime, op: CompareOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage | undefined {
  const size = sizeOf(outShape);
  if (size < ELEMENTWISE_MIN) return undefined;
  const out = alloc('bool', size, undefined, false) as Uint8Array; // the kernel writes every element
  const ops = new Operands(rt);
  if (!broadcastRows(rt, ops, FN.compare, COMPARE_CODES[op], a, b, out, outShape)) {
    ops.release();
    free(out); // a heap block (or a recycled array): the JavaScript loops make their own
    return undefined;
  }
  ops.finish();
  return out;
}

/** Float32 `where` on the SIMD kernel when the condition and both branches are whole arrays or single values, else undefined. */
export function whereWasm(rt: WasmRuntime, cond: Tensor, a: Tensor, b: Tensor, outShape: Shape): CpuStorage | undefined {
  const size = sizeOf(outShape);
  if (size < ELEMENTWISE_MIN) return undefined;
  const stride = (t: Tensor) => (t.size === size ? 1 : t.size === 1 ? 0 : -1);
  const [cs, as, bs] = [stride(cond), stride(a), stride(b)];
  if (cs < 0 || as < 0 || bs < 0) return undefined;
  const out = alloc('float32', size, undefined, false) as Float32Array; // the kernel writes every element
  const ops = new Operands(rt);
  const cp = ops.in(dataOf(cond) as Uint8Array);
  const ap = ops.in(dataOf(a) as Float32Array);
  const bp = ops.in(dataOf(b) as Float32Array);
  const o = ops.out(out);
  const threads = threadsFor(rt, size, ELEMENTWISE_MIN_PER_THREAD);
  if (threads === 1) rt.exports.whereF32(cp, cs, ap, as, bp, bs, o, size);
  else {
    const pool = getPool()!;
    const chunks = chunksFor(threads, size, ELEMENTWISE_MIN_PER_THREAD);
    const bounds = split(size, chunks, SHARE_ALIGN);
    pool.begin(threads);
    for (let t = 0; t < chunks; t++) {
      const [lo, hi] = [bounds[t], bounds[t + 1]];
      if (hi > lo) pool.call(KERNELS, FN.where, cp + lo * cs, cs, ap + lo * as * 4, as, bp + lo * bs * 4, bs, o + lo * 4, hi - lo);
    }
    pool.run('where');
  }
  ops.finish();
  return out;
}

/**
 * A float32 sum over leading axes (`[d0, …, dk−1, rest…]` summed over the first k: the column sums
 * of a rows × cols matrix, as in a bias gradient) on the SIMD kernel, or undefined. Accumulates in
 * float64 in the JavaScript loop's order, so the result is the same.
 */
export function sumLeadingWasm(rt: WasmRuntime, x: Tensor, axes: readonly number[], outSize: number): CpuStorage | undefined {
  if (x.size < ELEMENTWISE_MIN || outSize < 2 || !axes.every((a, i) => a === i)) return undefined;
  const rows = x.size / outSize;
  const out = alloc('float32', outSize) as Float32Array;
  const ops = new Operands(rt);
  const acc = rt.exports.allocUninit(outSize * 8);
  try {
    const xp = ops.in(dataOf(x) as Float32Array);
    const o = ops.out(out);
    // each column is summed in one chunk, in row order: the same sums for every thread count
    const threads = Math.min(Math.floor(outSize / 16), threadsFor(rt, x.size, ELEMENTWISE_MIN_PER_THREAD));
    if (threads <= 1) rt.exports.sumColsF32(xp, rows, outSize, o, acc);
    else {
      const pool = getPool()!;
      const chunks = Math.min(Math.floor(outSize / 16), chunksFor(threads, x.size, ELEMENTWISE_MIN_PER_THREAD));
      const bounds = split(outSize, chunks, SHARE_ALIGN);
      pool.begin(threads);
      for (let t = 0; t < chunks; t++) {
        const [lo, hi] = [bounds[t], bounds[t + 1]];
        if (hi > lo) pool.call(KERNELS, FN.sumCols, xp + lo * 4, outSize, rows, hi - lo, o + lo * 4, acc + lo * 8);
      }
      pool.run('sum');
    }
    ops.finish();
  } finally {
    rt.exports.free(acc);
  }
  return out;
}
