import { ShapeError, fmtShape, normalizeAxis, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link klDivergence}. */
export interface KlDivergenceOptions extends LossOptions {
  /** The targets are log-probabilities rather than probabilities; default false. */
  readonly logTargets?: boolean;
  /** The distribution axis (default -1). */
  readonly axis?: number;
}

/**
 * The Kullback–Leibler divergence `KL(p ‖ q)` of the model's distribution `q`, given as
 * LOG-probabilities, from the target distribution `p`, given as PROBABILITIES (or as
 * log-probabilities with `logTargets: true`), summed over the distribution axis per example.
 *
 * Math: `KL(p ‖ q) = Σᵢ pᵢ (log pᵢ − log qᵢ)`, with `0·log 0 = 0` (a zero target contributes
 * nothing and no NaN). Argument order and forms follow PyTorch's `kl_div(input=log q, target=p)`
 * and optax's `kl_divergence(log_predictions, targets)`; `'mean'` averages over examples (PyTorch's
 * `reduction='batchmean'`, the true KL; PyTorch's `'mean'` would also divide by the number of classes).
 *
 * Conventions: PyTorch's `log_target=True` is `logTargets: true`. optax's `kl_divergence` returns
 * the per-example values (our `'none'`). Keras's `KLDivergence(y_true, y_pred)` takes both as
 * PROBABILITIES, clips them to `[ε, 1]` (so a zero target contributes `ε·log(ε/q)`, not 0) and
 * averages over examples: pass `ops.log(yPred)` here, and expect values that differ where Keras clips.
 *
 * @param logPredictions - `[batch…, C]` float log-probabilities `log q` (from `ops.logSoftmax`).
 * @param targets - same shape and dtype: `p`, or `log p` with `logTargets`.
 * @param options - `logTargets` (default false), `axis` (-1), `reduction` (default `'mean'` over examples), `weights`.
 * @returns a scalar, or the per-example divergences `[batch…]` with `'none'`.
 *
 * @example
 * ```ts
 * klDivergence(ops.logSoftmax(studentLogits), ops.softmax(teacherLogits)); // distillation
 * ```
 *
 * Kullback and Leibler, "On information and sufficiency" (1951).
 */
export function klDivergence(logPredictions: TensorLike, targets: TensorLike, options: KlDivergenceOptions = {}): TensorLike {
  const where = 'klDivergence';
  const {
    logTargets = false,
    axis = -1,
    ...lossOptions
  } = checkOptions(where, options, { logTargets: true, axis: true, reduction: true, weights: true });
  checkFloat(logPredictions, 'logPredictions', where);
  checkFloat(targets, 'targets', where);
  checkSame(logPredictions, 'logPredictions', targets, 'targets', where);
  if (logPredictions.shape.length === 0)
    throw new ShapeError(`${where}: logPredictions must have a distribution axis, got shape ${fmtShape(logPredictions.shape)}`);
  const a = normalizeAxis(axis, logPredictions.shape.length, where);
  let terms: TensorLike;
  if (logTargets) {
    const p = ops.exp(targets);
    terms = ops.where(ops.equal(p, 0), 0, ops.mul(p, ops.sub(targets, logPredictions)));
  } else {
    const positive = ops.greater(targets, 0);
    const logp = ops.log(ops.where(positive, targets, 1));
    terms = ops.where(positive, ops.mul(targets, ops.sub(logp, logPredictions)), 0);
  }
  return reduceLoss(ops.sum(terms, a), lossOptions, where);
}
