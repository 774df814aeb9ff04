import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS, scaleByOptimisticGradient } from '../transforms/scale-by-optimistic-gradient.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link optimisticGradientDescent}. */
export interface OptimisticGradientDescentOptions {
  /** Weight of the current gradient (default 1). */
  readonly alpha?: ScalarOrSchedule;
  /** Optimism: weight of `g − g_prev` (default 1). */
  readonly beta?: ScalarOrSchedule;
}

/**
 * Optimistic gradient descent (optax's `optimistic_gradient_descent`): each step extrapolates
 * with the last gradient, which makes gradient descent-ascent converge on bilinear games where
 * it cycles.
 *
 * ```text
 * p ← p − η·((α + β)·gₜ − β·gₜ₋₁)        (gₜ₋₁ = gₜ at the first step)
 * ```
 *
 * With α = β = 1: `p ← p − 2η·gₜ + η·gₜ₋₁` (Daskalakis et al.'s optimistic mirror descent).
 * Conventions: optax's first step uses `gₜ₋₁ = gₜ` (its issue 1082), as here. No PyTorch or Keras
 * core optimizer. One fused update program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link OptimisticGradientDescentOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = optimisticGradientDescent(0.1);
 * ```
 *
 * Daskalakis, Ilyas, Syrgkanis and Zeng, 2018, "Training GANs with Optimism" (ICLR 2018, https://arxiv.org/abs/1711.00141);
 * Mokhtari, Ozdaglar and Pattathil, 2020, "A Unified Analysis of Extra-gradient and Optimistic Gradient Methods" (AISTATS 2020).
 */
export function optimisticGradientDescent(lr: ScalarOrSchedule, options: OptimisticGradientDescentOptions = {}): InjectedTransformation {
  const { alpha = SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS.alpha, beta = SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS.beta } = checkOptions(
    'optimisticGradientDescent',
    options,
    { alpha: true, beta: true },
  );
  return withHyperparams('optimisticGradientDescent', { lr, alpha, beta }, (h) =>
    chain(scaleByOptimisticGradient({ alpha: h.alpha, beta: h.beta }), scaleByLearningRate(h.lr)),
  );
}
