import { ShapeError, fmtShape } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkIndexLabels } from './labels.js';
import { pickLabel } from './softmax-cross-entropy.js';
import { checkFloat, reduceLoss, type LossOptions } from './reduction.js';

/**
 * Negative log-likelihood of integer labels under log-probabilities (PyTorch's `nll_loss`):
 * `nllLoss(logSoftmax(x), y)` equals `softmaxCrossEntropy(x, y)`.
 *
 * Math: `ℓ = −log p_y`. Only the label's entry is read, so `−∞` elsewhere does no harm.
 *
 * @param logProbs - `[batch…, C]` float log-probabilities.
 * @param labels - `[batch…]` int32 class indices in `[0, C)`.
 * @param options - `reduction` (default `'mean'`), `weights`.
 * @returns a scalar, or the per-example losses `[batch…]` with `'none'`.
 *
 * @example
 * ```ts
 * nllLoss(ops.logSoftmax(logits), labels);
 * ```
 */
export function nllLoss(logProbs: TensorLike, labels: TensorLike, options: LossOptions = {}): TensorLike {
  const where = 'nllLoss';
  checkFloat(logProbs, 'logProbs', where);
  if (logProbs.shape.length === 0) throw new ShapeError(`${where}: logProbs must have a class axis, got shape ${fmtShape(logProbs.shape)}`);
  checkIndexLabels(logProbs, 'logProbs', labels, where);
  return reduceLoss(ops.neg(pickLabel(logProbs, labels)), options, where);
}
