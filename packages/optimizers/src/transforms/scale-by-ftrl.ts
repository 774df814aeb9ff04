import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { needParams } from './needs-params.js';

/** The state of {@link scaleByFtrl}: the accumulated squared gradients and the linear term. */
export type ScaleByFtrlState = {
  /** n: the sum of squared gradients (from `initialAccumulatorValue`). */
  readonly accumulator: Params;
  /** z: the linear term of the follow-the-regularized-leader objective. */
  readonly linear: Params;
};

/** Options of {@link scaleByFtrl}. */
export interface ScaleByFtrlOptions {
  /** The learning rate α (default 1e-3). */
  readonly lr?: number;
  /** The power of the accumulator, ≤ 0 (default −0.5). */
  readonly lrPower?: number;
  /** Where the accumulator starts, ≥ 0 (default 0.1). */
  readonly initialAccumulatorValue?: number;
  /** L1 strength λ₁ (default 0): coordinates with |z| ≤ λ₁ are set to exactly 0. */
  readonly l1?: number;
  /** L2 strength λ₂ (default 0). */
  readonly l2?: number;
  /** L2 shrinkage of the gradient before the update, Keras's `l2_shrinkage_regularization_strength` (default 0). */
  readonly l2Shrinkage?: number;
  /** β of the paper's per-coordinate rate `α / (β + √n)` (default 0). */
  readonly beta?: number;
}

/** Defaults of {@link scaleByFtrl}'s options, shared with {@link ftrl}. */
export const SCALE_BY_FTRL_DEFAULTS = {
  lr: 1e-3,
  lrPower: -0.5,
  initialAccumulatorValue: 0.1,
  l1: 0,
  l2: 0,
  l2Shrinkage: 0,
  beta: 0,
} as const;

/**
 * FTRL-Proximal (McMahan et al. 2013), in Keras's form: the parameter is the closed-form minimizer
 * of the linearized losses so far plus L1/L2 terms, so L1 gives exact zeros (sparse models).
 * The update it returns is `p_new − p`: chain it with nothing that rescales.
 *
 * ```text
 * g' = g + 2·λ₂ₛ·p
 * n' = n + g²
 * z ← z + g' − (n'^(−c) − n^(−c)) / α · p           (c = lrPower, −0.5: n'^½ − n^½)
 * q = (β + n'^(−c)) / α + 2·λ₂
 * p_new = (clip(z, −λ₁, λ₁) − z) / q,   n ← n'
 * u = p_new − p
 * ```
 *
 * Keras 3 (`keras.optimizers.Ftrl`) and TensorFlow's `ApplyFtrlV2` use this rule, with the `2·λ₂`
 * of the quadratic term; Algorithm 1 of the paper divides by `(β + √n)/α + λ₂`, so our `l2` is half
 * the paper's `λ₂`. A rate α = 0 (the first step of a warm-up) makes no step and keeps the state
 * (the rule divides by α). PyTorch and optax have no FTRL. Elementwise (with a
 * power where `lrPower ≠ −0.5`): one fused update program.
 *
 * @param options - See {@link ScaleByFtrlOptions}.
 * @returns A transformation whose state is `{ accumulator, linear }` (needs `params`).
 *
 * @example
 * ```ts
 * const tx = scaleByFtrl({ lr: 0.1, l1: 1e-3 });
 * ```
 *
 * McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches" (KDD 2013), Algorithm 1.
 */
export function scaleByFtrl(options: ScaleByFtrlOptions = {}): GradientTransformation<ScaleByFtrlState> {
  const where = 'scaleByFtrl';
  const {
    lr = SCALE_BY_FTRL_DEFAULTS.lr,
    lrPower = SCALE_BY_FTRL_DEFAULTS.lrPower,
    initialAccumulatorValue = SCALE_BY_FTRL_DEFAULTS.initialAccumulatorValue,
    l1 = SCALE_BY_FTRL_DEFAULTS.l1,
    l2 = SCALE_BY_FTRL_DEFAULTS.l2,
    l2Shrinkage = SCALE_BY_FTRL_DEFAULTS.l2Shrinkage,
    beta = SCALE_BY_FTRL_DEFAULTS.beta,
  } = checkOptions(where, options, {
    lr: true,
    lrPower: true,
    initialAccumulatorValue: true,
    l1: true,
    l2: true,
    l2Shrinkage: true,
    beta: true,
  });
  if (!(lr >= 0 && Number.isFinite(lr))) throw new InvalidArgumentError(`${where}: option 'lr' must be a finite number ≥ 0, got ${lr}`);
  if (!(lrPower <= 0 && Number.isFinite(lrPower)))
    throw new InvalidArgumentError(`${where}: option 'lrPower' must be a finite number ≤ 0, got ${lrPower}`);
  checkHyperparam(where, 'initialAccumulatorValue', initialAccumulatorValue);
  for (const [k, v] of [
    ['l1', l1],
    ['l2', l2],
    ['l2Shrinkage', l2Shrinkage],
    ['beta', beta],
  ] as const)
    if (!(v >= 0 && Number.isFinite(v))) throw new InvalidArgumentError(`${where}: option '${k}' must be a finite number ≥ 0, got ${v}`);
  return {
    name: where,
    init: (params) => ({ accumulator: zerosLike(params, initialAccumulatorValue), linear: zerosLike(params) }),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const [updates, accumulator, linear] = mapTreesN(
        3,
        [grads, stateTree(state, 'accumulator', where), stateTree(state, 'linear', where), ps],
        ([g, n, z, p]) => {
          const b = g.backend;
          // α = 0 (a warm-up schedule's first step): no step, and the state is left as it was.
          if (lr === 0) return [b.mul(g, 0), b.mul(n, 1), b.mul(z, 1)];
          const gs = l2Shrinkage > 0 ? b.add(g, b.mul(p, 2 * l2Shrinkage)) : g;
          const n2 = b.add(n, b.unary('square', g));
          const root = (x: typeof n) => (lrPower === -0.5 ? b.unary('sqrt', x) : b.binary('pow', x, -lrPower));
          const r2 = root(n2);
          const z2 = b.sub(b.add(z, gs), b.mul(b.mul(b.sub(r2, root(n)), 1 / lr), p));
          const q = b.add(b.mul(beta === 0 ? r2 : b.add(r2, beta), 1 / lr), 2 * l2);
          const pNew = b.div(b.sub(b.binary('minimum', b.binary('maximum', z2, -l1), l1), z2), q);
          return [b.sub(pNew, p), n2, z2];
        },
        { where, labels: ['update', "state 'accumulator'", "state 'linear'", 'parameter'] },
      );
      return [updates, { accumulator, linear }];
    },
  };
}
