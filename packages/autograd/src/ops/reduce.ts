import { checkOptions, normalizeAxes, normalizeAxis, type ArgReduceOp, type ReduceOp } from '@downhill/backend';
import { bind } from '../trace.js';
import { checkOperand, type TensorLike } from '../traced.js';

/** Which axes a reduction runs over, and whether they stay as size 1. */
export interface ReduceOptions {
  /** One axis or several (negative counts from the end); every axis when left out. */
  readonly axis?: number | readonly number[];
  /** Keep the reduced axes as size 1 (so the result broadcasts against the input). Default false. */
  readonly keepDims?: boolean;
}

/** The axes of a reduction: an axis, a list of axes, or {@link ReduceOptions}. */
export type ReduceArg = number | readonly number[] | ReduceOptions;

/** Splits a {@link ReduceArg} into normalised, sorted axes and `keepDims`. @internal */
export function reduceAxes(x: TensorLike, arg: ReduceArg | undefined, where: string): { axes: number[]; keepDims: boolean } {
  const opts: ReduceOptions =
    typeof arg === 'number' || Array.isArray(arg)
      ? { axis: arg as number | readonly number[] }
      : checkOptions(where, arg as ReduceOptions | undefined, { axis: true, keepDims: true });
  return { axes: normalizeAxes(opts.axis, x.shape.length, where), keepDims: opts.keepDims ?? false };
}

function reduceOp(op: ReduceOp) {
  return (x: TensorLike, axis?: ReduceArg): TensorLike => {
    checkOperand(x, op, false);
    return bind(op, [x], reduceAxes(x, axis, op));
  };
}

/**
 * The sum over `axis` (every axis by default).
 *
 * Math: `y = Σᵢ xᵢ`; the gradient broadcasts the cotangent back over the reduced axes.
 *
 * @param x - the tensor.
 * @param axis - an axis, a list of axes, or `{ axis, keepDims }`.
 * @example
 * ```ts
 * ops.sum(x); // scalar
 * ops.sum(x, { axis: -1, keepDims: true });
 * ```
 */
export const sum = reduceOp('sum');
/**
 * The largest element over `axis` (every axis by default); tied maxima share the gradient equally.
 *
 * Conventions: PyTorch's `torch.amax(x, dim)` (values only, ties share the gradient as here), not
 * `torch.max(x, dim)`, which returns `(values, indices)` and sends the whole gradient to one index;
 * use {@link argmax} for the indices. NumPy's and JAX's `max`, TensorFlow's `reduce_max` and
 * Keras's `ops.max` are this function (JAX and TensorFlow also share the gradient among ties).
 *
 * @param x - the tensor.
 * @param axis - an axis, a list of axes, or `{ axis, keepDims }`.
 * @example
 * ```ts
 * ops.max(logits, -1); // [batch]: the largest logit per row (torch.amax(logits, -1))
 * ```
 */
export const max = reduceOp('max');
/** The smallest element over `axis` (every axis by default); tied minima share the gradient equally. */
export const min = reduceOp('min');

function argReduceOp(op: ArgReduceOp) {
  return (x: TensorLike, axis = -1): TensorLike => {
    checkOperand(x, op, false);
    return bind(op, [x], { axis: normalizeAxis(axis, x.shape.length, op) });
  };
}

/**
 * Index of the largest element along `axis` (last by default), `int32`, first index on ties.
 * No gradient.
 *
 * @example
 * ```ts
 * const predicted = ops.argmax(logits); // [batch]
 * ```
 */
export const argmax = argReduceOp('argmax');
/** Index of the smallest element along `axis` (last by default), `int32`. No gradient. */
export const argmin = argReduceOp('argmin');
