import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { GRADIENT_OPTION_KEYS, checkGradientOptions, decayHyper, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_RADAM_DEFAULTS, scaleByRadam } from '../transforms/scale-by-radam.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link radam}. */
export interface RadamOptions extends GradientOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the denominator outside the root (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** Added inside the root (default 0). */
  readonly epsRoot?: ScalarOrSchedule;
  /** Rectify once `ρₜ` reaches this (default 5; at least 4, where the rectification term is real). */
  readonly threshold?: ScalarOrSchedule;
}

/**
 * RAdam: Adam whose adaptive rate is switched on only once its variance is tractable, and then
 * rectified (optax's `radam`).
 *
 * ```text
 * m̂, v as in Adam;  ρ∞ = 2/(1 − b2) − 1;  ρₜ = ρ∞ − 2t·b2ᵗ/(1 − b2ᵗ)
 * ρₜ ≥ threshold:  p ← p − η · r · m̂ / (√(v/(1 − b2ᵗ) + ε_root) + ε),
 *                  r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
 * otherwise:       p ← p − η · m̂
 * ```
 *
 * PyTorch: ε is added after the bias correction, `m̂ / (√v̂ + ε)` with `v̂ = v / (1 − β₂ᵗ)`;
 * `torch.optim.RAdam` adds it before, `m̂·√(1 − β₂ᵗ) / (√v + ε)` (equal for ε = 0). See
 * docs/from-pytorch.md.
 *
 * Hyperparameters in the state: `lr`, `b1`, `b2`, `eps`, `epsRoot`, `threshold`.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link RadamOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = radam(1e-3);
 * ```
 *
 * Liu et al., 2020, "On the Variance of the Adaptive Learning Rate and Beyond" (https://arxiv.org/abs/1908.03265).
 */
export function radam(lr: ScalarOrSchedule, options: RadamOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_RADAM_DEFAULTS.b1,
    b2 = SCALE_BY_RADAM_DEFAULTS.b2,
    eps = SCALE_BY_RADAM_DEFAULTS.eps,
    epsRoot = SCALE_BY_RADAM_DEFAULTS.epsRoot,
    threshold = SCALE_BY_RADAM_DEFAULTS.threshold,
    weightDecay,
    maximize,
  } = checkOptions('radam', options, { b1: true, b2: true, eps: true, epsRoot: true, threshold: true, ...GRADIENT_OPTION_KEYS });
  checkGradientOptions('radam', { maximize });
  return withHyperparams('radam', { lr, b1, b2, eps, epsRoot, threshold, ...decayHyper(weightDecay) }, (h) =>
    chain(
      ...gradientPrefix(h, { weightDecay, maximize }),
      scaleByRadam({ b1: h.b1, b2: h.b2, eps: h.eps, epsRoot: h.epsRoot, threshold: h.threshold }),
      scaleByLearningRate(h.lr),
    ),
  );
}
