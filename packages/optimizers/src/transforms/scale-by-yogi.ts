import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByYogi}: the step count and the two moments. */
export type ScaleByYogiState = {
  /** Updates made so far (the step of the bias correction). */
  readonly count: number;
  /** First moment: the moving average of the gradients. */
  readonly mu: Params;
  /** Second moment, moved additively towards g². */
  readonly nu: Params;
};

/** Options of {@link scaleByYogi}. */
export interface ScaleByYogiOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Rate of the second moment (default 0.999). */
  readonly b2?: number;
  /** Added to the denominator outside the root (default 1e-3, the paper's). */
  readonly eps?: number;
  /** Added inside the root (default 0). */
  readonly epsRoot?: number;
  /** Both moments start here (default 1e-6, as the paper's experiments and optax). */
  readonly initialAccumulatorValue?: number;
}

/** Defaults of {@link scaleByYogi}'s options, shared with {@link yogi}. */
export const SCALE_BY_YOGI_DEFAULTS = { b1: 0.9, b2: 0.999, eps: 1e-3, epsRoot: 0, initialAccumulatorValue: 1e-6 } as const;

/**
 * Yogi's rescaling (optax's `scale_by_yogi`): Adam whose second moment moves towards `g²` by a
 * step of fixed size `(1 − b2)·g²`, in the direction of the sign of the gap, so it cannot collapse
 * after a burst of large gradients as Adam's average does.
 *
 * ```text
 * t ← t + 1
 * m ← b1·m + (1 − b1)·g
 * v ← v − (1 − b2)·sign(v − g²)·g²
 * u = (m / (1 − b1ᵗ)) / (√(v / (1 − b2ᵗ) + ε_root) + ε)
 * ```
 *
 * Conventions: both moments start at `1e-6` and both are bias-corrected, as optax does; Algorithm 2
 * of the paper writes the update without bias correction (`u = m / (√v + ε)`), and TensorFlow
 * Addons' Yogi has L1/L2 terms this rule leaves to other transforms. Elementwise: one fused program.
 *
 * @param options - See {@link ScaleByYogiOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByYogi(), scaleByLearningRate(1e-2));
 * ```
 *
 * Zaheer et al., 2018, "Adaptive Methods for Nonconvex Optimization" (NeurIPS 2018,
 * https://papers.nips.cc/paper/8186-adaptive-methods-for-nonconvex-optimization).
 */
export function scaleByYogi(options: ScaleByYogiOptions = {}): GradientTransformation<ScaleByYogiState> {
  const where = 'scaleByYogi';
  const {
    b1 = SCALE_BY_YOGI_DEFAULTS.b1,
    b2 = SCALE_BY_YOGI_DEFAULTS.b2,
    eps = SCALE_BY_YOGI_DEFAULTS.eps,
    epsRoot = SCALE_BY_YOGI_DEFAULTS.epsRoot,
    initialAccumulatorValue = SCALE_BY_YOGI_DEFAULTS.initialAccumulatorValue,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, epsRoot: true, initialAccumulatorValue: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  checkHyperparam(where, 'initialAccumulatorValue', initialAccumulatorValue);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params, initialAccumulatorValue), nu: zerosLike(params, initialAccumulatorValue) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      const c1 = 1 - b1 ** count;
      const c2 = 1 - b2 ** count;
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, v]) => {
          const b = g.backend;
          const g2 = b.unary('square', g);
          const m2 = ema(m, g, b1);
          const v2 = b.sub(v, b.mul(b.mul(b.unary('sign', b.sub(v, g2)), g2), 1 - b2));
          let vHat = b.mul(v2, 1 / c2);
          if (epsRoot !== 0) vHat = b.add(vHat, epsRoot);
          return [b.div(b.mul(m2, 1 / c1), b.add(b.unary('sqrt', vHat), eps)), m2, v2];
        },
        { where, labels: ['update', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
  };
}
