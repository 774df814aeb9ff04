import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { GRADIENT_OPTION_KEYS, checkGradientOptions, decayHyper, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { checkHyperparam } from '../hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_RMS_DEFAULTS, scaleByRms } from '../transforms/scale-by-rms.js';
import { traceMomentum } from '../transforms/trace-momentum.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link rmsprop}. */
export interface RmspropOptions extends GradientOptions {
  /** Decay `ρ` of the mean square (default 0.9, as optax and TensorFlow.js; PyTorch's `alpha` is 0.99). */
  readonly decay?: ScalarOrSchedule;
  /** Added to the denominator (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** `g / √(s + ε)` (TensorFlow.js, optax) instead of `g / (√s + ε)` (PyTorch; default false). */
  readonly epsInSqrt?: boolean;
  /** Divide by the running standard deviation instead of the RMS (default false). */
  readonly centered?: boolean;
  /** Momentum `μ` over the rescaled gradients (default 0: no buffer). */
  readonly momentum?: ScalarOrSchedule;
  /** Starting value of the mean square (default 0). */
  readonly initialScale?: number;
}

/**
 * RMSProp: gradients divided by a running root mean square, optionally centered, with optional
 * momentum (PyTorch's order: momentum over the rescaled gradient, then the learning rate).
 *
 * ```text
 * ν ← ρ·ν + (1 − ρ)·g²
 * μ ← ρ·μ + (1 − ρ)·g                                 (centered)
 * s = max(ν − μ², 0) (centered) or ν
 * d = g / (√s + ε)     (epsInSqrt: g / √(s + ε))
 * b ← m·b + d;  d = b                                 (momentum ≠ 0)
 * p ← p − η·d
 * ```
 *
 * Hyperparameters in the state: `lr`, `decay`, `eps`, and `momentum` when built with it. Fused
 * kernel: `rmsprop`. TensorFlow.js's `rmsprop` is this rule with `epsInSqrt: true`, except that
 * it puts `η` inside the momentum buffer (equal for a constant rate) and, when centered,
 * subtracts `ε` instead of adding it (`√(ν − μ² − ε)`).
 *
 * Conventions: `decay` defaults to 0.9 (optax, Keras, TensorFlow.js); PyTorch's `alpha` defaults
 * to 0.99, so pass `{ decay: 0.99 }` for PyTorch's defaults. `ε` is added outside the root by
 * default, as PyTorch; optax's `rmsprop` and Keras's `RMSprop` (ε 1e-7) add it inside
 * (`epsInSqrt: true`). optax applies momentum after the learning rate and Keras keeps `η` in the
 * buffer: the same steps for a constant rate. PyTorch's `weight_decay` and `maximize` are the
 * options of the same names; Keras 3's `weight_decay` is decoupled.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link RmspropOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = rmsprop(1e-3, { centered: true, momentum: 0.9 });
 * const state = tx.init(params);
 * ```
 *
 * Tieleman and Hinton, 2012, "Lecture 6.5: RMSProp" (Coursera, Neural Networks for Machine
 * Learning); Graves, 2013, "Generating Sequences With Recurrent Neural Networks" (https://arxiv.org/abs/1308.0850).
 */
export function rmsprop(lr: ScalarOrSchedule, options: RmspropOptions = {}): InjectedTransformation {
  const {
    decay = SCALE_BY_RMS_DEFAULTS.decay,
    eps = SCALE_BY_RMS_DEFAULTS.eps,
    epsInSqrt = SCALE_BY_RMS_DEFAULTS.epsInSqrt,
    centered = SCALE_BY_RMS_DEFAULTS.centered,
    momentum = 0,
    initialScale = SCALE_BY_RMS_DEFAULTS.initialScale,
    weightDecay,
    maximize,
  } = checkOptions('rmsprop', options, {
    decay: true,
    eps: true,
    epsInSqrt: true,
    centered: true,
    momentum: true,
    initialScale: true,
    ...GRADIENT_OPTION_KEYS,
  });
  checkGradientOptions('rmsprop', { maximize });
  checkHyperparam('rmsprop', 'initialScale', initialScale);
  const hasMomentum = momentum !== 0;
  const hyper: Record<string, ScalarOrSchedule> = hasMomentum ? { lr, decay, eps, momentum } : { lr, decay, eps };
  return withHyperparams('rmsprop', { ...hyper, ...decayHyper(weightDecay) }, (h) =>
    chain(
      ...gradientPrefix(h, { weightDecay, maximize }),
      scaleByRms({ decay: h.decay, eps: h.eps, epsInSqrt, centered, initialScale }),
      ...(hasMomentum ? [traceMomentum(h.momentum)] : []),
      scaleByLearningRate(h.lr),
    ),
  );
}
