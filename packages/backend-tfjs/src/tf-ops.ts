import * as tf from '@tensorflow/tfjs-core';
import { sizeOf, type BinaryOp, type CompareOp, type DType, type Shape, type UnaryOp } from '@downhill/backend';

/** The TensorFlow.js dtype that stores each downhill dtype (float64 never reaches a kernel: the capability is off). */
export type TfDType = 'float32' | 'int32' | 'bool';

/** The tfjs dtype of a downhill dtype. */
export function tfDType(dtype: DType): TfDType {
  return dtype === 'float64' ? 'float32' : dtype;
}

/** `sign`, with NaN for NaN (TensorFlow.js gives 0; NumPy, PyTorch and the interface NaN). */
function signNaN(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'int32' ? tf.sign(x) : tf.where(tf.isNaN(x), x, tf.sign(x));
}

/**
 * `maximum` or `minimum` propagating NaN from either operand, as NumPy and PyTorch do and the
 * interface says: tfjs-wasm's kernels return the other operand where the second one is NaN.
 */
function propagatingNaN(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return (a, b) => {
    const out = op(a, b);
    if (out.dtype === 'int32') return out;
    const nan = tf.logicalOr(tf.isNaN(a), tf.isNaN(b)); // the output's shape
    return tf.where(nan, tf.fill(out.shape, Number.NaN), out);
  };
}

/**
 * `pow` with the special values of C99's `pow` (Annex F), which NumPy, PyTorch, XLA and
 * backend-cpu follow and the interface specifies. TensorFlow.js's kernels differ by backend: its
 * cpu kernel is JavaScript's `Math.pow` (`pow(1, NaN)`, `pow(1, ±∞)` and `pow(−1, ±∞)` are NaN,
 * not 1), and its WebGPU shader (`exp2(b · log2(a))` with a sign fix-up) gave `pow(0, −1) = 0`
 * (∞) and `pow(−∞, 0.5) = NaN` (∞) on the software adapter the tests run on. The general case
 * stays tfjs's; the special operands are selected explicitly:
 *
 * - `pow(x, ±0) = 1`, `pow(1, y) = 1`, `pow(−1, ±∞) = 1`, NaN operands included;
 * - `pow(±0, y < 0)`: ±∞ for an odd integer `y` (the sign of the zero, `1/x`), +∞ otherwise;
 * - `pow(−∞, y)`: for `y > 0`, −∞ for an odd integer `y`, +∞ otherwise; for `y < 0`, zero.
 *
 * Every other operand pair is the same in C and JavaScript and left to the kernel.
 */
function powC(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const out = tf.pow(a, b);
    const shape = out.shape;
    const at = (x: tf.Tensor) => broadcast(x, shape);
    const x = at(a);
    const y = at(b);
    const infinite = tf.equal(tf.abs(y), Number.POSITIVE_INFINITY);
    const one = tf.logicalOr(tf.logicalOr(tf.equal(y, 0), tf.equal(x, 1)), tf.logicalAnd(tf.equal(x, -1), infinite));
    // y an odd integer: |y| mod 2 is 1 (false for non-integers, infinities and NaN)
    const odd = tf.equal(tf.mod(tf.abs(y), 2), 1);
    const fill = (v: number) => tf.fill(shape, v);
    const zeroBase = tf.logicalAnd(tf.equal(x, 0), tf.less(y, 0));
    const minusInf = tf.equal(x, Number.NEGATIVE_INFINITY);
    const fromMinusInf = tf.where(
      tf.greater(y, 0),
      tf.where(odd, fill(Number.NEGATIVE_INFINITY), fill(Number.POSITIVE_INFINITY)),
      tf.where(tf.less(y, 0), tf.zerosLike(out), out),
    );
    let r = tf.where(minusInf, fromMinusInf, out);
    r = tf.where(zeroBase, tf.where(odd, tf.div(1, x), fill(Number.POSITIVE_INFINITY)), r);
    return tf.where(one, tf.onesLike(out), r);
  });
}

/** Each unary op as a tfjs op. `round` is half to even in tfjs, as in the interface's reference. */
export const UNARY: Record<UnaryOp, (x: tf.Tensor) => tf.Tensor> = {
  neg: tf.neg,
  abs: tf.abs,
  sign: signNaN,
  square: tf.square,
  sqrt: tf.sqrt,
  rsqrt: tf.rsqrt,
  reciprocal: tf.reciprocal,
  exp: tf.exp,
  expm1: tf.expm1,
  log: tf.log,
  log1p: tf.log1p,
  sin: tf.sin,
  cos: tf.cos,
  tanh: tf.tanh,
  erf: tf.erf,
  floor: tf.floor,
  ceil: tf.ceil,
  round: tf.round,
};

/** Each binary op as a tfjs op (all broadcast like NumPy). */
export const BINARY: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  pow: powC,
  maximum: propagatingNaN(tf.maximum),
  minimum: propagatingNaN(tf.minimum),
};

/** Each comparison as a tfjs op (bool results). */
export const COMPARE: Record<CompareOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  equal: tf.equal,
  notEqual: tf.notEqual,
  less: tf.less,
  lessEqual: tf.lessEqual,
  greater: tf.greater,
  greaterEqual: tf.greaterEqual,
};

/** `x` broadcast to `shape`, or `x` itself when it has that shape already. */
export function broadcast(x: tf.Tensor, shape: Shape): tf.Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return tf.broadcastTo(x, shape as number[]);
}

/**
 * Batched matmul with NumPy broadcasting of the batch dimensions, done explicitly: tfjs flattens
 * batch dimensions before broadcasting, which is right only when one side has a single batch.
 */
export function batchedMatmul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): tf.Tensor {
  const batch = outShape.slice(0, -2);
  const k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  if (k === 0) return tf.zeros(outShape as number[], a.dtype);
  const full = (x: tf.Tensor) => broadcast(x, [...batch, ...x.shape.slice(-2)]);
  const aa = tf.reshape(full(a), [-1, a.shape[a.rank - 2], a.shape[a.rank - 1]]) as tf.Tensor3D;
  const bb = tf.reshape(full(b), [-1, b.shape[b.rank - 2], b.shape[b.rank - 1]]) as tf.Tensor3D;
  return tf.reshape(tf.matMul(aa, bb, transposeA, transposeB), outShape as number[]);
}

/** `gather` along `axis` with indices of any rank (tfjs's `gather` puts `indices.shape` in place of the axis). */
export function gatherAlong(x: tf.Tensor, indices: tf.Tensor, axis: number, outShape: Shape): tf.Tensor {
  return tf.reshape(tf.gather(x, tf.reshape(indices, [-1]), axis), outShape as number[]);
}

/**
 * The transpose of gather: moves the indexed block of `updates` to the front, adds it into zeros
 * with `scatterND` (which sums repeated indices, on every tfjs backend), and moves it back.
 */
export function scatterAddAlong(updates: tf.Tensor, indices: tf.Tensor, axis: number, outShape: Shape): tf.Tensor {
  const pre = sizeOf(updates.shape.slice(0, axis));
  const n = sizeOf(indices.shape);
  const post = sizeOf(outShape.slice(axis + 1));
  const size = outShape[axis];
  const front = tf.transpose(tf.reshape(updates, [pre, n, post]), [1, 0, 2]);
  const summed = tf.scatterND(tf.reshape(indices, [n, 1]), front, [size, pre, post]);
  return tf.reshape(tf.transpose(summed, [1, 0, 2]), outShape as number[]);
}

/** Concatenation that skips zero-size pieces (some tfjs backends mishandle them). */
export function concatAlong(xs: tf.Tensor[], axis: number, outShape: Shape, dtype: TfDType): tf.Tensor {
  const parts = xs.filter((x) => x.size > 0);
  if (parts.length === 0) return tf.zeros(outShape as number[], dtype);
  if (parts.length === 1) return tf.clone(parts[0]);
  return tf.concat(parts, axis);
}

/** A host copy of tfjs data as the typed array of `dtype` (tfjs may hand back its own buffer, or Int32Array for bool). */
export function hostCopy(data: ArrayLike<number> | Uint8Array[] | string[], dtype: DType): Float32Array | Int32Array | Uint8Array {
  const d = data as ArrayLike<number>;
  switch (dtype) {
    case 'int32':
      return Int32Array.from(d);
    case 'bool':
      return Uint8Array.from(d);
    default:
      return Float32Array.from(d);
  }
}
