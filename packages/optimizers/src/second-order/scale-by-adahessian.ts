import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { checkHyperparam, checkNamedHyperparam } from '../hyperparams.js';
import { isTraced } from '../program/tracing-backend.js';
import { needParams } from '../transforms/needs-params.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { releaseReturned } from './callback-trees.js';
import { checkEvery, checkSource, requestEstimate, type HessianEstimate } from './scale-by-sophia.js';

/** The state of {@link scaleByAdaHessian}: steps, estimates taken, and the two moments. */
export type ScaleByAdaHessianState = {
  /** Updates made so far (the first moment's bias correction). */
  readonly count: number;
  /** Hessian estimates taken so far (the second moment's bias correction). */
  readonly hessianCount: number;
  /** The moving average of the gradients. */
  readonly mu: Params;
  /** The moving average of the squared Hessian-diagonal estimates. */
  readonly nu: Params;
};

/** Options of {@link scaleByAdaHessian}. */
export interface ScaleByAdaHessianOptions {
  /** Decay of the gradient EMA (default 0.9). */
  readonly b1?: number;
  /** Decay of the EMA of squared estimates (default 0.999). */
  readonly b2?: number;
  /** Added to the denominator (default 1e-4, the authors'). */
  readonly eps?: number;
  /** The Hessian power k in `(√v̂)ᵏ`, in [0, 1] (default 1; the authors suggest trying 0.5). */
  readonly hessianPower?: number;
  /** Ask for a new estimate every k steps (default 1: every step, as the paper). */
  readonly updateEvery?: number;
  /** Where the estimates come from (required). */
  readonly hessianEstimate?: HessianEstimate;
}

/** Defaults of {@link scaleByAdaHessian}'s options, shared with {@link adahessian}. */
export const SCALE_BY_ADAHESSIAN_DEFAULTS = { b1: 0.9, b2: 0.999, eps: 1e-4, hessianPower: 1, updateEvery: 1 } as const;

/**
 * AdaHessian's direction: Adam with the squared gradient replaced by the squared Hessian-diagonal
 * estimate (see `adahessian`).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g,   t ← t + 1
 * every k steps:  D = hessianEstimate(θ);  v ← b2·v + (1 − b2)·D²;  n ← n + 1
 * u = (m / (1 − b1ᵗ)) / ((√v / √(1 − b2ⁿ))ᵖ + ε)
 * ```
 *
 * Elementwise: one update program per parameter where the backend compiles programs.
 *
 * @param options - See {@link ScaleByAdaHessianOptions}.
 * @returns A transformation whose state is `{ count, hessianCount, mu, nu }`.
 * @throws MissingHessianEstimateError without `hessianEstimate`, or when it returns nothing on a step that needs one.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdaHessian({ hessianEstimate }), scaleByLearningRate(0.15));
 * ```
 *
 * Yao et al., 2021, "ADAHESSIAN: An Adaptive Second Order Optimizer for Machine Learning", AAAI
 * (https://arxiv.org/abs/2006.00719).
 */
export function scaleByAdaHessian(options: ScaleByAdaHessianOptions = {}): GradientTransformation<ScaleByAdaHessianState> {
  const where = 'adahessian';
  const {
    b1 = SCALE_BY_ADAHESSIAN_DEFAULTS.b1,
    b2 = SCALE_BY_ADAHESSIAN_DEFAULTS.b2,
    eps = SCALE_BY_ADAHESSIAN_DEFAULTS.eps,
    hessianPower = SCALE_BY_ADAHESSIAN_DEFAULTS.hessianPower,
    updateEvery = SCALE_BY_ADAHESSIAN_DEFAULTS.updateEvery,
    hessianEstimate,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, hessianPower: true, updateEvery: true, hessianEstimate: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  if (!(checkNamedHyperparam(where, 'hessianPower', hessianPower) >= 0 && hessianPower <= 1)) {
    throw new InvalidArgumentError(`${where}: 'hessianPower' must be in [0, 1], got ${hessianPower}`);
  }
  const k = checkEvery(where, updateEvery);
  const source = checkSource(where, hessianEstimate);
  return {
    name: where,
    init: (params) => ({ count: 0, hessianCount: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state, params) {
      const count = stateNumber(state, 'count', where);
      const hessianCount = stateNumber(state, 'hessianCount', where);
      const mu = stateTree(state, 'mu', where);
      const nu = stateTree(state, 'nu', where);
      const due = count % k === 0;
      const estimate = due ? requestEstimate(where, source, needParams(params, where), count) : undefined;
      const traced = isTraced(grads);
      const t = count + 1;
      const n = hessianCount + (due ? 1 : 0);
      const c1 = 1 / (1 - b1 ** t);
      const c2 = n === 0 ? 1 : 1 / Math.sqrt(1 - b2 ** n) ** hessianPower;
      try {
        const [u, mu2, nu2] = mapTreesN(
          due ? 3 : 2,
          due ? [grads, mu, nu, estimate!] : [grads, mu, nu],
          ([g, m, v, d]) => {
            const b = g.backend;
            const m2 = b.add(b.mul(m, b1), b.mul(g, 1 - b1));
            const v2 = d ? b.add(b.mul(v, b2), b.mul(b.unary('square', d), 1 - b2)) : v;
            let root = b.unary('sqrt', v2);
            if (hessianPower !== 1) root = b.binary('pow', root, hessianPower);
            const u = b.div(b.mul(m2, c1), b.add(b.mul(root, c2), eps));
            return d ? [u, m2, v2] : [u, m2];
          },
          { where, labels: ['update', "state 'mu'", "state 'nu'", 'Hessian estimate'] },
        );
        return [u, { count: t, hessianCount: n, mu: mu2, nu: due ? nu2 : nu }];
      } finally {
        releaseReturned(estimate, traced, grads, params, state);
      }
    },
  };
}
