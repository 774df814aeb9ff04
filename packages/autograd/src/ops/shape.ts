import { InvalidArgumentError, normalizeAxis } from '@downhill/backend';
import { checkOperand, type Operand, type TensorLike } from '../traced.js';
import { fullLike } from './creation.js';
import { greater, less, notEqual, where } from './elementwise.js';
import { concat, reshape } from './layout.js';

/**
 * Inserts an axis of size 1 at `axis` (negative counts from the end of the result).
 *
 * @example
 * ```ts
 * ops.expandDims(x, -1); // [3] → [3, 1]
 * ```
 */
export function expandDims(x: TensorLike, axis: number): TensorLike {
  checkOperand(x, 'expandDims', false);
  const a = normalizeAxis(axis, x.shape.length + 1, 'expandDims');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/**
 * Removes axes of size 1 (`axis` names them; every size-1 axis by default).
 *
 * @example
 * ```ts
 * ops.squeeze(x, 1); // [3, 1] → [3]
 * ```
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): TensorLike {
  checkOperand(x, 'squeeze', false);
  const rank = x.shape.length;
  const axes =
    axis === undefined
      ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis(a, rank, 'squeeze'));
  for (const a of axes)
    if (x.shape[a] !== 1)
      throw new InvalidArgumentError(`squeeze: axis ${a} of shape [${x.shape.join(', ')}] has size ${x.shape[a]}, not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/**
 * Joins tensors of one shape along a new axis.
 *
 * @example
 * ```ts
 * ops.stack([a, b], 0); // two [3] → [2, 3]
 * ```
 */
export function stack(xs: readonly TensorLike[], axis = 0): TensorLike {
  if (!Array.isArray(xs) || xs.length === 0) throw new InvalidArgumentError('stack: expected a non-empty array of tensors');
  return concat(
    xs.map((x) => expandDims(x, axis)),
    axis,
  );
}

/**
 * Flattens every axis from `startAxis` on into one (default 0: a vector).
 *
 * @example
 * ```ts
 * ops.flatten(images, 1); // [batch, 28, 28] → [batch, 784]
 * ```
 */
export function flatten(x: TensorLike, startAxis = 0): TensorLike {
  checkOperand(x, 'flatten', false);
  const a = x.shape.length === 0 ? 0 : normalizeAxis(startAxis, x.shape.length, 'flatten');
  return reshape(x, [...x.shape.slice(0, a), -1]);
}

/**
 * Limits `x` to `[lo, hi]` elementwise: `hi` where `x > hi`, `lo` where `x < lo` (`hi` wins where
 * `lo > hi`), NaN where `x` or a bound is NaN. The gradient reaches `x` on the closed interval,
 * bounds included, and a tensor bound where it is taken: PyTorch's `clamp` and TensorFlow's
 * `clip_by_value` (JAX's `jnp.clip`, a maximum then a minimum, gives half at the bounds).
 *
 * @example
 * ```ts
 * ops.clip(probs, 1e-7, 1 - 1e-7);
 * ```
 */
export function clip(x: TensorLike, lo: Operand, hi: Operand): TensorLike {
  checkOperand(x, 'clip', false);
  const low = where(less(x, lo), lo, x);
  let out = where(greater(low, hi), hi, low);
  for (const bound of [lo, hi]) {
    if (typeof bound !== 'number') out = where(notEqual(bound, bound), bound, out);
    else if (Number.isNaN(bound)) return fullLike(out, Number.NaN);
  }
  return out;
}
