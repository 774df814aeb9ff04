import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_BELIEF_DEFAULTS, scaleByBelief } from '../transforms/scale-by-belief.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adabelief}. */
export interface AdabeliefOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the belief (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the denominator outside the root (default 1e-16). */
  readonly eps?: ScalarOrSchedule;
  /** Added to the belief at each step (default 1e-16). */
  readonly epsRoot?: ScalarOrSchedule;
  /** Decoupled weight decay λ (default 0: none). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * AdaBelief (Zhuang et al. 2020): Adam whose second moment tracks the squared deviation of the
 * gradient from its moving average ("the belief") instead of the squared gradient, so steps are
 * large where the gradient is predictable and small where it is not (optax's `adabelief`).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * s ← b2·s + (1 − b2)·(g − m)² + ε_root
 * p ← p − η · ( (m / (1 − b1ᵗ)) / (√(s / (1 − b2ᵗ)) + ε) + λ·p )
 * ```
 *
 * Conventions: ε = ε_root = 1e-16 as the paper and optax (the authors' PyTorch package, v0.2,
 * also defaults to 1e-16; its earlier versions and Keras-style ports used 1e-8, which changes
 * the steps: ε is squared relative to Adam's). The authors' package has `weight_decouple=True`
 * (decay `p ← p·(1 − η·λ)`, our `weightDecay`), a `rectify` option (RAdam's warm-up, not here)
 * and AMSGrad; optax's `nesterov` variant is not here. No PyTorch or Keras core optimizer.
 * One fused update program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link AdabeliefOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adabelief(1e-3);
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Zhuang et al., 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients" (NeurIPS 2020, https://arxiv.org/abs/2010.07468).
 */
export function adabelief(lr: ScalarOrSchedule, options: AdabeliefOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_BELIEF_DEFAULTS.b1,
    b2 = SCALE_BY_BELIEF_DEFAULTS.b2,
    eps = SCALE_BY_BELIEF_DEFAULTS.eps,
    epsRoot = SCALE_BY_BELIEF_DEFAULTS.epsRoot,
    weightDecay = 0,
    mask,
  } = checkOptions('adabelief', options, { b1: true, b2: true, eps: true, epsRoot: true, weightDecay: true, mask: true });
  return withHyperparams('adabelief', { lr, b1, b2, eps, epsRoot, weightDecay }, (h) => {
    const belief = scaleByBelief({ b1: h.b1, b2: h.b2, eps: h.eps, epsRoot: h.epsRoot });
    return weightDecay === 0
      ? chain(belief, scaleByLearningRate(h.lr))
      : chain(belief, addDecayedWeights(h.weightDecay, { mask }), scaleByLearningRate(h.lr));
  });
}
