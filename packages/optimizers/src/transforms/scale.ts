import { checkHyperparam } from '../hyperparams.js';
import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';

/** The state of a transformation that keeps none. */
export type EmptyState = { readonly [key: string]: never };

/**
 * Scales every update by a constant (optax's `scale`).
 *
 * ```text
 * u ← factor · u
 * ```
 *
 * @param factor - The constant.
 * @returns A stateless transformation.
 *
 * @example
 * ```ts
 * const negate = scale(-1);
 * ```
 */
export function scale(factor: number): GradientTransformation<EmptyState> {
  checkHyperparam('scale', 'factor', factor);
  return {
    name: 'scale',
    init: () => ({}),
    update: (grads, state) => [mapTrees([grads], ([g]) => g.backend.mul(g, factor), { where: 'scale', labels: ['update'] }), state],
    hostStep(state, context) {
      for (let i = 0; i < context.leaves; i++) context.literals.push(factor);
      return state;
    },
  };
}
