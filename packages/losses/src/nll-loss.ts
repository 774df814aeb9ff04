import { ShapeError, fmtShape, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { indexLabels, labelGuard, type HostLabels } from './labels.js';
import { pickLabel } from './softmax-cross-entropy.js';
import { checkFloat, reduceLoss, type LossOptions } from './reduction.js';

/**
 * Negative log-likelihood of integer labels under log-probabilities (PyTorch's `nll_loss`):
 * `nllLoss(logSoftmax(x), y)` equals `softmaxCrossEntropy(x, y)`.
 *
 * Math: `ℓ = −log p_y`. Only the label's entry is read, so `−∞` elsewhere does no harm.
 *
 * @param logProbs - `[batch…, C]` float log-probabilities.
 * @param labels - `[batch…]` int32 class indices in `[0, C)`: a tensor (an out-of-range label gives
 *   NaN for its example, checked on the device) or host labels (checked on the host; an
 *   out-of-range label throws, naming its index).
 * @param options - `reduction` (default `'mean'`), `weights`.
 * @returns a scalar, or the per-example losses `[batch…]` with `'none'`.
 *
 * @example
 * ```ts
 * nllLoss(ops.logSoftmax(logits), labels);
 * ```
 */
export function nllLoss(logProbs: TensorLike, labels: TensorLike | HostLabels, options: LossOptions = {}): TensorLike {
  const where = 'nllLoss';
  checkOptions(where, options, { reduction: true, weights: true });
  checkFloat(logProbs, 'logProbs', where);
  if (logProbs.shape.length === 0) throw new ShapeError(`${where}: logProbs must have a class axis, got shape ${fmtShape(logProbs.shape)}`);
  const { labels: y, checked } = indexLabels(logProbs, 'logProbs', labels, where);
  const guard = checked ? undefined : labelGuard(logProbs, y);
  const losses = ops.neg(pickLabel(guard ? guard.scores(logProbs) : logProbs, y));
  return reduceLoss(guard ? guard.losses(losses) : losses, options, where);
}
