import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { needParams } from './needs-params.js';

/** The state of {@link scaleByAsgd}: the step count and the running average of the parameters. */
export type ScaleByAsgdState = {
  /** Updates made so far. */
  readonly count: number;
  /** The averaged parameters (PyTorch's `ax`): evaluate the model with these. */
  readonly average: Params;
};

/** Options of {@link scaleByAsgd}. */
export interface ScaleByAsgdOptions {
  /** The base learning rate η₀ (default 0.01). */
  readonly lr?: number;
  /** Decay term λ of the rate and the parameters (default 1e-4). */
  readonly lambd?: number;
  /** Power α of the rate's decay (default 0.75). */
  readonly alpha?: number;
  /** The step after which averaging starts (default 1e6). */
  readonly t0?: number;
  /** L2 weight decay added to the gradient (default 0). */
  readonly weightDecay?: number;
}

/** Defaults of {@link scaleByAsgd}'s options, shared with {@link asgd}. */
export const SCALE_BY_ASGD_DEFAULTS = { lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0 } as const;

/**
 * Averaged SGD (Polyak and Juditsky 1992) as PyTorch's `torch.optim.ASGD` defines it: SGD with a
 * decaying rate and a shrinking of the parameters, plus a running average of the iterates from
 * step `t0` on. The update is the SGD step; the average is state (`average`), for evaluation.
 *
 * ```text
 * t ← t + 1,   ηₜ = η₀ / (1 + λ·η₀·(t − 1))^α,   μₜ = 1 / max(1, t − 1 − t0)
 * g' = g + wd·p
 * u = −ηₜ·(λ·p + g')                       (p ← p·(1 − λ·ηₜ) − ηₜ·g')
 * a ← a + μₜ·(p + u − a)                   (a = p + u while t − 1 ≤ t0 + 1)
 * ```
 *
 * The rates ηₜ and μₜ of step t are those PyTorch computes at the end of step t − 1 (so the first
 * step uses η₀ and μ = 1). PyTorch keeps `ax` starting at zeros; here it starts at the parameters,
 * which is the same after the first step. The update is the parameter step itself (not scaled
 * by a learning rate afterwards). Elementwise: one fused update program.
 *
 * @param options - See {@link ScaleByAsgdOptions}.
 * @returns A transformation whose state is `{ count, average }` (needs `params`).
 *
 * @example
 * ```ts
 * const tx = scaleByAsgd({ lr: 0.01, t0: 100 });
 * ```
 *
 * Polyak and Juditsky, 1992, "Acceleration of Stochastic Approximation by Averaging" (SIAM J. Control Optim. 30(4));
 * Bottou, 2012, "Stochastic Gradient Descent Tricks", §5.3.
 */
export function scaleByAsgd(options: ScaleByAsgdOptions = {}): GradientTransformation<ScaleByAsgdState> {
  const where = 'scaleByAsgd';
  const {
    lr = SCALE_BY_ASGD_DEFAULTS.lr,
    lambd = SCALE_BY_ASGD_DEFAULTS.lambd,
    alpha = SCALE_BY_ASGD_DEFAULTS.alpha,
    t0 = SCALE_BY_ASGD_DEFAULTS.t0,
    weightDecay = SCALE_BY_ASGD_DEFAULTS.weightDecay,
  } = checkOptions(where, options, { lr: true, lambd: true, alpha: true, t0: true, weightDecay: true });
  checkHyperparam(where, 'lr', lr);
  checkHyperparam(where, 'weightDecay', weightDecay);
  for (const [k, v] of [
    ['lambd', lambd],
    ['alpha', alpha],
    ['t0', t0],
  ] as const)
    if (!(v >= 0 && Number.isFinite(v))) throw new InvalidArgumentError(`${where}: option '${k}' must be a finite number ≥ 0, got ${v}`);
  return {
    name: where,
    init: (params) => ({
      count: 0,
      average: mapTreesN(1, [params], ([p]) => [p.backend.mul(p, 1)], { where, labels: ['parameter'] })[0],
    }),
    update(grads, state, params) {
      const count = stateNumber(state, 'count', where) + 1;
      const eta = lr / (1 + lambd * lr * (count - 1)) ** alpha;
      const mu = 1 / Math.max(1, count - 1 - t0);
      const [updates, average] = mapTreesN(
        2,
        [grads, stateTree(state, 'average', where), needParams(params, where)],
        ([g, a, p]) => {
          const b = g.backend;
          const g2 = weightDecay > 0 ? b.add(g, b.mul(p, weightDecay)) : g;
          const u = b.unary('neg', b.add(b.mul(p, lambd * eta), b.mul(g2, eta)));
          const pNew = b.add(p, u);
          return [u, mu === 1 ? pNew : b.add(a, b.mul(b.sub(pNew, a), mu))];
        },
        { where, labels: ['update', "state 'average'", 'parameter'] },
      );
      return [updates, { count, average }];
    },
  };
}
