import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { checkFloat, checkSame, reduceLoss, type LossOptions } from './reduction.js';

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear, ≥ 0 (0 gives the absolute error); default 1. */
  readonly beta?: number;
}

/**
 * Smooth L1 loss, PyTorch's `SmoothL1Loss(beta)`: the Huber loss divided by its threshold, so
 * the linear part has slope 1 whatever `β`.
 *
 * Math: with `e = |ŷ − y|`, `ℓ = ½e²/β` where `e < β`, else `e − ½β`; computed as
 * `½q²/β + (e − q)` with `q = min(e, β)`; `β = 0` gives `ℓ = e` (as PyTorch). Equals
 * `huberLoss(ŷ, y, { delta: β }) / β` for `β > 0`.
 *
 * @param predictions - float tensor.
 * @param targets - same shape and dtype.
 * @param options - `beta` (default 1), `reduction` (default `'mean'`), `weights` (see
 *   docs/from-pytorch.md for how a weighted mean differs from PyTorch's).
 * @returns a scalar, or the elementwise losses with `'none'`.
 *
 * @example
 * ```ts
 * smoothL1Loss(boxes, targetBoxes, { beta: 1 / 9 });
 * ```
 *
 * Girshick, "Fast R-CNN" (2015).
 */
export function smoothL1Loss(predictions: TensorLike, targets: TensorLike, options: SmoothL1Options = {}): TensorLike {
  const where = 'smoothL1Loss';
  const { beta = 1, ...lossOptions } = checkOptions(where, options, { beta: true, reduction: true, weights: true });
  checkFloat(predictions, 'predictions', where);
  checkFloat(targets, 'targets', where);
  checkSame(predictions, 'predictions', targets, 'targets', where);
  if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta))
    throw new InvalidArgumentError(`${where}: beta must be a finite number ≥ 0, got ${String(beta)}`);
  const e = ops.abs(ops.sub(predictions, targets));
  if (beta === 0) return reduceLoss(e, lossOptions, where);
  const q = ops.minimum(e, beta);
  return reduceLoss(ops.add(ops.mul(ops.square(q), 0.5 / beta), ops.sub(e, q)), lossOptions, where);
}
