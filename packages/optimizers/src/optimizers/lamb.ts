import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_ADAM_DEFAULTS, scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { scaleByTrustRatio } from '../transforms/scale-by-trust-ratio.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link lamb}. */
export interface LambOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the denominator outside the root (default 1e-6). */
  readonly eps?: ScalarOrSchedule;
  /** Added inside the root (default 0). */
  readonly epsRoot?: ScalarOrSchedule;
  /** Decoupled weight decay `λ`, inside the trust ratio (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * LAMB: AdamW's direction scaled per layer by the ratio of the parameter norm to the direction's
 * norm, for large batches (optax's `lamb`).
 *
 * ```text
 * d = m̂ / (√(v̂ + ε_root) + ε) + λ·p           (m̂, v̂ as in Adam)
 * r = ‖p‖ / ‖d‖   (1 where either is 0)
 * p ← p − η · r · d
 * ```
 *
 * Hyperparameters in the state: `lr`, `b1`, `b2`, `eps`, `epsRoot`, `weightDecay`.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link LambOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = lamb(1e-3, { weightDecay: 1e-2 });
 * ```
 *
 * You et al., 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes" (https://arxiv.org/abs/1904.00962).
 */
export function lamb(lr: ScalarOrSchedule, options: LambOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAM_DEFAULTS.b1,
    b2 = SCALE_BY_ADAM_DEFAULTS.b2,
    eps = 1e-6,
    epsRoot = SCALE_BY_ADAM_DEFAULTS.epsRoot,
    weightDecay = 0,
    mask,
  } = checkOptions('lamb', options, { b1: true, b2: true, eps: true, epsRoot: true, weightDecay: true, mask: true });
  return withHyperparams('lamb', { lr, b1, b2, eps, epsRoot, weightDecay }, (h) =>
    chain(
      scaleByAdam({ b1: h.b1, b2: h.b2, eps: h.eps, epsRoot: h.epsRoot }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByTrustRatio(),
      scaleByLearningRate(h.lr),
    ),
  );
}
