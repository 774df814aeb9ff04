import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { scaleBySign } from '../transforms/scale-by-sign.js';
import type { ScalarOrSchedule } from '../types.js';

/**
 * signSGD (Bernstein et al. 2018): steps of size η along the sign of each gradient coordinate
 * (optax's `sign_sgd`). Its update compresses to one bit per coordinate.
 *
 * ```text
 * p ← p − η · sign(g)
 * ```
 *
 * No PyTorch or Keras core optimizer; see `signum` for the version with momentum. One fused
 * update program per step.
 *
 * @param lr - Learning rate η (the step per coordinate), or a schedule.
 * @param options - None yet (an empty object; unknown keys are errors).
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = signSgd(1e-4);
 * ```
 *
 * Bernstein, Wang, Azizzadenesheli and Anandkumar, 2018, "signSGD: Compressed Optimisation for Non-Convex Problems" (ICML 2018, https://arxiv.org/abs/1802.04434).
 */
export function signSgd(lr: ScalarOrSchedule, options: object = {}): InjectedTransformation {
  checkOptions('signSgd', options, {});
  return withHyperparams('signSgd', { lr }, (h) => chain(scaleBySign(), scaleByLearningRate(h.lr)));
}
