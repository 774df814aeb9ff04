import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link huberLoss}. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear, > 0; default 1. */
  readonly delta?: number;
}

/**
 * Huber loss: quadratic for small errors, linear for large ones (robust to outliers).
 *
 * Math: with `e = ŷ − y`, `ℓ = ½e²` where `|e| ≤ δ`, else `δ·(|e| − ½δ)`; computed as
 * `½q² + δ·(|e| − q)` with `q = min(|e|, δ)`. Same definition as PyTorch's `HuberLoss` and
 * TensorFlow.js's `huberLoss` (PyTorch's `SmoothL1Loss` is this divided by δ).
 *
 * @param predictions - float tensor.
 * @param targets - same shape and dtype.
 * @param options - `delta` (default 1), `reduction` (default `'mean'`), `weights`.
 * @returns a scalar, or the elementwise losses with `'none'`.
 *
 * @example
 * ```ts
 * huberLoss(yHat, y, { delta: 0.5 });
 * ```
 *
 * Huber, "Robust estimation of a location parameter" (1964).
 */
export function huberLoss(predictions: TensorLike, targets: TensorLike, options: HuberOptions = {}): TensorLike {
  const where = 'huberLoss';
  const { delta = 1, ...lossOptions } = checkOptions(where, options, { delta: true, reduction: true, weights: true });
  checkFloat(predictions, 'predictions', where);
  checkFloat(targets, 'targets', where);
  checkSame(predictions, 'predictions', targets, 'targets', where);
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta))
    throw new InvalidArgumentError(`${where}: delta must be a finite number > 0, got ${String(delta)}`);
  const e = ops.abs(ops.sub(predictions, targets));
  const q = ops.minimum(e, delta);
  return reduceLoss(ops.add(ops.mul(ops.square(q), 0.5), ops.mul(ops.sub(e, q), delta)), lossOptions, where);
}
