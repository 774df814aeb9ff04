import { checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { validFactor } from './labels.js';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

function margins(scores: TensorLike, targets: TensorLike, where: string): TensorLike {
  checkFloat(scores, 'scores', where);
  checkFloat(targets, 'targets', where);
  checkSame(scores, 'scores', targets, 'targets', where);
  // Targets other than ±1 make their element NaN, checked on the device (no read-back, the same
  // on every backend); for 0/1 labels (TensorFlow.js's convention) pass 2·y − 1.
  const f = validFactor(targets, [ops.equal(ops.abs(targets), 1)], scores.dtype);
  return ops.mul(ops.relu(ops.sub(1, ops.mul(targets, ops.mul(scores, f)))), f);
}

/**
 * Hinge loss for binary classification with targets in {−1, +1} (the SVM loss).
 *
 * Math: `ℓ = max(0, 1 − y·s)`. Convention: targets are −1/+1 as in optax and scikit-learn;
 * TensorFlow.js's `hingeLoss` takes 0/1 labels and maps them with `2y − 1` itself. A target other
 * than ±1 makes its element's loss (and gradient) NaN: the check runs on the device, with no
 * read-back, the same on every backend.
 *
 * @param scores - float scores (raw margins, not probabilities).
 * @param targets - same shape and dtype, every value −1 or +1.
 * @param options - `reduction` (default `'mean'` over every element), `weights`.
 * @returns a scalar, or the elementwise losses with `'none'`.
 *
 * @example
 * ```ts
 * hingeLoss(scores, ops.sub(ops.mul(labels01, 2), 1));
 * ```
 *
 * Cortes and Vapnik, "Support-vector networks" (1995).
 */
export function hingeLoss(scores: TensorLike, targets: TensorLike, options: LossOptions = {}): TensorLike {
  checkOptions('hingeLoss', options, { reduction: true, weights: true });
  return reduceLoss(margins(scores, targets, 'hingeLoss'), options, 'hingeLoss');
}

/**
 * Squared hinge loss, targets in {−1, +1}: `ℓ = max(0, 1 − y·s)²` (smooth at the hinge). Same
 * conventions as {@link hingeLoss}.
 *
 * @example
 * ```ts
 * squaredHingeLoss(scores, targets, { reduction: 'sum' });
 * ```
 */
export function squaredHingeLoss(scores: TensorLike, targets: TensorLike, options: LossOptions = {}): TensorLike {
  checkOptions('squaredHingeLoss', options, { reduction: true, weights: true });
  return reduceLoss(ops.square(margins(scores, targets, 'squaredHingeLoss')), options, 'squaredHingeLoss');
}
