import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import type { Mask } from '../mask.js';
import type { GradientTransformation } from '../types.js';
import { layerwise, safeRatio } from './layerwise.js';
import { norm } from './math.js';
import type { EmptyState } from './scale.js';

/** Options of {@link scaleByLarsTrustRatio}. */
export interface ScaleByLarsTrustRatioOptions {
  /** The trust coefficient `η` (default 0.001). */
  readonly trustCoefficient?: number;
  /** The weight decay `β`, added to the gradient and to the ratio's denominator (default 0). */
  readonly weightDecay?: number;
  /** Added to the denominator (default 0). */
  readonly eps?: number;
  /** Which parameters get the ratio and the decay; others (biases, norms) pass unchanged (default all). */
  readonly mask?: Mask;
}

/** Defaults of {@link scaleByLarsTrustRatio}'s options, shared with {@link lars}. */
export const SCALE_BY_LARS_TRUST_RATIO_DEFAULTS = { trustCoefficient: 0.001, weightDecay: 0, eps: 0 } as const;

/**
 * LARS's layer-wise rate: the gradient plus weight decay, scaled by the ratio of the weight norm
 * to the gradient norm (You, Gitman and Ginsburg's equation, not optax's LAMB-style ratio).
 *
 * ```text
 * λ = η · ‖p‖ / (‖g‖ + β·‖p‖ + ε),   λ = 1 where ‖p‖ or the denominator is 0
 * u ← λ · (g + β·p)
 * ```
 *
 * @param options - See {@link ScaleByLarsTrustRatioOptions}.
 * @returns A stateless transformation (needs `params`).
 *
 * @example
 * ```ts
 * const myLars = chain(scaleByLarsTrustRatio({ weightDecay: 1e-4 }), scaleByLearningRate(1), traceMomentum(0.9));
 * ```
 *
 * You, Gitman and Ginsburg, 2017, "Large Batch Training of Convolutional Networks" (https://arxiv.org/abs/1708.03888).
 */
export function scaleByLarsTrustRatio(options: ScaleByLarsTrustRatioOptions = {}): GradientTransformation<EmptyState> {
  const {
    trustCoefficient = SCALE_BY_LARS_TRUST_RATIO_DEFAULTS.trustCoefficient,
    weightDecay = SCALE_BY_LARS_TRUST_RATIO_DEFAULTS.weightDecay,
    eps = SCALE_BY_LARS_TRUST_RATIO_DEFAULTS.eps,
    mask,
  } = checkOptions('scaleByLarsTrustRatio', options, { trustCoefficient: true, weightDecay: true, eps: true, mask: true });
  const where = 'scaleByLarsTrustRatio';
  checkHyperparam(where, 'trustCoefficient', trustCoefficient);
  checkHyperparam(where, 'weightDecay', weightDecay);
  checkHyperparam(where, 'eps', eps);
  return layerwise(where, mask, (g, p) => {
    const b = g.backend;
    const pn = norm(p);
    const den = b.add(norm(g), b.mul(pn, weightDecay));
    const ratio = safeRatio(b.mul(pn, trustCoefficient), den, eps);
    const d = weightDecay === 0 ? g : b.add(g, b.mul(p, weightDecay));
    return b.mul(d, ratio);
  });
}
