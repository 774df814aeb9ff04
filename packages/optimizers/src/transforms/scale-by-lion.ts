import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByLion}: the momentum. */
export type ScaleByLionState = {
  /** The momentum: the moving average of the gradients. */
  readonly mu: Params;
};

/** Defaults of {@link scaleByLion}'s options, shared with {@link lion}. */
export const SCALE_BY_LION_DEFAULTS = { b1: 0.9, b2: 0.99 } as const;

/**
 * Lion's update: the sign of an interpolation between momentum and gradient (optax's
 * `scale_by_lion`).
 *
 * ```text
 * u = sign(b1·m + (1 − b1)·g)
 * m ← b2·m + (1 − b2)·g
 * ```
 *
 * @param options - Options:
 * @param options.b1 - Interpolation for the update (default 0.9).
 * @param options.b2 - Decay of the momentum (default 0.99).
 * @returns A transformation whose state is `{ mu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByLion(), scaleByLearningRate(1e-4));
 * ```
 *
 * Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms" (https://arxiv.org/abs/2302.06675).
 */
export function scaleByLion(options: { b1?: number; b2?: number } = {}): GradientTransformation<ScaleByLionState> {
  const { b1 = SCALE_BY_LION_DEFAULTS.b1, b2 = SCALE_BY_LION_DEFAULTS.b2 } = checkOptions('scaleByLion', options, { b1: true, b2: true });
  const where = 'scaleByLion';
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  return {
    name: where,
    init: (params) => ({ mu: zerosLike(params) }),
    update(grads, state) {
      const [updates, mu] = mapTreesN(
        2,
        [grads, stateTree(state, 'mu', where)],
        ([g, m]) => [g.backend.unary('sign', ema(m, g, b1)), ema(m, g, b2)],
        { where, labels: ['update', "state 'mu'"] },
      );
      return [updates, { mu }];
    },
  };
}
