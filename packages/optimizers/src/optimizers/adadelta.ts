import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkGradientOptions, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_ADADELTA_DEFAULTS, scaleByAdadelta } from '../transforms/scale-by-adadelta.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adadelta}. */
export interface AdadeltaOptions extends Pick<GradientOptions, 'maximize'> {
  /** Decay of the running means (default 0.9, as optax and PyTorch; TensorFlow.js uses 0.95). */
  readonly rho?: ScalarOrSchedule;
  /** Added inside both roots (default 1e-6). */
  readonly eps?: ScalarOrSchedule;
  /** L2 penalty added to the gradient first, as PyTorch (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * Adadelta: AdaGrad's rates from running means instead of sums, with units fixed by the RMS of
 * past updates (optax's `adadelta`).
 *
 * ```text
 * g ← g + λ·p
 * E[g²] ← ρ·E[g²] + (1 − ρ)·g²
 * Δ = √(E[Δ²] + ε) / √(E[g²] + ε) · g
 * E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
 * p ← p − η·Δ
 * ```
 *
 * Hyperparameters in the state: `lr`, `rho`, `eps`, `weightDecay`. PyTorch's `Adadelta` is the
 * same rule. TensorFlow.js's `adadelta` differs: it divides by the previous running mean,
 * √(E[g²]ₜ₋₁ + ε), so its first step is `p − η·g`.
 *
 * @param lr - Learning rate `η ≥ 0` (the paper has none: use 1), or a schedule.
 * @param options - See {@link AdadeltaOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adadelta(1, { rho: 0.95 });
 * const state = tx.init(params);
 * ```
 *
 * Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method" (https://arxiv.org/abs/1212.5701).
 */
export function adadelta(lr: ScalarOrSchedule, options: AdadeltaOptions = {}): InjectedTransformation {
  const {
    rho = SCALE_BY_ADADELTA_DEFAULTS.rho,
    eps = SCALE_BY_ADADELTA_DEFAULTS.eps,
    weightDecay = 0,
    mask,
    maximize,
  } = checkOptions('adadelta', options, { rho: true, eps: true, weightDecay: true, mask: true, maximize: true });
  checkGradientOptions('adadelta', { maximize });
  return withHyperparams('adadelta', { lr, rho, eps, weightDecay }, (h) =>
    chain(
      ...gradientPrefix(h, { maximize }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByAdadelta({ rho: h.rho, eps: h.eps }),
      scaleByLearningRate(h.lr),
    ),
  );
}
