import type { InjectedTransformation } from '../inject-hyperparams.js';
import type { ScalarOrSchedule } from '../types.js';
import { adamw, type AdamwOptions } from './adamw.js';

/**
 * NAdamW: NAdam with decoupled weight decay (optax's `nadamw`): `adamw` with Dozat's Nesterov
 * momentum.
 *
 * ```text
 * m̂ = b1·m/(1 − b1ᵗ⁺¹) + (1 − b1)·g/(1 − b1ᵗ),   v̂ = v/(1 − b2ᵗ)
 * p ← p − η·( m̂/(√v̂ + ε) + λ·p )
 * ```
 *
 * Conventions: optax's Nesterov rule (no momentum-decay schedule); `momentumDecay: 4e-3` gives
 * PyTorch's schedule, which with `decoupled_weight_decay=True` is PyTorch 2's `NAdam`
 * (PyTorch 1.13's `NAdam` has L2 decay only). Keras's `Nadam(weight_decay=λ)` also decays
 * decoupled, with its own schedule `b1·(1 − ½·0.96^t)`. Default λ = 1e-4 as optax. One fused update
 * program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link AdamwOptions} (`nesterov` is set).
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = nadamw(1e-3, { weightDecay: 1e-2 });
 * ```
 *
 * Dozat, 2016, "Incorporating Nesterov Momentum into Adam"; Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization" (https://arxiv.org/abs/1711.05101).
 */
export function nadamw(lr: ScalarOrSchedule, options: Omit<AdamwOptions, 'nesterov'> = {}): InjectedTransformation {
  return adamw(lr, { ...options, nesterov: true });
}
