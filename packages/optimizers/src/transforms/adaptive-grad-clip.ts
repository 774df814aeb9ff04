import { checkOptions } from '@downhill/backend';
import type { Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';
import { needParams } from './needs-params.js';
import type { EmptyState } from './scale.js';
import { sameDType } from './layerwise.js';

/**
 * Unit-wise norms: for rank ≤ 1, the norm of the whole tensor; for higher ranks, one norm per
 * slice along the last axis (per output unit of a `[in, out]` kernel or an HWIO convolution),
 * kept with size-1 axes so it broadcasts against the tensor.
 */
export function unitwiseNorm(x: Tensor): Tensor {
  const b = x.backend;
  const axes = x.rank <= 1 ? undefined : Array.from({ length: x.rank - 1 }, (_, i) => i);
  return b.unary('sqrt', b.reduce('sum', b.unary('square', x), axes, true));
}

/**
 * Adaptive gradient clipping (AGC): clips each unit's gradient so that its norm is at most a
 * fraction of the unit's parameter norm (optax's `adaptive_grad_clip`).
 *
 * ```text
 * m = λ · max(‖p‖ᵤ, ε)             (unit-wise norms, see unitwiseNorm)
 * u ← u                           where ‖u‖ᵤ < m
 * u ← u · m / max(‖u‖ᵤ, 1e-6)     elsewhere
 * ```
 *
 * @param clipping - The largest allowed ratio `λ` of gradient norm to parameter norm (> 0).
 * @param options - Options:
 * @param options.eps - Lower bound of the parameter norm, so zero-initialized units can move (default 1e-3).
 * @returns A stateless transformation (needs `params`).
 *
 * @example
 * ```ts
 * const tx = chain(adaptiveGradClip(0.01), sgd(0.1, { momentum: 0.9 }));
 * ```
 *
 * Brock et al., 2021, "High-Performance Large-Scale Image Recognition Without Normalization" (https://arxiv.org/abs/2102.06171).
 */
export function adaptiveGradClip(clipping: number, options: { eps?: number } = {}): GradientTransformation<EmptyState> {
  const { eps = 1e-3 } = checkOptions('adaptiveGradClip', options, { eps: true });
  const where = 'adaptiveGradClip';
  checkHyperparam(where, 'clipping', clipping);
  checkHyperparam(where, 'eps', eps);
  return {
    name: where,
    init: () => ({}),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const updates = mapTrees(
        [grads, ps],
        ([g, p]) => {
          const b = g.backend;
          const maxNorm = b.mul(b.binary('maximum', unitwiseNorm(sameDType(p, g)), eps), clipping);
          const gn = unitwiseNorm(g);
          const clipped = b.mul(g, b.div(maxNorm, b.binary('maximum', gn, 1e-6)));
          return b.where(b.compare('less', gn, maxNorm), g, clipped);
        },
        { where, labels: ['update', 'parameter'], dtype: false },
      );
      return [updates, state];
    },
  };
}
