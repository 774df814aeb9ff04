import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { SCALE_BY_ADAM_DEFAULTS, scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS, scaleByOptimisticGradient } from '../transforms/scale-by-optimistic-gradient.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link optimisticAdam}. */
export interface OptimisticAdamOptions {
  /** Weight of the current direction (default 1). */
  readonly alpha?: ScalarOrSchedule;
  /** Optimism: weight of the change of direction (default 1). */
  readonly beta?: ScalarOrSchedule;
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added outside the root (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** Nesterov momentum in Adam's direction (default false; optax's `optimistic_adam_v2` defaults to true). */
  readonly nesterov?: boolean;
}

/**
 * Optimistic Adam (Daskalakis et al. 2018): the optimistic extrapolation applied to Adam's
 * direction `a = m̂/(√v̂ + ε)` (optax's `optimistic_adam_v2`).
 *
 * ```text
 * aₜ = Adam's direction (m̂/(√v̂ + ε))
 * p ← p − η·((α + β)·aₜ − β·aₜ₋₁)        (aₜ₋₁ = aₜ at the first step)
 * ```
 *
 * With α = β = 1 this is Algorithm 1 of the paper (`p ← p − 2η·aₜ + η·aₜ₋₁`). Conventions:
 * optax's `optimistic_adam_v2` defaults to Nesterov's direction (NAdam) inside; the paper's
 * algorithm and our default use plain Adam. optax's older `optimistic_adam` took α = η and
 * β = `optimism` without a learning rate after. No PyTorch or Keras core optimizer. One fused
 * update program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link OptimisticAdamOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = optimisticAdam(1e-3);
 * ```
 *
 * Daskalakis, Ilyas, Syrgkanis and Zeng, 2018, "Training GANs with Optimism" (ICLR 2018, https://arxiv.org/abs/1711.00141), Algorithm 1.
 */
export function optimisticAdam(lr: ScalarOrSchedule, options: OptimisticAdamOptions = {}): InjectedTransformation {
  const {
    alpha = SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS.alpha,
    beta = SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS.beta,
    b1 = SCALE_BY_ADAM_DEFAULTS.b1,
    b2 = SCALE_BY_ADAM_DEFAULTS.b2,
    eps = SCALE_BY_ADAM_DEFAULTS.eps,
    nesterov = SCALE_BY_ADAM_DEFAULTS.nesterov,
  } = checkOptions('optimisticAdam', options, { alpha: true, beta: true, b1: true, b2: true, eps: true, nesterov: true });
  return withHyperparams('optimisticAdam', { lr, alpha, beta, b1, b2, eps }, (h) =>
    chain(
      scaleByAdam({ b1: h.b1, b2: h.b2, eps: h.eps, nesterov }),
      scaleByOptimisticGradient({ alpha: h.alpha, beta: h.beta }),
      scaleByLearningRate(h.lr),
    ),
  );
}
