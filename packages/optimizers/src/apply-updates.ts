import { mapTrees } from './tree.js';
import type { Params } from './types.js';

/**
 * The parameters after an update: `p + u` for every parameter (optax's `apply_updates`). An
 * update of another dtype is cast to its parameter's dtype first. Neither tree is modified.
 *
 * ```text
 * pᵢ' = pᵢ + cast(uᵢ, dtype(pᵢ))
 * ```
 *
 * @param params - The parameters.
 * @param updates - Updates with the parameters' names and shapes (from a transformation's `update`).
 * @returns New parameter tensors, in a tree shaped (and typed) like `params`.
 * @throws InvalidArgumentError or ShapeError naming the parameter when the trees do not match.
 *
 * @example
 * ```ts
 * const [updates, next] = tx.update(grads, state, params);
 * const newParams = applyUpdates(params, updates);
 * ```
 */
export function applyUpdates<P extends Params>(params: P, updates: Params): P {
  return mapTrees(
    [params, updates],
    ([p, u]) => {
      const b = p.backend;
      return b.add(p, u.dtype === p.dtype ? u : b.cast(u, p.dtype));
    },
    { where: 'applyUpdates', labels: ['parameter', 'update'], dtype: false },
  );
}
