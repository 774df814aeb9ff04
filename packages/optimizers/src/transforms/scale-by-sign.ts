import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';
import type { EmptyState } from './scale.js';

/**
 * Replaces each update by its sign (optax's `scale_by_sign`): signSGD's direction, and Signum's
 * after a momentum.
 *
 * ```text
 * u ← sign(u)        (−1, 0 or 1 per coordinate)
 * ```
 *
 * @returns A stateless transformation; elementwise, so part of the fused update program.
 *
 * @example
 * ```ts
 * const mySignSgd = chain(scaleBySign(), scaleByLearningRate(1e-3));
 * ```
 *
 * Bernstein et al., 2018, "signSGD: Compressed Optimisation for Non-Convex Problems" (https://arxiv.org/abs/1802.04434).
 */
export function scaleBySign(): GradientTransformation<EmptyState> {
  const where = 'scaleBySign';
  return {
    name: where,
    init: () => ({}),
    update: (grads, state) => [mapTrees([grads], ([g]) => g.backend.unary('sign', g), { where, labels: ['update'] }), state],
  };
}
