import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { checkTrees, mapTrees } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { needParams } from './needs-params.js';
import type { EmptyState } from './scale.js';

/** The objective's value at the current parameters: a number, or a rank-0 tensor on the parameters' backend. */
export type ObjectiveValue = (params: Params) => number | Tensor;

/** Options of {@link scaleByPolyak}. */
export interface ScaleByPolyakOptions {
  /** The objective at the current parameters, called once per update (required). */
  readonly value: ObjectiveValue;
  /** The largest step size (default 1). */
  readonly maxLearningRate?: number;
  /** A lower bound of the objective, its minimum where known (default 0). */
  readonly fMin?: number;
  /** Added to the squared gradient norm (default 0). */
  readonly eps?: number;
}

/** Defaults of {@link scaleByPolyak}'s options, shared with {@link polyakSgd}. */
export const SCALE_BY_POLYAK_DEFAULTS = { maxLearningRate: 1, fMin: 0, eps: 0 } as const;

/**
 * Scales the gradient by Polyak's step size (optax's `scale_by_polyak`, variant `'sps'`).
 *
 * ```text
 * γ = min( (f(p) − f*) / (‖g‖² + ε),  γ_max )      (‖g‖ over all parameters)
 * u = γ · g
 * ```
 *
 * `f(p)` comes from the `value` callback, given the current parameters; it may return a number
 * the training loop already has, or compute a rank-0 tensor on the backend (so no read back is
 * needed). The global norm and γ are reductions, computed first and fed to the fused update
 * program as a scalar; `u = γ·g` is elementwise. Conventions: optax passes the value as an extra
 * argument of `update`; here it is a callback, since `update(grads, state, params)` has no room
 * for it. optax's `polyak_sgd` computes the norm of the already scaled updates (`scaling · g`).
 *
 * @param options - See {@link ScaleByPolyakOptions}.
 * @returns A stateless transformation (needs `params`).
 *
 * @example
 * ```ts
 * let loss = 0; // set by the training loop before each step
 * const tx = chain(scaleByPolyak({ value: () => loss }), scale(-1));
 * ```
 *
 * Polyak, 1987, "Introduction to Optimization", §5.3; Loizou et al., 2021, "Stochastic Polyak
 * Step-size for SGD: An Adaptive Learning Rate for Fast Convergence" (https://arxiv.org/abs/2002.10542).
 */
export function scaleByPolyak(options: ScaleByPolyakOptions): GradientTransformation<EmptyState> {
  const where = 'scaleByPolyak';
  const {
    value,
    maxLearningRate = SCALE_BY_POLYAK_DEFAULTS.maxLearningRate,
    fMin = SCALE_BY_POLYAK_DEFAULTS.fMin,
    eps = SCALE_BY_POLYAK_DEFAULTS.eps,
  } = checkOptions(where, options ?? {}, { value: true, maxLearningRate: true, fMin: true, eps: true });
  if (typeof value !== 'function')
    throw new InvalidArgumentError(
      `${where}: option 'value' must be a function (params) => number | Tensor giving the objective, got ${typeof value}`,
    );
  checkHyperparam(where, 'lr', maxLearningRate);
  checkHyperparam(where, 'eps', eps);
  if (!Number.isFinite(fMin)) throw new InvalidArgumentError(`${where}: option 'fMin' must be a finite number, got ${fMin}`);
  return {
    name: where,
    init: () => ({}),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const leaves = checkTrees([grads], { where, labels: ['gradient'] });
      if (!leaves.length) return [grads, state];
      const b = leaves[0][1][0].backend;
      return b.scope(() => {
        const f = value(ps);
        if (typeof f === 'number' && !Number.isFinite(f))
          throw new InvalidArgumentError(`${where}: the objective's value is ${f}, expected a finite number`);
        let sq: Tensor | undefined;
        for (const [, [g]] of leaves) {
          const s = b.reduce('sum', b.unary('square', g));
          sq = sq ? b.add(sq, s) : s;
        }
        const gap = typeof f === 'number' ? f - fMin : b.sub(f, fMin);
        const gamma = b.binary('minimum', b.div(gap, b.add(sq!, eps)), maxLearningRate);
        const updates = mapTrees([grads], ([g]) => g.backend.mul(g, gamma), { where, labels: ['update'] });
        return [updates, state] as [Params, EmptyState];
      });
    },
  };
}
