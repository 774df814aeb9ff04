import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByBelief}: the step count, the first moment and the belief. */
export type ScaleByBeliefState = {
  /** Updates made so far (the step of the bias correction). */
  readonly count: number;
  /** First moment m: the moving average of the gradients. */
  readonly mu: Params;
  /** The belief s: the moving average of the squared deviation of the gradient from m (plus ε_root). */
  readonly nu: Params;
};

/** Options of {@link scaleByBelief}. */
export interface ScaleByBeliefOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the belief (default 0.999). */
  readonly b2?: number;
  /** Added to the denominator outside the root (default 1e-16, the paper's). */
  readonly eps?: number;
  /** Added to the belief at every step, inside the root (default 1e-16, the paper's). */
  readonly epsRoot?: number;
}

/** Defaults of {@link scaleByBelief}'s options, shared with {@link adabelief}. */
export const SCALE_BY_BELIEF_DEFAULTS = { b1: 0.9, b2: 0.999, eps: 1e-16, epsRoot: 1e-16 } as const;

/**
 * Rescales updates by the belief in the gradient: AdaBelief's direction (optax's `scale_by_belief`).
 *
 * ```text
 * t ← t + 1
 * m ← b1·m + (1 − b1)·g
 * s ← b2·s + (1 − b2)·(g − m)² + ε_root
 * u = (m / (1 − b1ᵗ)) / (√(s / (1 − b2ᵗ)) + ε)
 * ```
 *
 * The deviation is taken from the new `m`, as in Algorithm 2 of the paper and its reference code
 * (juntang-zhuang/Adabelief-Optimizer, `adabelief_pytorch`), and `ε_root` is added to `s` itself,
 * so it accumulates in the state (as there and in optax). Elementwise: one fused update program.
 *
 * @param options - See {@link ScaleByBeliefOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByBelief({ b2: 0.99 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Zhuang et al., 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients" (https://arxiv.org/abs/2010.07468).
 */
export function scaleByBelief(options: ScaleByBeliefOptions = {}): GradientTransformation<ScaleByBeliefState> {
  const where = 'scaleByBelief';
  const {
    b1 = SCALE_BY_BELIEF_DEFAULTS.b1,
    b2 = SCALE_BY_BELIEF_DEFAULTS.b2,
    eps = SCALE_BY_BELIEF_DEFAULTS.eps,
    epsRoot = SCALE_BY_BELIEF_DEFAULTS.epsRoot,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, epsRoot: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      const c1 = 1 - b1 ** count;
      const c2 = 1 - b2 ** count;
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, s]) => {
          const b = g.backend;
          const m2 = ema(m, g, b1);
          const s2 = b.add(ema(s, b.unary('square', b.sub(g, m2)), b2), epsRoot);
          const u = b.div(b.mul(m2, 1 / c1), b.add(b.unary('sqrt', b.mul(s2, 1 / c2)), eps));
          return [u, m2, s2];
        },
        { where, labels: ['update', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
    hostStep(state, context) {
      const count = stateNumber(state, 'count', where) + 1;
      const mu = stateTree(state, 'mu', where);
      const nu = stateTree(state, 'nu', where);
      // the closure's numbers, in the order it passes them
      const per = [b1, 1 - b1, b2, 1 - b2, epsRoot, 1 / (1 - b1 ** count), 1 / (1 - b2 ** count), eps];
      for (let i = 0; i < context.leaves; i++) context.literals.push(...per);
      return { count, mu, nu };
    },
  };
}
