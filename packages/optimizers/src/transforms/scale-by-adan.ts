import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByAdan}: the step count, the three moments and the previous gradient. */
export type ScaleByAdanState = {
  /** Updates made so far. */
  readonly count: number;
  /** m: the moving average of the gradients. */
  readonly mu: Params;
  /** d: the moving average of the gradient differences `g − g_prev`. */
  readonly delta: Params;
  /** n: the moving average of `(g + b2·(g − g_prev))²`. */
  readonly nu: Params;
  /** The previous gradient. */
  readonly prevGrad: Params;
};

/** Options of {@link scaleByAdan}. */
export interface ScaleByAdanOptions {
  /** Decay of the gradient average (default 0.98; the paper's 1 − β₁ = 0.02). */
  readonly b1?: number;
  /** Decay of the difference average, and weight of the difference (default 0.92; the paper's 1 − β₂). */
  readonly b2?: number;
  /** Decay of the second moment (default 0.99; the paper's 1 − β₃). */
  readonly b3?: number;
  /** Added to the denominator outside the root (default 1e-8). */
  readonly eps?: number;
  /** Added inside the root (default 0). */
  readonly epsRoot?: number;
}

/** Defaults of {@link scaleByAdan}'s options, shared with {@link adan}. */
export const SCALE_BY_ADAN_DEFAULTS = { b1: 0.98, b2: 0.92, b3: 0.99, eps: 1e-8, epsRoot: 0 } as const;

/**
 * Adan's direction: Nesterov momentum estimated from gradient differences (Xie et al. 2022),
 * as the authors' reference code computes it.
 *
 * ```text
 * t ← t + 1,   δ = g − g_prev  (0 at the first step)
 * m ← b1·m + (1 − b1)·g
 * d ← b2·d + (1 − b2)·δ
 * n ← b3·n + (1 − b3)·(g + b2·δ)²
 * u = (m / (1 − b1ᵗ) + b2 · d / (1 − b2ᵗ)) / (√(n / (1 − b3ᵗ) + ε_root) + ε)
 * ```
 *
 * Conventions: the betas are the decays (0.98, 0.92, 0.99), i.e. one minus the paper's β's, as in
 * the reference code (sail-sg/Adan, adan.py) and optax. The difference is weighted by `b2` (the
 * paper's `1 − β₂`) in `n` and in `u`, as in Algorithm 1 and the reference code; optax's
 * `scale_by_adan` (commit 2edbcbe) weighs it by `1 − b2` in both places instead. The first
 * difference is zero (the reference starts `g_prev` at the first gradient). Elementwise: one fused
 * update program.
 *
 * @param options - See {@link ScaleByAdanOptions}.
 * @returns A transformation whose state is `{ count, mu, delta, nu, prevGrad }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdan(), scaleByLearningRate(1e-3));
 * ```
 *
 * Xie et al., 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models" (https://arxiv.org/abs/2208.06677).
 */
export function scaleByAdan(options: ScaleByAdanOptions = {}): GradientTransformation<ScaleByAdanState> {
  const where = 'scaleByAdan';
  const {
    b1 = SCALE_BY_ADAN_DEFAULTS.b1,
    b2 = SCALE_BY_ADAN_DEFAULTS.b2,
    b3 = SCALE_BY_ADAN_DEFAULTS.b3,
    eps = SCALE_BY_ADAN_DEFAULTS.eps,
    epsRoot = SCALE_BY_ADAN_DEFAULTS.epsRoot,
  } = checkOptions(where, options, { b1: true, b2: true, b3: true, eps: true, epsRoot: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'b3', b3);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), delta: zerosLike(params), nu: zerosLike(params), prevGrad: zerosLike(params) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      const first = count === 1;
      const [c1, c2, c3] = [1 - b1 ** count, 1 - b2 ** count, 1 - b3 ** count];
      const [updates, mu, delta, nu, prevGrad] = mapTreesN(
        5,
        [
          grads,
          stateTree(state, 'mu', where),
          stateTree(state, 'delta', where),
          stateTree(state, 'nu', where),
          stateTree(state, 'prevGrad', where),
        ],
        ([g, m, d, n, gp]) => {
          const b = g.backend;
          const diff = first ? b.mul(g, 0) : b.sub(g, gp);
          const m2 = ema(m, g, b1);
          const d2 = ema(d, diff, b2);
          const n2 = ema(n, b.unary('square', b.add(g, b.mul(diff, b2))), b3);
          let nHat = b.mul(n2, 1 / c3);
          if (epsRoot !== 0) nHat = b.add(nHat, epsRoot);
          const num = b.add(b.mul(m2, 1 / c1), b.mul(d2, b2 / c2));
          const u = b.div(num, b.add(b.unary('sqrt', nHat), eps));
          return [u, m2, d2, n2, b.mul(g, 1)];
        },
        { where, labels: ['update', "state 'mu'", "state 'delta'", "state 'nu'", "state 'prevGrad'"] },
      );
      return [updates, { count, mu, delta, nu, prevGrad }];
    },
  };
}
