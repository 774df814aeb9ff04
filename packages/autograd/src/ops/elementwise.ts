import { DTypeError, type BinaryOp, type CompareOp, type DType, type UnaryOp } from '@downhill/backend';
import { bind } from '../trace.js';
import { checkOperand, type Operand, type TensorLike } from '../traced.js';

const NO_PARAMS = {} as Readonly<Record<string, never>>;

function unaryOp(op: UnaryOp) {
  return (x: TensorLike): TensorLike => {
    checkOperand(x, op, false);
    return bind(op, [x], NO_PARAMS);
  };
}

function binaryOp(op: BinaryOp) {
  return (a: Operand, b: Operand): TensorLike => {
    checkOperand(a, op);
    checkOperand(b, op);
    return bind(op, [a, b], NO_PARAMS);
  };
}

function compareOp(op: CompareOp) {
  return (a: Operand, b: Operand): TensorLike => {
    checkOperand(a, op);
    checkOperand(b, op);
    return bind(op, [a, b], NO_PARAMS);
  };
}

/** `−x` elementwise. Derivative: −1. */
export const neg = unaryOp('neg');
/** `|x|` elementwise. Derivative: sign(x) (0 at 0). */
export const abs = unaryOp('abs');
/** The sign of `x` (−1, 0 or 1) elementwise. No gradient: the derivative is 0 almost everywhere. */
export const sign = unaryOp('sign');
/** `x²` elementwise. Derivative: 2x. */
export const square = unaryOp('square');
/** `√x` elementwise. Derivative: 1 / (2√x). */
export const sqrt = unaryOp('sqrt');
/** `1 / √x` elementwise. Derivative: −x^(−3/2) / 2. */
export const rsqrt = unaryOp('rsqrt');
/** `1 / x` elementwise. Derivative: −1 / x². */
export const reciprocal = unaryOp('reciprocal');
/** `eˣ` elementwise. Derivative: eˣ. */
export const exp = unaryOp('exp');
/** `eˣ − 1` elementwise, accurate near 0. Derivative: eˣ. */
export const expm1 = unaryOp('expm1');
/** Natural logarithm elementwise. Derivative: 1 / x. */
export const log = unaryOp('log');
/** `log(1 + x)` elementwise, accurate near 0. Derivative: 1 / (1 + x). */
export const log1p = unaryOp('log1p');
/** Sine elementwise. Derivative: cos x. */
export const sin = unaryOp('sin');
/** Cosine elementwise. Derivative: −sin x. */
export const cos = unaryOp('cos');
/** Hyperbolic tangent elementwise. Derivative: 1 − tanh² x. */
export const tanh = unaryOp('tanh');
/** The error function elementwise. Derivative: (2/√π)·e^(−x²). */
export const erf = unaryOp('erf');
/** Rounds down elementwise. No gradient (0 almost everywhere). */
export const floor = unaryOp('floor');
/** Rounds up elementwise. No gradient (0 almost everywhere). */
export const ceil = unaryOp('ceil');
/** Rounds to the nearest integer elementwise. No gradient (0 almost everywhere). */
export const round = unaryOp('round');

/**
 * `a + b` elementwise with NumPy broadcasting; a number takes the other operand's dtype.
 *
 * @example
 * ```ts
 * ops.add(x, 1);
 * ```
 */
export const add = binaryOp('add');
/** `a − b` elementwise with broadcasting. */
export const sub = binaryOp('sub');
/** `a · b` elementwise with broadcasting. */
export const mul = binaryOp('mul');
/** `a / b` elementwise with broadcasting. */
export const div = binaryOp('div');
/** `aᵇ` elementwise with broadcasting. The gradient with respect to `b` is `aᵇ·log a`, so it needs `a > 0`. */
export const pow = binaryOp('pow');
/** The larger of `a` and `b` elementwise; at ties each side gets half the gradient. */
export const maximum = binaryOp('maximum');
/** The smaller of `a` and `b` elementwise; at ties each side gets half the gradient. */
export const minimum = binaryOp('minimum');

/** `a = b` elementwise (`bool`; no gradient). */
export const equal = compareOp('equal');
/** `a ≠ b` elementwise (`bool`; no gradient). */
export const notEqual = compareOp('notEqual');
/** `a < b` elementwise (`bool`; no gradient). */
export const less = compareOp('less');
/** `a ≤ b` elementwise (`bool`; no gradient). */
export const lessEqual = compareOp('lessEqual');
/** `a > b` elementwise (`bool`; no gradient). */
export const greater = compareOp('greater');
/** `a ≥ b` elementwise (`bool`; no gradient). */
export const greaterEqual = compareOp('greaterEqual');

/**
 * `cond ? a : b` elementwise with broadcasting; `cond` is `bool` (from a comparison). The gradient
 * flows to `a` where `cond` holds and to `b` elsewhere.
 *
 * @example
 * ```ts
 * const relu = ops.where(ops.greater(x, 0), x, 0);
 * ```
 */
export function where(cond: TensorLike, a: Operand, b: Operand): TensorLike {
  checkOperand(cond, 'where', false);
  checkOperand(a, 'where');
  checkOperand(b, 'where');
  if (cond.dtype !== 'bool')
    throw new DTypeError(`where: the condition must be bool (from a comparison), got ${cond.dtype} [${cond.shape.join(', ')}]`);
  return bind('where', [cond, a, b], NO_PARAMS);
}

/**
 * Conversion to another dtype. Between float dtypes the gradient is cast back; to `int32` or
 * `bool` there is no gradient.
 *
 * @example
 * ```ts
 * const mask = ops.cast(ops.greater(x, 0), x.dtype); // 0 and 1 in x's dtype
 * ```
 */
export function cast(x: TensorLike, dtype: DType): TensorLike {
  checkOperand(x, 'cast', false);
  if (x.dtype === dtype) return x;
  return bind('cast', [x], { dtype });
}
