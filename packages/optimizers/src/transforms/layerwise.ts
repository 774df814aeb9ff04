import type { Tensor } from '@downhill/backend';
import { maskSelects, type Mask } from '../mask.js';
import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';
import { alias } from './math.js';
import { needParams } from './needs-params.js';
import type { EmptyState } from './scale.js';

/**
 * A stateless transformation that rewrites each selected parameter's update from the update and
 * the parameter (layer-wise rules such as LAMB's and LARS's trust ratios); parameters the mask
 * leaves out pass unchanged. The parameter comes in the update's dtype.
 *
 * @param where - The transformation's name, for errors.
 * @param mask - Which parameters the rule applies to (all when undefined).
 * @param rule - The new update of one selected parameter.
 * @internal
 */
export function layerwise(
  where: string,
  mask: Mask | undefined,
  rule: (update: Tensor, param: Tensor) => Tensor,
): GradientTransformation<EmptyState> {
  return {
    name: where,
    init: () => ({}),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const updates = mapTrees([grads, ps], ([u, p], name) => (maskSelects(mask, name, p, where) ? rule(u, sameDType(p, u)) : alias(u)), {
        where,
        labels: ['update', 'parameter'],
        dtype: false,
      });
      return [updates, state];
    },
  };
}

/** `p` in `like`'s dtype. @internal */
export function sameDType(p: Tensor, like: Tensor): Tensor {
  return p.dtype === like.dtype ? p : p.backend.cast(p, like.dtype);
}

/** `num / (den + eps)`, or 1 where `num` or `den` is zero (rank-0 tensors). @internal */
export function safeRatio(num: Tensor, den: Tensor, eps: number): Tensor {
  const b = num.backend;
  const ratio = b.div(num, b.add(den, eps));
  return b.where(b.compare('equal', num, 0), 1, b.where(b.compare('equal', den, 0), 1, ratio));
}
