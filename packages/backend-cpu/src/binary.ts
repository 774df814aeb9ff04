import { shapesEqual, sizeOf, type BinaryOp, type CompareOp, type Shape, type Tensor } from '@downhill/backend';
import { binaryWasm, compareWasm, whereWasm } from './elementwise-wasm.js';
import { binary2dF32, binaryRowF32, compareRowF32, whereRowF32 } from './float32-rows.js';
import { activeRuntime } from './wasm/runtime.js';
import { alloc, broadcastStrides, contiguousStrides, dataOf, forEachRow, planStrided, type CpuStorage } from './storage.js';

/**
 * `pow` with the C and NumPy conventions where JavaScript's `Math.pow` differs:
 * `pow(1, y) = 1` for every `y` (NaN included) and `pow(−1, ±∞) = 1`.
 */
export function powNumPy(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** One row of a binary op: `out[o + j] = a[ai + j·as] ∘ b[bi + j·bs]` for `j < n`. */
function binaryRow(
  op: BinaryOp,
  isInt: boolean,
  out: CpuStorage,
  o: number,
  a: CpuStorage,
  ai: number,
  as: number,
  b: CpuStorage,
  bi: number,
  bs: number,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] + b[bi];
      return;
    case 'sub':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] - b[bi];
      return;
    case 'mul':
      if (isInt) for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = Math.imul(a[ai], b[bi]);
      else for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] * b[bi];
      return;
    case 'div':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] / b[bi];
      return;
    case 'pow':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = powNumPy(a[ai], b[bi]);
      return;
    case 'maximum':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = Math.max(a[ai], b[bi]);
      return;
    case 'minimum':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = Math.min(a[ai], b[bi]);
      return;
    default:
      op satisfies never;
  }
}

/** One row of a comparison into 0/1. NaN compares unequal to everything, itself included. */
function compareRow(
  op: CompareOp,
  out: CpuStorage,
  o: number,
  a: CpuStorage,
  ai: number,
  as: number,
  b: CpuStorage,
  bi: number,
  bs: number,
  n: number,
): void {
  switch (op) {
    case 'equal':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] === b[bi] ? 1 : 0;
      return;
    case 'notEqual':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] !== b[bi] ? 1 : 0;
      return;
    case 'less':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] < b[bi] ? 1 : 0;
      return;
    case 'lessEqual':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] <= b[bi] ? 1 : 0;
      return;
    case 'greater':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] > b[bi] ? 1 : 0;
      return;
    case 'greaterEqual':
      for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] >= b[bi] ? 1 : 0;
      return;
    default:
      op satisfies never;
  }
}

/** Runs `row` over `outShape` with `a` and `b` broadcast; same shapes and scalars become one row. */
function broadcastPair(
  a: Tensor,
  b: Tensor,
  outShape: Shape,
  row: (o: number, ai: number, as: number, bi: number, bs: number, n: number) => void,
): void {
  const size = sizeOf(outShape);
  if (size === 0) return;
  if (a.size === size && b.size === size) {
    row(0, 0, 1, 0, 1, size);
    return;
  }
  if (a.size === 1 && b.size === size) {
    row(0, 0, 0, 0, 1, size);
    return;
  }
  if (b.size === 1 && a.size === size) {
    row(0, 0, 1, 0, 0, size);
    return;
  }
  const plan = planStrided(outShape, [
    contiguousStrides(outShape),
    broadcastStrides(a.shape, outShape),
    broadcastStrides(b.shape, outShape),
  ]);
  const [os, as, bs] = plan.inner;
  const n = plan.n;
  if (os !== 1) throw new Error('backend-cpu: internal error, output rows must be contiguous');
  forEachRow(plan, [0, 0, 0], (off) => row(off[0], off[1], as, off[2], bs, n));
}

/** Row and column strides of an operand of `shape` broadcast to `[rows, n]` (0 along a broadcast axis). */
function strides2d(shape: Shape, rows: number, n: number): [number, number] {
  const c = shape.length >= 1 ? shape[shape.length - 1] : 1;
  const r = shape.length >= 2 ? shape[shape.length - 2] : 1;
  return [r === rows && rows > 1 ? c : 0, c === n && n > 1 ? 1 : 0];
}

/**
 * Elementwise binary op with NumPy broadcasting into a new array of the operands' dtype. Float32
 * arrays of 1024 elements or more go to the WebAssembly SIMD kernel (same results: float32 +, −,
 * ×, ÷ are correctly rounded), except `pow` and layouts it does not take.
 */
export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage {
  const rt = a.dtype === 'float32' ? activeRuntime() : undefined;
  const fast = rt && binaryWasm(rt, op, a, b, outShape);
  if (fast) return fast;
  const out = alloc(a.dtype, sizeOf(outShape));
  const da = dataOf(a);
  const db = dataOf(b);
  const isInt = a.dtype === 'int32';
  if (a.dtype === 'float32') {
    const [o32, a32, b32] = [out as Float32Array, da as Float32Array, db as Float32Array];
    if (outShape.length === 2 && a.size > 1 && b.size > 1 && (a.size !== b.size || !shapesEqual(a.shape, b.shape))) {
      // a 2-D broadcast (a row or a column against a matrix): one loop nest, no call per row
      const [rows, n] = outShape;
      const [ar, ac] = strides2d(a.shape, rows, n);
      const [br, bc] = strides2d(b.shape, rows, n);
      if (binary2dF32(op, o32, a32, ar, ac, b32, br, bc, rows, n)) return out;
    }
    broadcastPair(a, b, outShape, (o, ai, as, bi, bs, n) => binaryRowF32(op, o32, o, a32, ai, as, b32, bi, bs, n, powNumPy));
  } else broadcastPair(a, b, outShape, (o, ai, as, bi, bs, n) => binaryRow(op, isInt, out, o, da, ai, as, db, bi, bs, n));
  return out;
}

/** Elementwise comparison with broadcasting into a new `bool` array (float32 on the SIMD kernel where it can). */
export function compareKernel(op: CompareOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage {
  const rt = a.dtype === 'float32' ? activeRuntime() : undefined;
  const fast = rt && compareWasm(rt, op, a, b, outShape);
  if (fast) return fast;
  const out = alloc('bool', sizeOf(outShape));
  const da = dataOf(a);
  const db = dataOf(b);
  if (a.dtype === 'float32') {
    const [o8, a32, b32] = [out as Uint8Array, da as Float32Array, db as Float32Array];
    broadcastPair(a, b, outShape, (o, ai, as, bi, bs, n) => compareRowF32(op, o8, o, a32, ai, as, b32, bi, bs, n));
  } else broadcastPair(a, b, outShape, (o, ai, as, bi, bs, n) => compareRow(op, out, o, da, ai, as, db, bi, bs, n));
  return out;
}

/** `cond ? a : b` with all three broadcast to `outShape` (float32 on the SIMD kernel where it can). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape): CpuStorage {
  const rt = a.dtype === 'float32' ? activeRuntime() : undefined;
  const fast = rt && whereWasm(rt, cond, a, b, outShape);
  if (fast) return fast;
  const out = alloc(a.dtype, sizeOf(outShape));
  const dc = dataOf(cond);
  const da = dataOf(a);
  const db = dataOf(b);
  const plan = planStrided(outShape, [
    contiguousStrides(outShape),
    broadcastStrides(cond.shape, outShape),
    broadcastStrides(a.shape, outShape),
    broadcastStrides(b.shape, outShape),
  ]);
  const [, cs, as, bs] = plan.inner;
  const n = plan.n;
  if (a.dtype === 'float32') {
    const [o32, c8, a32, b32] = [out as Float32Array, dc as Uint8Array, da as Float32Array, db as Float32Array];
    forEachRow(plan, [0, 0, 0, 0], (off) => whereRowF32(o32, off[0], c8, off[1], cs, a32, off[2], as, b32, off[3], bs, n));
    return out;
  }
  forEachRow(plan, [0, 0, 0, 0], (off) => {
    let o = off[0];
    let ci = off[1];
    let ai = off[2];
    let bi = off[3];
    for (let j = 0; j < n; j++, o++, ci += cs, ai += as, bi += bs) out[o] = dc[ci] ? da[ai] : db[bi];
  });
  return out;
}
