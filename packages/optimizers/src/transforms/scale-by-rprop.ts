import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';

/** The state of {@link scaleByRprop}: each coordinate's step size and its last gradient (0 after a sign change). */
export type ScaleByRpropState = {
  /** The per-coordinate step sizes. */
  readonly stepSizes: Params;
  /** The previous gradient, zeroed where its sign flipped. */
  readonly prevGrad: Params;
};

/** Options of {@link scaleByRprop}. */
export interface ScaleByRpropOptions {
  /** The first step size of every coordinate (PyTorch's `lr`; default 0.01). */
  readonly initialStepSize?: number;
  /** Shrink factor on a sign change, in (0, 1) (default 0.5). */
  readonly etaMinus?: number;
  /** Growth factor while the sign holds, > 1 (default 1.2). */
  readonly etaPlus?: number;
  /** Smallest step size (default 1e-6). */
  readonly minStepSize?: number;
  /** Largest step size (default 50). */
  readonly maxStepSize?: number;
}

/** Defaults of {@link scaleByRprop}'s options, shared with {@link rprop}. */
export const SCALE_BY_RPROP_DEFAULTS = { initialStepSize: 0.01, etaMinus: 0.5, etaPlus: 1.2, minStepSize: 1e-6, maxStepSize: 50 } as const;

/**
 * Resilient backpropagation (Rprop): per coordinate, a step size that grows while the gradient's
 * sign holds and shrinks when it flips; the update is that step in the direction of the sign,
 * whatever the gradient's magnitude. Updates point along the gradient: chain with `scale(-1)`.
 *
 * ```text
 * s = g · g_prev
 * Δ ← clip(Δ · (η₊ if s > 0, η₋ if s < 0, 1 if s = 0), Δ_min, Δ_max)
 * g' = 0 where s < 0, else g
 * u = sign(g') · Δ,   g_prev ← g'
 * ```
 *
 * This is PyTorch's `torch.optim.Rprop` (Rprop without weight backtracking, "Rprop−" in Igel and
 * Hüsken's terms): after a sign change the coordinate does not move and its gradient is
 * forgotten, so the next step grows or shrinks from a clean start. optax's `scale_by_rprop` is the
 * same rule, written with the previous update instead of the previous gradient. Rprop is meant for
 * full-batch gradients. Elementwise: one fused update program.
 *
 * @param options - See {@link ScaleByRpropOptions}.
 * @returns A transformation whose state is `{ stepSizes, prevGrad }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByRprop({ initialStepSize: 1e-2 }), scale(-1));
 * ```
 *
 * Riedmiller and Braun, 1993, "A direct adaptive method for faster backpropagation learning: the
 * RPROP algorithm" (IEEE ICNN); Igel and Hüsken, 2000, "Improving the Rprop learning algorithm".
 */
export function scaleByRprop(options: ScaleByRpropOptions = {}): GradientTransformation<ScaleByRpropState> {
  const where = 'scaleByRprop';
  const {
    initialStepSize = SCALE_BY_RPROP_DEFAULTS.initialStepSize,
    etaMinus = SCALE_BY_RPROP_DEFAULTS.etaMinus,
    etaPlus = SCALE_BY_RPROP_DEFAULTS.etaPlus,
    minStepSize = SCALE_BY_RPROP_DEFAULTS.minStepSize,
    maxStepSize = SCALE_BY_RPROP_DEFAULTS.maxStepSize,
  } = checkOptions(where, options, { initialStepSize: true, etaMinus: true, etaPlus: true, minStepSize: true, maxStepSize: true });
  checkHyperparam(where, 'lr', initialStepSize);
  if (!(etaMinus > 0 && etaMinus < 1)) throw new InvalidArgumentError(`${where}: option 'etaMinus' must be in (0, 1), got ${etaMinus}`);
  if (!(etaPlus > 1 && Number.isFinite(etaPlus)))
    throw new InvalidArgumentError(`${where}: option 'etaPlus' must be a finite number > 1, got ${etaPlus}`);
  if (!(minStepSize >= 0 && minStepSize <= maxStepSize && Number.isFinite(maxStepSize)))
    throw new InvalidArgumentError(
      `${where}: options 'minStepSize' and 'maxStepSize' must satisfy 0 ≤ min ≤ max < ∞, got ${minStepSize} and ${maxStepSize}`,
    );
  return {
    name: where,
    init: (params) => ({ stepSizes: zerosLike(params, initialStepSize), prevGrad: zerosLike(params) }),
    update(grads, state) {
      const [updates, stepSizes, prevGrad] = mapTreesN(
        3,
        [grads, stateTree(state, 'stepSizes', where), stateTree(state, 'prevGrad', where)],
        ([g, d, gp]) => {
          const b = g.backend;
          const s = b.mul(g, gp);
          // Products in the state's dtype (a bare number in \`where\` would take the default dtype).
          const grown = b.where(b.compare('greater', s, 0), b.mul(d, etaPlus), b.where(b.compare('less', s, 0), b.mul(d, etaMinus), d));
          const d2 = b.binary('minimum', b.binary('maximum', grown, minStepSize), maxStepSize);
          const g2 = b.where(b.compare('less', s, 0), 0, g);
          return [b.mul(b.unary('sign', g2), d2), d2, g2];
        },
        { where, labels: ['update', "state 'stepSizes'", "state 'prevGrad'"] },
      );
      return [updates, { stepSizes, prevGrad }];
    },
  };
}
