import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByAdadelta}: running means of squared gradients and of squared updates. */
export type ScaleByAdadeltaState = {
  /** Running mean of the squared gradients. */
  readonly accumGrad: Params;
  /** Running mean of the squared updates. */
  readonly accumUpdate: Params;
};

/** Defaults of {@link scaleByAdadelta}'s options, shared with {@link adadelta}. */
export const SCALE_BY_ADADELTA_DEFAULTS = { rho: 0.9, eps: 1e-6 } as const;

/**
 * Rescales updates by the ratio of running RMS of past updates to that of gradients: Adadelta
 * (optax's `scale_by_adadelta`; PyTorch and TensorFlow.js agree).
 *
 * ```text
 * E[g²] ← ρ·E[g²] + (1 − ρ)·g²
 * u = √(E[Δ²] + ε) / √(E[g²] + ε) · g
 * E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·u²
 * ```
 *
 * @param options - Options:
 * @param options.rho - Decay of the running means (default 0.9).
 * @param options.eps - Added inside both roots (default 1e-6).
 * @returns A transformation whose state is `{ accumGrad, accumUpdate }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdadelta({ rho: 0.95 }), scaleByLearningRate(1));
 * ```
 *
 * Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method" (https://arxiv.org/abs/1212.5701).
 */
export function scaleByAdadelta(options: { rho?: number; eps?: number } = {}): GradientTransformation<ScaleByAdadeltaState> {
  const { rho = SCALE_BY_ADADELTA_DEFAULTS.rho, eps = SCALE_BY_ADADELTA_DEFAULTS.eps } = checkOptions('scaleByAdadelta', options, {
    rho: true,
    eps: true,
  });
  const where = 'scaleByAdadelta';
  checkHyperparam(where, 'rho', rho);
  checkHyperparam(where, 'eps', eps);
  return {
    name: where,
    init: (params) => ({ accumGrad: zerosLike(params), accumUpdate: zerosLike(params) }),
    update(grads, state) {
      const [updates, accumGrad, accumUpdate] = mapTreesN(
        3,
        [grads, stateTree(state, 'accumGrad', where), stateTree(state, 'accumUpdate', where)],
        ([g, eg, ex]) => {
          const b = g.backend;
          const eg2 = ema(eg, b.unary('square', g), rho);
          const u = b.mul(b.div(b.unary('sqrt', b.add(ex, eps)), b.unary('sqrt', b.add(eg2, eps))), g);
          const ex2 = ema(ex, b.unary('square', u), rho);
          return [u, eg2, ex2];
        },
        { where, labels: ['update', "state 'accumGrad'", "state 'accumUpdate'"] },
      );
      return [updates, { accumGrad, accumUpdate }];
    },
  };
}
