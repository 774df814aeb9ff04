import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link sigmoidCrossEntropy}. */
export interface SigmoidCrossEntropyOptions extends LossOptions {
  /** Moves targets toward ½: `z ← z·(1 − ε) + ε/2`, with `ε` in `[0, 1]`; default 0. */
  readonly labelSmoothing?: number;
}

/**
 * Binary cross-entropy from logits (sigmoid cross-entropy), elementwise, in the stable form that
 * never overflows and never takes the log of 0.
 *
 * Math: with `x` the logit and `z ∈ [0, 1]` the target,
 * `ℓ = −z·log σ(x) − (1 − z)·log(1 − σ(x)) = max(x, 0) − x·z + log(1 + e^(−|x|))`;
 * `∂ℓ/∂x = σ(x) − z`. Finite values and gradients for any finite logit (±1e4 included).
 *
 * @param logits - float tensor of logits (not probabilities).
 * @param targets - same shape and dtype: 0/1 labels or probabilities.
 * PyTorch: with `weights`, `'mean'` divides by the weights' sum; `BCEWithLogitsLoss(weight=w)`
 * divides by the element count (see docs/from-pytorch.md).
 *
 * @param options - `labelSmoothing` (default 0), `reduction` (default `'mean'` over every element), `weights`.
 * @returns a scalar, or the elementwise losses with `'none'`.
 *
 * @example
 * ```ts
 * sigmoidCrossEntropy(logits, labels); // labels: float 0/1, same shape as logits
 * ```
 */
export function sigmoidCrossEntropy(logits: TensorLike, targets: TensorLike, options: SigmoidCrossEntropyOptions = {}): TensorLike {
  const where = 'sigmoidCrossEntropy';
  const { labelSmoothing = 0, ...lossOptions } = checkOptions(where, options, { labelSmoothing: true, reduction: true, weights: true });
  checkFloat(logits, 'logits', where);
  checkFloat(targets, 'targets', where);
  checkSame(logits, 'logits', targets, 'targets', where);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new InvalidArgumentError(`${where}: labelSmoothing must be in [0, 1], got ${String(labelSmoothing)}`);
  }
  const z = labelSmoothing === 0 ? targets : ops.add(ops.mul(targets, 1 - labelSmoothing), labelSmoothing / 2);
  // softplus(x) − x·z: softplus is max(x, 0) + log1p(e^(−|x|)) in value, written with one smooth
  // branch per side, so ∂ℓ/∂x = σ(x) − z and ∂²ℓ/∂x² = σ(x)(1 − σ(x)) hold at x = 0 exactly too
  // (a form built from max and |x| gets the gradient right there but a second derivative of 0).
  const losses = ops.sub(ops.softplus(logits), ops.mul(logits, z));
  return reduceLoss(losses, lossOptions, where);
}
