import { checkHyperparam } from '../hyperparams.js';
import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';
import type { EmptyState } from './scale.js';

/**
 * Clips every update element to `[−maxDelta, maxDelta]` (optax's `clip`).
 *
 * ```text
 * u ← min(max(u, −δ), δ)
 * ```
 *
 * @param maxDelta - `δ ≥ 0`.
 * @returns A stateless transformation.
 *
 * @example
 * ```ts
 * const tx = chain(clip(1), sgd(0.1));
 * ```
 */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  const where = 'clip';
  checkHyperparam(where, 'maxDelta', maxDelta);
  return {
    name: where,
    init: () => ({}),
    update: (grads, state) => [
      mapTrees([grads], ([g]) => g.backend.binary('minimum', g.backend.binary('maximum', g, -maxDelta), maxDelta), {
        where,
        labels: ['update'],
      }),
      state,
    ],
  };
}
