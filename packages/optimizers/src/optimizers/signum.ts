import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { scaleBySign } from '../transforms/scale-by-sign.js';
import { traceMomentum } from '../transforms/trace-momentum.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link signum}. */
export interface SignumOptions {
  /** Momentum β of the EMA whose sign is taken (default 0.9). */
  readonly momentum?: ScalarOrSchedule;
  /** Decoupled weight decay λ: `p ← p − η·(sign(m) + λ·p)` (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * Signum (Bernstein et al. 2018): signSGD on a momentum, an EMA of the gradients (optax's `signum`).
 *
 * ```text
 * m ← β·m + (1 − β)·g
 * p ← p − η·(sign(m) + λ·p)
 * ```
 *
 * Conventions: the EMA is not bias-corrected (its sign does not change); the authors' PyTorch code
 * (jxbz/signSGD) and optax both damp the gradient by `1 − β`, as here. Weight decay is added after
 * the sign (decoupled), as in the authors' code; optax's `signum` has none. No PyTorch or Keras
 * core optimizer. One fused update program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link SignumOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = signum(1e-4, { momentum: 0.9 });
 * ```
 *
 * Bernstein, Wang, Azizzadenesheli and Anandkumar, 2018, "signSGD: Compressed Optimisation for Non-Convex Problems" (ICML 2018, https://arxiv.org/abs/1802.04434), Algorithm 2.
 */
export function signum(lr: ScalarOrSchedule, options: SignumOptions = {}): InjectedTransformation {
  const { momentum = 0.9, weightDecay = 0, mask } = checkOptions('signum', options, { momentum: true, weightDecay: true, mask: true });
  return withHyperparams('signum', { lr, momentum, weightDecay }, (h) =>
    chain(
      traceMomentum(h.momentum, { dampening: h.momentum }),
      scaleBySign(),
      ...(weightDecay !== 0 ? [addDecayedWeights(h.weightDecay, { mask })] : []),
      scaleByLearningRate(h.lr),
    ),
  );
}
