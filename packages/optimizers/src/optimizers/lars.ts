import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { SCALE_BY_LARS_TRUST_RATIO_DEFAULTS, scaleByLarsTrustRatio } from '../transforms/scale-by-lars-trust-ratio.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { TRACE_MOMENTUM_DEFAULTS, traceMomentum } from '../transforms/trace-momentum.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link lars}. */
export interface LarsOptions {
  /** Momentum `m` (default 0.9). */
  readonly momentum?: ScalarOrSchedule;
  /** Nesterov momentum (default false). */
  readonly nesterov?: boolean;
  /** Weight decay `β` (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Trust coefficient `η` (default 0.001). */
  readonly trustCoefficient?: ScalarOrSchedule;
  /** Added to the ratio's denominator (default 0). */
  readonly eps?: ScalarOrSchedule;
  /** Which parameters get the layer-wise rate and the decay; others take plain momentum SGD (default all). */
  readonly mask?: Mask;
}

/**
 * LARS: momentum SGD with a layer-wise rate from the ratio of weight norm to gradient norm, for
 * large batches (the equations of You, Gitman and Ginsburg, with the global rate inside the
 * momentum).
 *
 * ```text
 * λ = η · ‖p‖ / (‖g‖ + β·‖p‖ + ε)        (1 where a norm is 0)
 * v ← m·v + γ·λ·(g + β·p)
 * p ← p − v
 * ```
 *
 * Hyperparameters in the state: `lr` (γ), `momentum`, `weightDecay`, `trustCoefficient`, `eps`.
 *
 * @param lr - Global learning rate `γ ≥ 0`, or a schedule.
 * @param options - See {@link LarsOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = lars(1, { weightDecay: 5e-4, mask: (name) => !name.endsWith('bias') });
 * ```
 *
 * You, Gitman and Ginsburg, 2017, "Large Batch Training of Convolutional Networks" (https://arxiv.org/abs/1708.03888).
 */
export function lars(lr: ScalarOrSchedule, options: LarsOptions = {}): InjectedTransformation {
  const {
    momentum = 0.9,
    nesterov = TRACE_MOMENTUM_DEFAULTS.nesterov,
    weightDecay = SCALE_BY_LARS_TRUST_RATIO_DEFAULTS.weightDecay,
    trustCoefficient = SCALE_BY_LARS_TRUST_RATIO_DEFAULTS.trustCoefficient,
    eps = SCALE_BY_LARS_TRUST_RATIO_DEFAULTS.eps,
    mask,
  } = checkOptions('lars', options, { momentum: true, nesterov: true, weightDecay: true, trustCoefficient: true, eps: true, mask: true });
  return withHyperparams('lars', { lr, momentum, weightDecay, trustCoefficient, eps }, (h) =>
    chain(
      scaleByLarsTrustRatio({ trustCoefficient: h.trustCoefficient, weightDecay: h.weightDecay, eps: h.eps, mask }),
      scaleByLearningRate(h.lr),
      traceMomentum(h.momentum, { nesterov }),
    ),
  );
}
