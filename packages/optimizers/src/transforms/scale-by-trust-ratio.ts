import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import type { Mask } from '../mask.js';
import type { GradientTransformation } from '../types.js';
import { layerwise, safeRatio } from './layerwise.js';
import { norm } from './math.js';
import type { EmptyState } from './scale.js';

/** Options of {@link scaleByTrustRatio}. */
export interface ScaleByTrustRatioOptions {
  /** Lower bound of the parameter norm (default 0). */
  readonly minNorm?: number;
  /** Multiplies the ratio (default 1). */
  readonly trustCoefficient?: number;
  /** Added to the update norm (default 0). */
  readonly eps?: number;
  /** Which parameters get the ratio; the others pass unchanged (default all). */
  readonly mask?: Mask;
}

/**
 * Scales each parameter's update by the ratio of the parameter's norm to the update's norm,
 * layer by layer: LAMB's trust ratio (optax's `scale_by_trust_ratio`).
 *
 * ```text
 * r = c · max(‖p‖, minNorm) / (‖u‖ + ε),   r = 1 where either norm is 0
 * u ← r · u
 * ```
 *
 * @param options - See {@link ScaleByTrustRatioOptions}.
 * @returns A stateless transformation (needs `params`).
 *
 * @example
 * ```ts
 * const myLamb = chain(scaleByAdam({ eps: 1e-6 }), addDecayedWeights(0.01), scaleByTrustRatio(), scaleByLearningRate(1e-3));
 * ```
 *
 * You et al., 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes" (https://arxiv.org/abs/1904.00962).
 */
export function scaleByTrustRatio(options: ScaleByTrustRatioOptions = {}): GradientTransformation<EmptyState> {
  const {
    minNorm = 0,
    trustCoefficient = 1,
    eps = 0,
    mask,
  } = checkOptions('scaleByTrustRatio', options, { minNorm: true, trustCoefficient: true, eps: true, mask: true });
  const where = 'scaleByTrustRatio';
  checkHyperparam(where, 'minNorm', minNorm);
  checkHyperparam(where, 'trustCoefficient', trustCoefficient);
  checkHyperparam(where, 'eps', eps);
  return layerwise(where, mask, (u, p) => {
    const b = u.backend;
    const pn = b.binary('maximum', norm(p), minNorm);
    return b.mul(u, safeRatio(b.mul(pn, trustCoefficient), norm(u), eps));
  });
}
