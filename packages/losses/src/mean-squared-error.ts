import { checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/**
 * Mean squared error: the squared difference elementwise, then reduced.
 *
 * Math: `ℓᵢ = (ŷᵢ − yᵢ)²`; `'mean'` gives `(1/n) Σ ℓᵢ`.
 *
 * @param predictions - float tensor.
 * @param targets - same shape and dtype.
 * @param options - `reduction` (default `'mean'`, over every element), `weights` (a prefix of the shape).
 * @returns a scalar, or the elementwise losses with `'none'`.
 * @throws ShapeError when the shapes differ (no broadcasting: `[32, 1]` against `[32]` is an error, not a `[32, 32]` loss).
 *
 * @example
 * ```ts
 * const loss = meanSquaredError(model.apply(p, x), y); // scalar
 * ```
 */
export function meanSquaredError(predictions: TensorLike, targets: TensorLike, options: LossOptions = {}): TensorLike {
  const where = 'meanSquaredError';
  checkOptions(where, options, { reduction: true, weights: true });
  checkFloat(predictions, 'predictions', where);
  checkFloat(targets, 'targets', where);
  checkSame(predictions, 'predictions', targets, 'targets', where);
  return reduceLoss(ops.square(ops.sub(predictions, targets)), options, where);
}
