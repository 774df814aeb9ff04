import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { GRADIENT_OPTION_KEYS, checkGradientOptions, decayHyper, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { SCALE_BY_ADAMAX_DEFAULTS, scaleByAdamax } from '../transforms/scale-by-adamax.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adamax}. */
export interface AdamaxOptions extends GradientOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the infinity norm (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Guard against division by zero (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** `max(b2·ν, |g| + ε)` (default true: optax, PyTorch) or `m̂ / (max(b2·ν, |g|) + ε)` (false: TensorFlow.js). */
  readonly epsInMax?: boolean;
}

/**
 * Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm
 * (optax's `adamax`).
 *
 * ```text
 * t ← t + 1;  m ← b1·m + (1 − b1)·g;  ν ← max(b2·ν, |g| + ε)
 * p ← p − η · m / ((1 − b1ᵗ)·ν)
 * ```
 *
 * Hyperparameters in the state: `lr`, `b1`, `b2`, `eps`. TensorFlow.js's `adamax` is this rule
 * with `epsInMax: false` (and its `decay` option at 0).
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdamaxOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adamax(2e-3);
 * ```
 *
 * Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization", section 7.1 (https://arxiv.org/abs/1412.6980).
 */
export function adamax(lr: ScalarOrSchedule, options: AdamaxOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAMAX_DEFAULTS.b1,
    b2 = SCALE_BY_ADAMAX_DEFAULTS.b2,
    eps = SCALE_BY_ADAMAX_DEFAULTS.eps,
    epsInMax = SCALE_BY_ADAMAX_DEFAULTS.epsInMax,
    weightDecay,
    maximize,
  } = checkOptions('adamax', options, { b1: true, b2: true, eps: true, epsInMax: true, ...GRADIENT_OPTION_KEYS });
  checkGradientOptions('adamax', { maximize });
  return withHyperparams('adamax', { lr, b1, b2, eps, ...decayHyper(weightDecay) }, (h) =>
    chain(
      ...gradientPrefix(h, { weightDecay, maximize }),
      scaleByAdamax({ b1: h.b1, b2: h.b2, eps: h.eps, epsInMax }),
      scaleByLearningRate(h.lr),
    ),
  );
}
