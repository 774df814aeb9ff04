import { DTypeError, InvalidArgumentError, ShapeError, checkOptions, fmtShape } from '@downhill/backend';
import { isTensorLike, ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link sigmoidCrossEntropy}. */
export interface SigmoidCrossEntropyOptions extends LossOptions {
  /** Moves targets toward ½: `z ← z·(1 − ε) + ε/2`, with `ε` in `[0, 1]`; default 0. */
  readonly labelSmoothing?: number;
  /**
   * Weight `p` of the positive term (PyTorch's `pos_weight`): a number, or a float tensor of the
   * logits' dtype whose shape is a suffix of theirs (per class: `[C]` for `[batch, C]` logits),
   * broadcast over the leading axes. `p > 1` raises recall, `p < 1` precision; default 1.
   */
  readonly posWeight?: number | TensorLike;
}

/**
 * Binary cross-entropy from logits (sigmoid cross-entropy), elementwise, in the stable form that
 * never overflows and never takes the log of 0.
 *
 * Math: with `x` the logit and `z ∈ [0, 1]` the target,
 * `ℓ = −z·log σ(x) − (1 − z)·log(1 − σ(x)) = max(x, 0) − x·z + log(1 + e^(−|x|))`;
 * `∂ℓ/∂x = σ(x) − z`. Finite values and gradients for any finite logit (±1e4 included).
 * With `posWeight` `p`: `ℓ = −p·z·log σ(x) − (1 − z)·log(1 − σ(x)) = (1 + (p − 1)·z)·softplus(x) − p·z·x`,
 * PyTorch's `BCEWithLogitsLoss(pos_weight=p)` (checked against it to 1e-12).
 *
 * @param logits - float tensor of logits (not probabilities).
 * @param targets - same shape and dtype: 0/1 labels or probabilities.
 * PyTorch: with `weights`, `'mean'` divides by the weights' sum; `BCEWithLogitsLoss(weight=w)`
 * divides by the element count (see docs/from-pytorch.md).
 *
 * @param options - `labelSmoothing` (default 0), `posWeight` (default 1), `reduction` (default `'mean'` over every element), `weights`.
 * @returns a scalar, or the elementwise losses with `'none'`.
 *
 * @example
 * ```ts
 * sigmoidCrossEntropy(logits, labels); // labels: float 0/1, same shape as logits
 * sigmoidCrossEntropy(logits, labels, { posWeight: 3 }); // positives weigh 3 times more
 * ```
 */
export function sigmoidCrossEntropy(logits: TensorLike, targets: TensorLike, options: SigmoidCrossEntropyOptions = {}): TensorLike {
  const where = 'sigmoidCrossEntropy';
  const {
    labelSmoothing = 0,
    posWeight,
    ...lossOptions
  } = checkOptions(where, options, { labelSmoothing: true, posWeight: true, reduction: true, weights: true });
  checkFloat(logits, 'logits', where);
  checkFloat(targets, 'targets', where);
  checkSame(logits, 'logits', targets, 'targets', where);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new InvalidArgumentError(`${where}: labelSmoothing must be in [0, 1], got ${String(labelSmoothing)}`);
  }
  checkPosWeight(posWeight, logits, where);
  const z = labelSmoothing === 0 ? targets : ops.add(ops.mul(targets, 1 - labelSmoothing), labelSmoothing / 2);
  // softplus(x) − x·z: softplus is max(x, 0) + log1p(e^(−|x|)) in value, written with one smooth
  // branch per side, so ∂ℓ/∂x = σ(x) − z and ∂²ℓ/∂x² = σ(x)(1 − σ(x)) hold at x = 0 exactly too
  // (a form built from max and |x| gets the gradient right there but a second derivative of 0).
  // With a positive weight p: (1 + (p − 1)·z)·softplus(x) − p·z·x, the same form scaled per term.
  let losses: TensorLike;
  if (posWeight === undefined || posWeight === 1) losses = ops.sub(ops.softplus(logits), ops.mul(logits, z));
  else {
    const pMinus1 = typeof posWeight === 'number' ? posWeight - 1 : ops.sub(posWeight, 1);
    losses = ops.sub(ops.mul(ops.add(ops.mul(z, pMinus1), 1), ops.softplus(logits)), ops.mul(ops.mul(logits, z), posWeight));
  }
  return reduceLoss(losses, lossOptions, where);
}

/** Throws unless `posWeight` is a finite number ≥ 0 or a float tensor of the logits' dtype whose shape ends theirs. */
function checkPosWeight(posWeight: unknown, logits: TensorLike, where: string): asserts posWeight is number | TensorLike | undefined {
  if (posWeight === undefined) return;
  if (typeof posWeight === 'number') {
    if (!(Number.isFinite(posWeight) && posWeight >= 0))
      throw new InvalidArgumentError(`${where}: posWeight must be a finite number ≥ 0 or a tensor, got ${String(posWeight)}`);
    return;
  }
  if (!isTensorLike(posWeight))
    throw new InvalidArgumentError(
      `${where}: posWeight must be a number or a tensor, got ${posWeight === null ? 'null' : typeof posWeight}`,
    );
  if (posWeight.dtype !== logits.dtype)
    throw new DTypeError(`${where}: posWeight is ${posWeight.dtype} but the logits are ${logits.dtype}; cast it`);
  const k = posWeight.shape.length;
  const tail = logits.shape.slice(logits.shape.length - k);
  if (k > logits.shape.length || posWeight.shape.some((d, i) => d !== tail[i])) {
    throw new ShapeError(
      `${where}: posWeight ${fmtShape(posWeight.shape)} must match the trailing axes of the logits ${fmtShape(logits.shape)} (per class: [${logits.shape[logits.shape.length - 1] ?? ''}])`,
    );
  }
}
