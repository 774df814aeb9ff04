import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByRms}: the mean square `nu`, and the mean `mu` when centered. */
export type ScaleByRmsState = {
  /** The moving average of the squared gradients. */
  readonly nu: Params;
  /** When centered: the moving average of the gradients. */
  readonly mu?: Params;
};

/** Options of {@link scaleByRms}. */
export interface ScaleByRmsOptions {
  /** Decay of the running averages (default 0.9). */
  readonly decay?: number;
  /** Added to the denominator (default 1e-8). */
  readonly eps?: number;
  /** Put `eps` inside the square root, `g / √(s + ε)` (TensorFlow's and optax's convention), instead of `g / (√s + ε)` (PyTorch's; default false). */
  readonly epsInSqrt?: boolean;
  /** Divide by the standard deviation, `s = max(ν − μ², 0)` (clamped: rounded, the difference can fall just below 0), instead of the root mean square (default false). */
  readonly centered?: boolean;
  /** Starting value of `ν` (default 0). */
  readonly initialScale?: number;
}

/** Defaults of {@link scaleByRms}'s options, shared with {@link rmsprop}. */
export const SCALE_BY_RMS_DEFAULTS = { decay: 0.9, eps: 1e-8, epsInSqrt: false, centered: false, initialScale: 0 } as const;

/**
 * Rescales updates by the root of a running mean of squared gradients (RMSProp's rescaling;
 * optax's `scale_by_rms` and `scale_by_stddev`).
 *
 * ```text
 * ν ← ρ·ν + (1 − ρ)·g²
 * μ ← ρ·μ + (1 − ρ)·g                       (centered)
 * s = max(ν − μ², 0) (centered)  or  ν
 * u = g / (√s + ε)        or, with epsInSqrt,  u = g / √(s + ε)
 * ```
 *
 * @param options - See {@link ScaleByRmsOptions}.
 * @returns A transformation whose state is `{ nu }`, plus `mu` when centered.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByRms({ decay: 0.99 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Tieleman and Hinton, 2012, Lecture 6.5 of "Neural Networks for Machine Learning" (Coursera);
 * Graves, 2013, "Generating Sequences With Recurrent Neural Networks" (centered).
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const {
    decay = SCALE_BY_RMS_DEFAULTS.decay,
    eps = SCALE_BY_RMS_DEFAULTS.eps,
    epsInSqrt = SCALE_BY_RMS_DEFAULTS.epsInSqrt,
    centered = SCALE_BY_RMS_DEFAULTS.centered,
    initialScale = SCALE_BY_RMS_DEFAULTS.initialScale,
  } = checkOptions('scaleByRms', options, { decay: true, eps: true, epsInSqrt: true, centered: true, initialScale: true });
  const where = 'scaleByRms';
  checkHyperparam(where, 'decay', decay);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'initialScale', initialScale);
  return {
    name: where,
    init: (params) => ({ nu: zerosLike(params, initialScale), ...(centered ? { mu: zerosLike(params) } : {}) }),
    update(grads, state) {
      const trees = [grads, stateTree(state, 'nu', where)];
      if (centered) trees.push(stateTree(state, 'mu', where));
      const [updates, nu, mu] = mapTreesN(
        centered ? 3 : 2,
        trees,
        ([g, n, m]) => {
          const b = g.backend;
          const n2 = ema(n, b.unary('square', g), decay);
          const m2 = centered ? ema(m, g, decay) : undefined;
          // ν − μ² is a variance; rounded, it can fall just below 0: clamp so that its root is never NaN.
          const s = m2 ? b.binary('maximum', b.sub(n2, b.unary('square', m2)), 0) : n2;
          const u = epsInSqrt ? b.div(g, b.unary('sqrt', b.add(s, eps))) : b.div(g, b.add(b.unary('sqrt', s), eps));
          return m2 ? [u, n2, m2] : [u, n2];
        },
        { where, labels: ['update', "state 'nu'", "state 'mu'"] },
      );
      return [updates, centered ? { nu, mu } : { nu }];
    },
    hostStep(state, context) {
      const nu = stateTree(state, 'nu', where);
      // the closure's numbers, in the order it passes them
      const per = [decay, 1 - decay, ...(centered ? [decay, 1 - decay, 0] : []), eps];
      for (let i = 0; i < context.leaves; i++) context.literals.push(...per);
      return centered ? { nu, mu: stateTree(state, 'mu', where) } : { nu };
    },
  };
}
