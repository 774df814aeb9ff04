import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';

/** The state of {@link scaleByRss}: the running sum of squared gradients. */
export type ScaleByRssState = {
  /** The running sum of the squared gradients. */
  readonly sumOfSquares: Params;
};

/** Options of {@link scaleByRss}. */
export interface ScaleByRssOptions {
  /** Starting value of the sum (default 0.1, as optax and TensorFlow; PyTorch uses 0). */
  readonly initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-7, as optax and TensorFlow.js; PyTorch uses 1e-10 outside the root). */
  readonly eps?: number;
  /** `g / √(G + ε)` (default true: optax, TensorFlow) or `g / (√G + ε)` (false: PyTorch). */
  readonly epsInSqrt?: boolean;
}

/** Defaults of {@link scaleByRss}'s options, shared with {@link adagrad}. */
export const SCALE_BY_RSS_DEFAULTS = { initialAccumulatorValue: 0.1, eps: 1e-7, epsInSqrt: true } as const;

/**
 * Rescales updates by the root of the sum of all squared gradients so far: AdaGrad's rescaling
 * (optax's `scale_by_rss`).
 *
 * ```text
 * G ← G + g²
 * u = g / √(G + ε)        or   g / (√G + ε)
 * ```
 *
 * Where both `G` and `ε` are zero the update is zero.
 *
 * @param options - See {@link ScaleByRssOptions}.
 * @returns A transformation whose state is `{ sumOfSquares }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByRss(), scaleByLearningRate(0.1));
 * ```
 *
 * Duchi, Hazan and Singer, 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic
 * Optimization" (https://jmlr.org/papers/v12/duchi11a.html).
 */
export function scaleByRss(options: ScaleByRssOptions = {}): GradientTransformation<ScaleByRssState> {
  const {
    initialAccumulatorValue = SCALE_BY_RSS_DEFAULTS.initialAccumulatorValue,
    eps = SCALE_BY_RSS_DEFAULTS.eps,
    epsInSqrt = SCALE_BY_RSS_DEFAULTS.epsInSqrt,
  } = checkOptions('scaleByRss', options, { initialAccumulatorValue: true, eps: true, epsInSqrt: true });
  const where = 'scaleByRss';
  checkHyperparam(where, 'initialAccumulatorValue', initialAccumulatorValue);
  checkHyperparam(where, 'eps', eps);
  const guard = eps === 0;
  return {
    name: where,
    init: (params) => ({ sumOfSquares: zerosLike(params, initialAccumulatorValue) }),
    update(grads, state) {
      const [updates, sumOfSquares] = mapTreesN(
        2,
        [grads, stateTree(state, 'sumOfSquares', where)],
        ([g, acc]) => {
          const b = g.backend;
          const acc2 = b.add(acc, b.unary('square', g));
          let u = epsInSqrt ? b.div(g, b.unary('sqrt', b.add(acc2, eps))) : b.div(g, b.add(b.unary('sqrt', acc2), eps));
          if (guard) u = b.where(b.compare('greater', acc2, 0), u, 0);
          return [u, acc2];
        },
        { where, labels: ['update', "state 'sumOfSquares'"] },
      );
      return [updates, { sumOfSquares }];
    },
  };
}
