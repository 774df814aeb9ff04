import { InvalidArgumentError, ShapeError, fmtShape, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkIndexLabels, indexLabels, isHostLabels, isIndexLabels, labelGuard, type HostLabels } from './labels.js';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** Mixes the targets with the uniform distribution: `q ← (1 − ε)·q + ε/C`, `ε` in `[0, 1]`; default 0. */
  readonly labelSmoothing?: number;
}

/** `Σ_c logp` at the label of each example: `where(c = y, logp, 0)` summed (no `0·(−∞)`). @internal */
export function pickLabel(logp: TensorLike, labels: TensorLike): TensorLike {
  const classes = logp.shape[logp.shape.length - 1];
  const hit = ops.equal(ops.expandDims(labels, -1), ops.iota(labels, classes));
  return ops.sum(ops.where(hit, logp, 0), -1);
}

/**
 * Softmax cross-entropy from logits, over the last axis, for integer class labels or for
 * probability (one-hot, soft) targets, with optional label smoothing. Stable: it works on
 * `logSoftmax`, so no logit (±1e4 included) overflows.
 *
 * Math: `log pᵢ = xᵢ − log Σⱼ e^(xⱼ)`; `ℓ = −Σᵢ qᵢ log pᵢ`, where `q` is the one-hot vector of the
 * label or the given distribution, smoothed to `(1 − ε)q + ε/C`. For a label `y`:
 * `ℓ = −(1 − ε) log p_y − (ε/C) Σᵢ log pᵢ`. `∂ℓ/∂x = softmax(x) − q`.
 *
 * @param logits - `[batch…, C]` float logits.
 * @param labels - `[batch…]` int32 class indices in `[0, C)`, as a tensor (an out-of-range label makes
 *   its example's loss and gradient NaN, checked on the device without a read-back) or on the host
 *   as an `Int32Array` or array (checked there: an out-of-range label throws, naming its index);
 *   or `[batch…, C]` float targets of the logits' dtype (rows summing to 1).
 * @param options - `labelSmoothing` (default 0), `reduction` (default `'mean'` over examples), `weights` (`[batch…]` or a prefix).
 * @returns a scalar, or the per-example losses `[batch…]` with `'none'`.
 * @throws ShapeError naming both shapes, e.g. `logits [32, 10] and labels [31] disagree on the batch dimension`.
 *
 * @example
 * ```ts
 * const loss = softmaxCrossEntropy(model.apply(p, x), labels, { labelSmoothing: 0.1 });
 * ```
 *
 * Szegedy et al., "Rethinking the Inception architecture for computer vision" (2016), for label smoothing.
 */
export function softmaxCrossEntropy(
  logits: TensorLike,
  labels: TensorLike | HostLabels,
  options: SoftmaxCrossEntropyOptions = {},
): TensorLike {
  const where = 'softmaxCrossEntropy';
  const { labelSmoothing = 0, ...lossOptions } = checkOptions(where, options, { labelSmoothing: true, reduction: true, weights: true });
  checkFloat(logits, 'logits', where);
  if (logits.shape.length === 0) throw new ShapeError(`${where}: logits must have a class axis, got shape ${fmtShape(logits.shape)}`);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new InvalidArgumentError(`${where}: labelSmoothing must be in [0, 1], got ${String(labelSmoothing)}`);
  }
  const classes = logits.shape[logits.shape.length - 1];
  let losses: TensorLike;
  if (isHostLabels(labels) || (labels !== null && typeof labels === 'object' && isIndexLabels(labels))) {
    const { labels: y, checked } = indexLabels(logits, 'logits', labels, where);
    const guard = checked ? undefined : labelGuard(logits, y);
    const logp = ops.logSoftmax(guard ? guard.scores(logits) : logits);
    losses = ops.mul(pickLabel(logp, y), -(1 - labelSmoothing));
    if (labelSmoothing > 0) losses = ops.sub(losses, ops.mul(ops.sum(logp, -1), labelSmoothing / classes));
    if (guard) losses = guard.losses(losses);
  } else {
    checkFloat(labels, 'labels', where);
    if (labels.shape.length === logits.shape.length - 1) checkIndexLabels(logits, 'logits', labels, where);
    checkSame(logits, 'logits', labels, 'labels', where);
    const logp = ops.logSoftmax(logits);
    const q = labelSmoothing === 0 ? labels : ops.add(ops.mul(labels, 1 - labelSmoothing), labelSmoothing / classes);
    losses = ops.neg(ops.sum(ops.where(ops.equal(q, 0), 0, ops.mul(q, logp)), -1));
  }
  return reduceLoss(losses, lossOptions, where);
}
