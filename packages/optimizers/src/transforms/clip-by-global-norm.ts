import type { Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { flatten, mapTrees } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import type { EmptyState } from './scale.js';

/**
 * The global norm of a tree: the Euclidean norm of all its elements together, as a rank-0
 * tensor in the first leaf's dtype (or `undefined` for an empty tree).
 *
 * @example
 * ```ts
 * const n = globalNorm(grads); // √(Σ‖gᵢ‖²)
 * ```
 */
export function globalNorm(tree: Params): Tensor | undefined {
  const leaves = flatten(tree, 'globalNorm');
  if (leaves.length === 0) return undefined;
  const b = leaves[0][1].backend;
  const dtype = leaves[0][1].dtype;
  return b.scope(() => {
    let sum: Tensor | undefined;
    for (const [, t] of leaves) {
      let s = b.reduce('sum', b.unary('square', t));
      if (s.dtype !== dtype) s = b.cast(s, dtype);
      sum = sum ? b.add(sum, s) : s;
    }
    return b.unary('sqrt', sum!);
  });
}

/**
 * Rescales all updates together so that their global norm is at most `maxNorm` (optax's
 * `clip_by_global_norm`). Computed on the device: no read-back.
 *
 * ```text
 * n = √(Σᵢ ‖uᵢ‖²)
 * u ← u · maxNorm / max(n, maxNorm)
 * ```
 *
 * @param maxNorm - The largest global norm allowed, > 0.
 * @returns A stateless transformation.
 *
 * @example
 * ```ts
 * const tx = chain(clipByGlobalNorm(1), adam(1e-3));
 * ```
 *
 * Pascanu, Mikolov and Bengio, 2013, "On the difficulty of training recurrent neural networks" (https://arxiv.org/abs/1211.5063).
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  const where = 'clipByGlobalNorm';
  checkHyperparam(where, 'maxNorm', maxNorm);
  return {
    name: where,
    init: () => ({}),
    update(grads, state) {
      const n = globalNorm(grads);
      if (!n) return [{}, state];
      const b = n.backend;
      try {
        const factor = b.scope(() => b.div(maxNorm, b.binary('maximum', n, maxNorm)));
        try {
          const updates = mapTrees([grads], ([g]) => b.mul(g, factor.dtype === g.dtype ? factor : b.cast(factor, g.dtype)), {
            where,
            labels: ['update'],
            dtype: false,
          });
          return [updates, state];
        } finally {
          factor.dispose();
        }
      } finally {
        n.dispose();
      }
    },
  };
}
