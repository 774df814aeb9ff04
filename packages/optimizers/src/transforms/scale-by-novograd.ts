import { checkOptions, flatten, unflatten, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { checkTrees, stateNumber, stateTree } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { alias } from './math.js';
import { needParams } from './needs-params.js';
import { noExtraEntries, stateLeaf } from './state-leaf.js';

/** The state of {@link scaleByNovograd}: the step count, the momentum, and one second moment per layer. */
export type ScaleByNovogradState = {
  /** Updates made so far. */
  readonly count: number;
  /** The momentum of the normalized gradients, per parameter. */
  readonly mu: Params;
  /** The second moment of each parameter's gradient norm: one rank-0 tensor per parameter. */
  readonly nu: Params;
};

/** Options of {@link scaleByNovograd}. */
export interface ScaleByNovogradOptions {
  /** Momentum (default 0.9). */
  readonly b1?: number;
  /** Decay of the layer-wise second moment (default 0.25). */
  readonly b2?: number;
  /** Added to the denominator outside the root (default 1e-6). */
  readonly eps?: number;
  /** Added inside the root (default 0). */
  readonly epsRoot?: number;
  /** Weight decay λ added to the normalized gradient, inside the momentum (default 0). */
  readonly weightDecay?: number;
}

/** Defaults of {@link scaleByNovograd}'s options, shared with {@link novograd}. */
export const SCALE_BY_NOVOGRAD_DEFAULTS = { b1: 0.9, b2: 0.25, eps: 1e-6, epsRoot: 0, weightDecay: 0 } as const;

/**
 * NovoGrad's direction (optax's `scale_by_novograd`): momentum over gradients normalized by a
 * moving average of their layer-wise squared norm, plus weight decay inside the momentum.
 *
 * ```text
 * t ← t + 1, per parameter (layer) l:
 * vₗ ← ‖gₗ‖²                                   (t = 1)
 * vₗ ← b2·vₗ + (1 − b2)·‖gₗ‖²                   (t > 1)
 * mₗ ← b1·mₗ + gₗ / (√(vₗ + ε_root) + ε) + λ·pₗ     (m starts at 0)
 * u = m
 * ```
 *
 * The norm `‖gₗ‖²` is a reduction, computed first and fed to the fused update program as a
 * scalar; the rest is elementwise. Conventions: as optax and Algorithm 1 of the paper, the
 * momentum adds the normalized gradient undamped (NVIDIA's PyTorch NovoGrad multiplies it by
 * `1 − b1` with `grad_averaging=True`), and the second moment is one number per parameter tensor.
 *
 * @param options - See {@link ScaleByNovogradOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }` (needs `params` when `weightDecay > 0`).
 *
 * @example
 * ```ts
 * const tx = chain(scaleByNovograd({ weightDecay: 1e-3 }), scaleByLearningRate(1e-2));
 * ```
 *
 * Ginsburg et al., 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments for
 * Training of Deep Networks" (https://arxiv.org/abs/1905.11286).
 */
export function scaleByNovograd(options: ScaleByNovogradOptions = {}): GradientTransformation<ScaleByNovogradState> {
  const where = 'scaleByNovograd';
  const {
    b1 = SCALE_BY_NOVOGRAD_DEFAULTS.b1,
    b2 = SCALE_BY_NOVOGRAD_DEFAULTS.b2,
    eps = SCALE_BY_NOVOGRAD_DEFAULTS.eps,
    epsRoot = SCALE_BY_NOVOGRAD_DEFAULTS.epsRoot,
    weightDecay = SCALE_BY_NOVOGRAD_DEFAULTS.weightDecay,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, epsRoot: true, weightDecay: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  checkHyperparam(where, 'weightDecay', weightDecay);
  return {
    name: where,
    init: (params) => ({
      count: 0,
      mu: unflatten(
        flatten(params, where).map(([n, p]) => [n, p.backend.zeros(p.shape, p.dtype)] as const),
        params,
      ),
      nu: unflatten(
        flatten(params, where).map(([n, p]) => [n, p.backend.zeros([], p.dtype)] as const),
        params,
      ),
    }),
    update(grads, state, params) {
      const count = stateNumber(state, 'count', where) + 1;
      const muTree = stateTree(state, 'mu', where);
      const nuTree = stateTree(state, 'nu', where);
      const trees = weightDecay > 0 ? [grads, muTree, needParams(params, where)] : [grads, muTree];
      const rows = checkTrees(trees, { where, labels: ['gradient', "state 'mu'", 'parameter'] });
      const nuLeaves = flatten(nuTree, where);
      noExtraEntries(where, 'nu', nuLeaves, new Set(rows.map(([n]) => n)));
      const nus = rows.map(([name, [g]]) => stateLeaf(where, nuTree, 'nu', name, [], g));
      if (!rows.length) return [grads, { count, mu: muTree, nu: nuTree }];
      const b = rows[0][1][0].backend;
      return b.scope(() => {
        const u: [string, Tensor][] = [];
        const n: [string, Tensor][] = [];
        rows.forEach(([name, [g, m, p]], i) => {
          const [m2, v2] = b.scope(() => {
            const sq = b.reduce('sum', b.unary('square', g));
            const v2 = count === 1 ? sq : b.add(b.mul(nus[i], b2), b.mul(sq, 1 - b2));
            let root = b.unary('sqrt', epsRoot !== 0 ? b.add(v2, epsRoot) : v2);
            root = b.add(root, eps);
            let step = b.div(g, root);
            if (weightDecay > 0) step = b.add(step, b.mul(p, weightDecay));
            return [count === 1 ? step : b.add(b.mul(m, b1), step), v2];
          });
          u.push([name, m2]);
          n.push([name, v2]);
        });
        const mu = unflatten(u, grads);
        // The updates are the momentum itself: a second handle on each new tensor.
        const updates = unflatten(
          u.map(([name, t]) => [name, alias(t)] as const),
          grads,
        );
        return [updates, { count, mu, nu: unflatten(n, grads) }];
      });
    },
  };
}
