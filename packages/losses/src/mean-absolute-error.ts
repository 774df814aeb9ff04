import { checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/**
 * Mean absolute error (L1 loss): the absolute difference elementwise, then reduced. The gradient
 * at a zero difference is 0.
 *
 * Math: `ℓᵢ = |ŷᵢ − yᵢ|`.
 *
 * @param predictions - float tensor.
 * @param targets - same shape and dtype.
 * @param options - `reduction` (default `'mean'`), `weights`.
 * @returns a scalar, or the elementwise losses with `'none'`.
 *
 * @example
 * ```ts
 * meanAbsoluteError(yHat, y, { reduction: 'sum' });
 * ```
 */
export function meanAbsoluteError(predictions: TensorLike, targets: TensorLike, options: LossOptions = {}): TensorLike {
  const where = 'meanAbsoluteError';
  checkOptions(where, options, { reduction: true, weights: true });
  checkFloat(predictions, 'predictions', where);
  checkFloat(targets, 'targets', where);
  checkSame(predictions, 'predictions', targets, 'targets', where);
  return reduceLoss(ops.abs(ops.sub(predictions, targets)), options, where);
}
