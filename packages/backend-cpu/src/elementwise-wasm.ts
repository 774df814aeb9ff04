import { sizeOf, type BinaryOp, type CompareOp, type Shape, type Tensor } from '@downhill/backend';
import { alloc, broadcastStrides, contiguousStrides, dataOf, forEachRow, planStrided, type CpuStorage } from './storage.js';
import type { WasmRuntime } from './wasm/runtime.js';

/** Outputs smaller than this stay with the JavaScript loops (a call and its copies cost more). */
export const ELEMENTWISE_MIN = 1024;
/** Rows shorter than this stay with the JavaScript loops (one kernel call per row). */
const ROW_MIN = 64;

const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };
const COMPARE_CODES: Record<CompareOp, number> = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 };

/**
 * Heap addresses for a kernel call: arrays in the heap are used in place, others (small arrays,
 * bool arrays, everything in private mode) are copied into temporary blocks, and temporary outputs
 * are copied back by `finish`.
 */
class Operands {
  private readonly temps: number[] = [];
  private readonly outs: [CpuStorage, number][] = [];
  constructor(private readonly rt: WasmRuntime) {}

  in(a: Float32Array | Uint8Array): number {
    const p = a instanceof Float32Array ? this.rt.ptrOf(a) : -1;
    if (p >= 0) return p;
    const ptr = this.rt.exports.allocUninit(Math.max(16, a.byteLength));
    this.temps.push(ptr);
    (a instanceof Float32Array ? new Float32Array(this.rt.current(), ptr, a.length) : new Uint8Array(this.rt.current(), ptr, a.length)).set(
      a,
    );
    return ptr;
  }

  out(a: Float32Array | Uint8Array): number {
    const p = a instanceof Float32Array ? this.rt.ptrOf(a) : -1;
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
 * Runs `row(outPtr, aPtr, as, bPtr, bs, n)` (byte addresses, strides 0 or 1 in elements) over
 * `outShape` with `a` and `b` broadcast, or returns false where the layout does not suit the
 * kernels (short rows, strides other than 0 and 1) so the caller runs the JavaScript loops.
 */
function broadcastRows(
  ops: Operands,
  a: Tensor,
  b: Tensor,
  out: Float32Array | Uint8Array,
  outShape: Shape,
  row: (o: number, ap: number, as: number, bp: number, bs: number, n: number) => void,
): boolean {
  const size = out.length;
  const ob = out.BYTES_PER_ELEMENT;
  const whole = (as: number, bs: number) => {
    row(ops.out(out), ops.in(dataOf(a) as Float32Array), as, ops.in(dataOf(b) as Float32Array), bs, size);
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
  if (os !== 1 || as > 1 || bs > 1 || plan.n < ROW_MIN) return false;
  const o0 = ops.out(out);
  const a0 = ops.in(dataOf(a) as Float32Array);
  const b0 = ops.in(dataOf(b) as Float32Array);
  forEachRow(plan, [0, 0, 0], (off) => row(o0 + off[0] * ob, a0 + off[1] * 4, as, b0 + off[2] * 4, bs, plan.n));
  return true;
}

/** A float32 binary op on the SIMD kernel, or undefined (the caller runs the JavaScript loops). */
export function binaryWasm(rt: WasmRuntime, op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage | undefined {
  const code = BINARY_CODES[op];
  const size = sizeOf(outShape);
  if (code === undefined || size < ELEMENTWISE_MIN) return undefined;
  const out = alloc('float32', size) as Float32Array;
  const ops = new Operands(rt);
  const k = rt.exports.binaryF32;
  if (!broadcastRows(ops, a, b, out, outShape, (o, ap, as, bp, bs, n) => k(code, ap, as, bp, bs, o, n))) {
    ops.release();
    return undefined;
  }
  ops.finish();
  return out;
}

/** A float32 comparison on the SIMD kernel (bool output), or undefined. */
export function compareWasm(rt: WasmRuntime, op: CompareOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage | undefined {
  const size = sizeOf(outShape);
  if (size < ELEMENTWISE_MIN) return undefined;
  const out = alloc('bool', size) as Uint8Array;
  const ops = new Operands(rt);
  const k = rt.exports.compareF32;
  const code = COMPARE_CODES[op];
  if (!broadcastRows(ops, a, b, out, outShape, (o, ap, as, bp, bs, n) => k(code, ap, as, bp, bs, o, n))) {
    ops.release();
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
  const out = alloc('float32', size) as Float32Array;
  const ops = new Operands(rt);
  rt.exports.whereF32(
    ops.in(dataOf(cond) as Uint8Array),
    cs,
    ops.in(dataOf(a) as Float32Array),
    as,
    ops.in(dataOf(b) as Float32Array),
    bs,
    ops.out(out),
    size,
  );
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
    rt.exports.sumColsF32(ops.in(dataOf(x) as Float32Array), rows, outSize, ops.out(out), acc);
    ops.finish();
  } finally {
    rt.exports.free(acc);
  }
  return out;
}
