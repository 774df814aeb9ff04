import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByRadam}: the step count and the moments. */
export type ScaleByRadamState = {
  /** Updates made so far (the step of the rectification). */
  readonly count: number;
  /** First moment: the moving average of the gradients. */
  readonly mu: Params;
  /** Second moment: the moving average of the squared gradients. */
  readonly nu: Params;
};

/** Options of {@link scaleByRadam}. */
export interface ScaleByRadamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number;
  /** Added to the denominator outside the square root (default 1e-8). */
  readonly eps?: number;
  /** Added inside the square root (default 0). */
  readonly epsRoot?: number;
  /** Rectify once the length of the approximated simple moving average `ρₜ` reaches this (default 5; at least 4, where the rectification term is real). */
  readonly threshold?: number;
}

/** Defaults of {@link scaleByRadam}'s options, shared with {@link radam}. */
export const SCALE_BY_RADAM_DEFAULTS = { b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, threshold: 5 } as const;

/**
 * Rectified Adam: momentum SGD while the variance of the adaptive rate is intractable, then Adam
 * scaled by the rectification term (optax's `scale_by_radam`).
 *
 * ```text
 * t ← t + 1;  m ← b1·m + (1 − b1)·g;  v ← b2·v + (1 − b2)·g²;  m̂ = m / (1 − b1ᵗ)
 * ρ∞ = 2 / (1 − b2) − 1,   ρₜ = ρ∞ − 2·t·b2ᵗ / (1 − b2ᵗ)
 * if ρₜ ≥ threshold:  r = √( (ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ) ),
 *                     u = r · m̂ / (√(v / (1 − b2ᵗ) + ε_root) + ε)
 * else:               u = m̂
 * ```
 *
 * The branch depends on the step count only, so it is decided on the host.
 *
 * @param options - See {@link ScaleByRadamOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByRadam(), scaleByLearningRate(1e-3));
 * ```
 *
 * Liu et al., 2020, "On the Variance of the Adaptive Learning Rate and Beyond" (https://arxiv.org/abs/1908.03265).
 */
export function scaleByRadam(options: ScaleByRadamOptions = {}): GradientTransformation<ScaleByRadamState> {
  const {
    b1 = SCALE_BY_RADAM_DEFAULTS.b1,
    b2 = SCALE_BY_RADAM_DEFAULTS.b2,
    eps = SCALE_BY_RADAM_DEFAULTS.eps,
    epsRoot = SCALE_BY_RADAM_DEFAULTS.epsRoot,
    threshold = SCALE_BY_RADAM_DEFAULTS.threshold,
  } = checkOptions('scaleByRadam', options, { b1: true, b2: true, eps: true, epsRoot: true, threshold: true });
  const where = 'scaleByRadam';
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  checkHyperparam(where, 'threshold', threshold);
  const rhoInf = 2 / (1 - b2) - 1;
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      const c1 = 1 - Math.pow(b1, count);
      const b2t = Math.pow(b2, count);
      const c2 = 1 - b2t;
      const rhoT = rhoInf - (2 * count * b2t) / c2;
      const rectify = rhoT >= threshold;
      const r = rectify ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 1;
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, v]) => {
          const b = g.backend;
          const m2 = ema(m, g, b1);
          const v2 = ema(v, b.unary('square', g), b2);
          const mHat = b.div(m2, c1);
          if (!rectify) return [mHat, m2, v2];
          let vHat = b.div(v2, c2);
          if (epsRoot !== 0) vHat = b.add(vHat, epsRoot);
          return [b.mul(b.div(mHat, b.add(b.unary('sqrt', vHat), eps)), r), m2, v2];
        },
        { where, labels: ['update', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
  };
}
