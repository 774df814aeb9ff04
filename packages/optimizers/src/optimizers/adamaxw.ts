import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_ADAMAX_DEFAULTS, scaleByAdamax } from '../transforms/scale-by-adamax.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adamaxw}. */
export interface AdamaxwOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the infinity norm (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Guard against division by zero, inside the maximum (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** Decoupled weight decay λ (default 1e-4, as optax). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * AdaMaxW: AdaMax with decoupled weight decay, as AdamW is to Adam (optax's `adamaxw`).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g,   ν ← max(b2·ν, |g| + ε)
 * p ← p − η·( m / ((1 − b1ᵗ)·ν) + λ·p )
 * ```
 *
 * Conventions: ε inside the maximum as optax and PyTorch's `Adamax` (TensorFlow.js adds it after);
 * PyTorch has no AdamaxW, and its `Adamax(weight_decay=λ)` is L2 (λ·p added to the gradient
 * before the moments), not decoupled; Keras's `Adamax` has `weight_decay` decoupled as here
 * (`p ← p − η·λ·p`). One fused update program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link AdamaxwOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adamaxw(2e-3, { weightDecay: 1e-2, mask: (name) => !name.endsWith('bias') });
 * ```
 *
 * Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization", §7.1; Loshchilov and Hutter,
 * 2019, "Decoupled Weight Decay Regularization" (https://arxiv.org/abs/1711.05101).
 */
export function adamaxw(lr: ScalarOrSchedule, options: AdamaxwOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAMAX_DEFAULTS.b1,
    b2 = SCALE_BY_ADAMAX_DEFAULTS.b2,
    eps = SCALE_BY_ADAMAX_DEFAULTS.eps,
    weightDecay = 1e-4,
    mask,
  } = checkOptions('adamaxw', options, { b1: true, b2: true, eps: true, weightDecay: true, mask: true });
  return withHyperparams('adamaxw', { lr, b1, b2, eps, weightDecay }, (h) =>
    chain(scaleByAdamax({ b1: h.b1, b2: h.b2, eps: h.eps }), addDecayedWeights(h.weightDecay, { mask }), scaleByLearningRate(h.lr)),
  );
}
