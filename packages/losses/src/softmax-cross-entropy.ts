import { DTypeError, InvalidArgumentError, ShapeError, fmtShape, checkOptions } from '@downhill/backend';
import { detach, isTensorLike, ops, type TensorLike } from '@downhill/autograd';
import { checkIndexLabels, indexLabels, isHostLabels, isIndexLabels, labelGuard, type HostLabels } from './labels.js';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** Mixes the targets with the uniform distribution: `q ← (1 − ε)·q + ε/C`, `ε` in `[0, 1]`; default 0. */
  readonly labelSmoothing?: number;
  /**
   * Examples whose label is this integer are left out: loss 0, no gradient, and not counted by
   * `'mean'` (PyTorch's `ignore_index`, e.g. `-100`). Integer labels only; default none.
   */
  readonly ignoreIndex?: number;
  /**
   * Per-class weights `w`, a `[C]` float tensor of the logits' dtype (PyTorch's `weight`): an
   * example of label `y` weighs `w_y`, and `'mean'` divides by the sum of those weights,
   * `Σᵢ w_{yᵢ}ℓᵢ / Σᵢ w_{yᵢ}`, as PyTorch. With label smoothing, each class's log-probability in
   * the smoothing term is weighted by its own `w_c`, as PyTorch. With probability targets,
   * `ℓ = −Σ_c w_c q_c log p_c` and `'mean'` divides by the number of examples (PyTorch's rule there).
   */
  readonly classWeights?: TensorLike;
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
 * @param options - `labelSmoothing` (default 0), `ignoreIndex`, `classWeights` (`[C]`), `reduction` (default `'mean'`
 *   over examples), `weights` (per example, `[batch…]` or a prefix; multiplied with the class weights).
 * @returns a scalar, or the per-example losses `[batch…]` with `'none'` (0 for an ignored example).
 *
 * PyTorch: `CrossEntropyLoss(weight=w, ignore_index=i, label_smoothing=ε)` gives the same values
 * (checked to 1e-12 for each reduction, gradients included); where every example is ignored, PyTorch's
 * `'mean'` is NaN (0/0) and ours is 0, the rule for weights that sum to 0.
 * @throws ShapeError naming both shapes, e.g. `logits [32, 10] and labels [31] disagree on the batch dimension`.
 *
 * @example
 * ```ts
 * const loss = softmaxCrossEntropy(model.apply(p, x), labels, { labelSmoothing: 0.1 });
 * const padded = softmaxCrossEntropy(logits, tokens, { ignoreIndex: -100, classWeights });
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
  const {
    labelSmoothing = 0,
    ignoreIndex,
    classWeights,
    ...lossOptions
  } = checkOptions(where, options, { labelSmoothing: true, ignoreIndex: true, classWeights: true, reduction: true, weights: true });
  checkFloat(logits, 'logits', where);
  if (logits.shape.length === 0 || logits.shape[logits.shape.length - 1] === 0)
    throw new ShapeError(`${where}: logits must have a class axis of at least one class, got shape ${fmtShape(logits.shape)}`);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new InvalidArgumentError(`${where}: labelSmoothing must be in [0, 1], got ${String(labelSmoothing)}`);
  }
  if (ignoreIndex !== undefined && !Number.isSafeInteger(ignoreIndex))
    throw new InvalidArgumentError(`${where}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  const classes = logits.shape[logits.shape.length - 1];
  if (classWeights !== undefined) checkClassWeights(classWeights, logits, where);
  let losses: TensorLike;
  if (isHostLabels(labels) || (labels !== null && typeof labels === 'object' && isIndexLabels(labels))) {
    if (ignoreIndex !== undefined && !isHostLabels(labels)) checkIndexLabels(logits, 'logits', labels, where);
    const ignoring = ignoreIndex === undefined ? undefined : keepMask(labels, ignoreIndex);
    const { labels: y, checked } = indexLabels(logits, 'logits', ignoring ? ignoring.labels : labels, where);
    const kept = ignoring ? { keep: ignoring.keep(y) } : undefined;
    const guard = checked ? undefined : labelGuard(logits, y);
    const logp = ops.logSoftmax(guard ? guard.scores(logits) : logits);
    // wy: the weight of each example's class (1 without class weights); the smoothing term weighs
    // each class's log-probability by its own weight, as PyTorch.
    const wy = classWeights === undefined ? undefined : pickLabel(ops.add(ops.zerosLike(logp), classWeights), y);
    const nll = ops.neg(pickLabel(logp, y));
    losses = ops.mul(wy === undefined ? nll : ops.mul(nll, wy), 1 - labelSmoothing);
    if (labelSmoothing > 0) {
      const spread = classWeights === undefined ? ops.sum(logp, -1) : ops.sum(ops.mul(logp, classWeights), -1);
      losses = ops.sub(losses, ops.mul(spread, labelSmoothing / classes));
    }
    if (guard) losses = guard.losses(losses);
    if (kept) losses = ops.where(kept.keep, losses, 0);
    if (wy !== undefined || kept) {
      const counted = wy === undefined ? ops.cast(kept!.keep, logits.dtype) : kept ? ops.where(kept.keep, wy, 0) : wy;
      return reduceLoss(losses, lossOptions, where, counted);
    }
  } else {
    if (ignoreIndex !== undefined)
      throw new InvalidArgumentError(`${where}: ignoreIndex needs integer class labels; these labels are probability targets`);
    checkFloat(labels, 'labels', where);
    if (labels.shape.length === logits.shape.length - 1) checkIndexLabels(logits, 'logits', labels, where);
    checkSame(logits, 'logits', labels, 'labels', where);
    const logp = ops.logSoftmax(logits);
    let q = labelSmoothing === 0 ? labels : ops.add(ops.mul(labels, 1 - labelSmoothing), labelSmoothing / classes);
    if (classWeights !== undefined) q = ops.mul(q, classWeights);
    losses = ops.neg(ops.sum(ops.where(ops.equal(q, 0), 0, ops.mul(q, logp)), -1));
  }
  return reduceLoss(losses, lossOptions, where);
}

/** Throws unless `classWeights` is a `[C]` tensor of the logits' float dtype. */
function checkClassWeights(classWeights: unknown, logits: TensorLike, where: string): asserts classWeights is TensorLike {
  const classes = logits.shape[logits.shape.length - 1];
  if (!isTensorLike(classWeights))
    throw new InvalidArgumentError(
      `${where}: classWeights must be a [${classes}] tensor, got ${classWeights === null ? 'null' : typeof classWeights}`,
    );
  if (classWeights.dtype !== logits.dtype)
    throw new DTypeError(`${where}: classWeights are ${classWeights.dtype} but the logits are ${logits.dtype}; cast them`);
  if (classWeights.shape.length !== 1 || classWeights.shape[0] !== classes)
    throw new ShapeError(
      `${where}: classWeights ${fmtShape(classWeights.shape)} must have one weight per class, [${classes}], for logits ${fmtShape(logits.shape)}`,
    );
}

/**
 * The labels with every ignored one replaced by class 0 (so the range checks and the guard pass
 * them), and a bool mask of the kept examples, made once the labels are checked. Host labels stay
 * on the host (checked there).
 */
function keepMask(
  labels: TensorLike | HostLabels,
  ignoreIndex: number,
): { labels: TensorLike | HostLabels; keep: (y: TensorLike) => TensorLike } {
  if (isHostLabels(labels)) {
    const original = Array.from(labels);
    return {
      labels: original.map((v) => (v === ignoreIndex ? 0 : v)),
      keep: (y) => ops.notEqual(detach(y).backend.tensor(original, y.shape, 'int32'), ignoreIndex),
    };
  }
  const ignored = ops.equal(labels, ignoreIndex);
  const keep = ops.notEqual(labels, ignoreIndex);
  return { labels: ops.where(ignored, 0, labels), keep: () => keep };
}
