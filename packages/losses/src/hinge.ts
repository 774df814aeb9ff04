import { InvalidArgumentError } from '@downhill/backend';
import { detach, ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

function checkSigns(targets: TensorLike, where: string): void {
  const raw = detach(targets);
  if (!raw.backend.capabilities.syncRead) return;
  const values = raw.backend.readSync(raw);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 1 && values[i] !== -1) {
      throw new InvalidArgumentError(`${where}: targets must be −1 or +1, found ${values[i]} at index ${i}; for 0/1 labels (TensorFlow.js's hingeLoss convention) pass 2·y − 1`);
    }
  }
}

function margins(scores: TensorLike, targets: TensorLike, where: string): TensorLike {
  checkFloat(scores, 'scores', where);
  checkFloat(targets, 'targets', where);
  checkSame(scores, 'scores', targets, 'targets', where);
  checkSigns(targets, where);
  return ops.relu(ops.sub(1, ops.mul(targets, scores)));
}

/**
 * Hinge loss for binary classification with targets in {−1, +1} (the SVM loss).
 *
 * Math: `ℓ = max(0, 1 − y·s)`. Convention: targets are −1/+1 as in optax and scikit-learn;
 * TensorFlow.js's `hingeLoss` takes 0/1 labels and maps them with `2y − 1` itself. Targets are
 * checked to be ±1 on backends with synchronous reads.
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
  return reduceLoss(ops.square(margins(scores, targets, 'squaredHingeLoss')), options, 'squaredHingeLoss');
}
