import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';

/** The state of {@link scaleByOptimisticGradient}: the step count and the previous update it was given. */
export type ScaleByOptimisticGradientState = {
  /** Updates made so far (0: no previous gradient yet). */
  readonly count: number;
  /** The previous incoming update (gradient, or Adam's direction). */
  readonly prev: Params;
};

/** Options of {@link scaleByOptimisticGradient}. */
export interface ScaleByOptimisticGradientOptions {
  /** Weight of the current gradient (default 1). */
  readonly alpha?: number;
  /** Optimism: weight of the extrapolation `g − g_prev` (default 1). */
  readonly beta?: number;
}

/** Defaults of {@link scaleByOptimisticGradient}'s options, shared with {@link optimisticGradientDescent} and {@link optimisticAdam}. */
export const SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS = { alpha: 1, beta: 1 } as const;

/**
 * Optimistic (extrapolated) gradients (optax's `scale_by_optimistic_gradient`): the current
 * gradient plus a correction predicting the next one, which damps the cycling of plain gradient
 * steps on min-max games.
 *
 * ```text
 * u = (α + β)·g − β·g_prev          (g_prev = g at the first step)
 * ```
 *
 * With α = β = 1 and a learning rate η this is Daskalakis et al.'s optimistic mirror descent,
 * `p ← p − 2η·gₜ + η·gₜ₋₁`. At the first step there is no previous gradient and `u = α·g`, as
 * optax does since its issue 1082 (a previous gradient of zero would double the first step). Elementwise: one fused
 * update program.
 *
 * @param options - See {@link ScaleByOptimisticGradientOptions}.
 * @returns A transformation whose state is `{ count, prev }`.
 *
 * @example
 * ```ts
 * const ogd = chain(scaleByOptimisticGradient(), scaleByLearningRate(1e-2));
 * ```
 *
 * Daskalakis, Ilyas, Syrgkanis and Zeng, 2018, "Training GANs with Optimism" (https://arxiv.org/abs/1711.00141);
 * Mokhtari, Ozdaglar and Pattathil, 2020, "A Unified Analysis of Extra-gradient and Optimistic Gradient Methods".
 */
export function scaleByOptimisticGradient(
  options: ScaleByOptimisticGradientOptions = {},
): GradientTransformation<ScaleByOptimisticGradientState> {
  const where = 'scaleByOptimisticGradient';
  const { alpha = SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS.alpha, beta = SCALE_BY_OPTIMISTIC_GRADIENT_DEFAULTS.beta } = checkOptions(
    where,
    options,
    { alpha: true, beta: true },
  );
  for (const [k, v] of [
    ['alpha', alpha],
    ['beta', beta],
  ] as const)
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`${where}: option '${k}' must be a finite number, got ${v}`);
  return {
    name: where,
    init: (params) => ({ count: 0, prev: zerosLike(params) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where);
      const [updates, prev] = mapTreesN(
        2,
        [grads, stateTree(state, 'prev', where)],
        ([g, gp]) => {
          const b = g.backend;
          const u = count === 0 ? b.mul(g, alpha) : b.sub(b.mul(g, alpha + beta), b.mul(gp, beta));
          return [u, b.mul(g, 1)];
        },
        { where, labels: ['update', "state 'prev'"] },
      );
      return [updates, { count: count + 1, prev }];
    },
  };
}
