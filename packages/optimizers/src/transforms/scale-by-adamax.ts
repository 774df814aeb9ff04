import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByAdamax}: the step count, the first moment and the infinity norm. */
export type ScaleByAdamaxState = {
  /** Updates made so far (the step of the bias correction). */
  readonly count: number;
  /** First moment: the moving average of the gradients. */
  readonly mu: Params;
  /** The exponentially weighted infinity norm of the gradients. */
  readonly nu: Params;
};

/** Options of {@link scaleByAdamax}. */
export interface ScaleByAdamaxOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the infinity norm (default 0.999). */
  readonly b2?: number;
  /** Guard against division by zero (default 1e-8). */
  readonly eps?: number;
  /**
   * Where `eps` goes: `max(b2·ν, |g| + ε)` (default true: optax and PyTorch) or added to the
   * denominator, `m̂ / (max(b2·ν, |g|) + ε)` (false: TensorFlow and TensorFlow.js).
   */
  readonly epsInMax?: boolean;
}

/** Defaults of {@link scaleByAdamax}'s options, shared with {@link adamax} and {@link adamaxw}. */
export const SCALE_BY_ADAMAX_DEFAULTS = { b1: 0.9, b2: 0.999, eps: 1e-8, epsInMax: true } as const;

/**
 * Rescales updates by Adam's first moment over an exponentially weighted infinity norm: Adamax
 * (optax's `scale_by_adamax`).
 *
 * ```text
 * t ← t + 1
 * m ← b1·m + (1 − b1)·g
 * ν ← max(b2·ν, |g| + ε)          (epsInMax = false: ν ← max(b2·ν, |g|))
 * u = m / ((1 − b1ᵗ)·ν)           (epsInMax = false: u = m / ((1 − b1ᵗ)·(ν + ε)))
 * ```
 *
 * @param options - See {@link ScaleByAdamaxOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdamax(), scaleByLearningRate(2e-3));
 * ```
 *
 * Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization", section 7.1 (https://arxiv.org/abs/1412.6980).
 */
export function scaleByAdamax(options: ScaleByAdamaxOptions = {}): GradientTransformation<ScaleByAdamaxState> {
  const {
    b1 = SCALE_BY_ADAMAX_DEFAULTS.b1,
    b2 = SCALE_BY_ADAMAX_DEFAULTS.b2,
    eps = SCALE_BY_ADAMAX_DEFAULTS.eps,
    epsInMax = SCALE_BY_ADAMAX_DEFAULTS.epsInMax,
  } = checkOptions('scaleByAdamax', options, { b1: true, b2: true, eps: true, epsInMax: true });
  const where = 'scaleByAdamax';
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      const c1 = 1 - Math.pow(b1, count);
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, n]) => {
          const b = g.backend;
          const m2 = ema(m, g, b1);
          const absG = b.unary('abs', g);
          const n2 = b.binary('maximum', b.mul(n, b2), epsInMax ? b.add(absG, eps) : absG);
          const u = b.div(b.div(m2, c1), epsInMax ? n2 : b.add(n2, eps));
          return [u, m2, n2];
        },
        { where, labels: ['update', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
  };
}
