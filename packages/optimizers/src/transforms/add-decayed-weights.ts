import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { maskSelects, type Mask } from '../mask.js';
import { mapTrees } from '../tree.js';
import type { GradientTransformation, HostStepContext } from '../types.js';
import { alias } from './math.js';
import { needParams } from './needs-params.js';
import type { EmptyState } from './scale.js';

/**
 * Adds decayed weights to the updates (optax's `add_decayed_weights`). Placed after an adaptive
 * rescaling (Adam), this is decoupled weight decay (AdamW); before it, L2 regularization.
 *
 * ```text
 * u ← u + λ·p        (for the parameters the mask selects; others pass unchanged)
 * ```
 *
 * @param weightDecay - `λ ≥ 0`.
 * @param options - Options:
 * @param options.mask - Which parameters decay: a predicate on the dotted name, or a tree of booleans (default all).
 * @returns A stateless transformation (needs `params` in `update`).
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdam(), addDecayedWeights(1e-2, { mask: (name) => !name.endsWith('bias') }), scaleByLearningRate(1e-3));
 * ```
 *
 * Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization" (https://arxiv.org/abs/1711.05101).
 */
export function addDecayedWeights(weightDecay: number, options: { mask?: Mask } = {}): GradientTransformation<EmptyState> {
  const { mask } = checkOptions('addDecayedWeights', options, { mask: true });
  const where = 'addDecayedWeights';
  checkHyperparam(where, 'weightDecay', weightDecay);
  return {
    name: where,
    init: () => ({}),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const updates = mapTrees(
        [grads, ps],
        ([u, p], name) => {
          if (weightDecay === 0 || !maskSelects(mask, name, p, where)) return alias(u);
          const b = u.backend;
          return b.add(u, b.mul(p.dtype === u.dtype ? p : b.cast(p, u.dtype), weightDecay));
        },
        { where, labels: ['update', 'parameter'], dtype: false },
      );
      return [updates, state];
    },
    // With a mask, which parameters take the number depends on their names: no declaration.
    ...(mask === undefined
      ? {
          hostStep(state: EmptyState, context: HostStepContext) {
            if (weightDecay !== 0) for (let i = 0; i < context.leaves; i++) context.literals.push(weightDecay);
            return state;
          },
        }
      : {}),
  };
}
