import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';

/** The state of {@link scaleByAdemamix}: the step count, the fast and slow first moments and the second moment. */
export type ScaleByAdemamixState = {
  /** Updates made so far. */
  readonly count: number;
  /** The fast moving average of the gradients (decay `b1`). */
  readonly mu: Params;
  /** The slow moving average of the gradients (decay `b3`). */
  readonly muSlow: Params;
  /** The moving average of the squared gradients. */
  readonly nu: Params;
};

/** Options of {@link scaleByAdemamix}. */
export interface ScaleByAdemamixOptions {
  /** Decay of the fast moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number;
  /** Decay of the slow moment (default 0.9999). */
  readonly b3?: number;
  /** Weight of the slow moment (default 2, as the authors' code; the paper's runs use 5 to 8). */
  readonly alpha?: number;
  /** Steps over which `alpha` rises linearly from 0 (default none). */
  readonly alphaWarmup?: number;
  /** Steps over which `b3` rises from `b1`, linearly in half-life (default none). */
  readonly b3Warmup?: number;
  /** Added to the root of the bias-corrected second moment (default 1e-8). */
  readonly eps?: number;
}

/** The authors' `linear_hl_warmup_scheduler`: `b3` warmed up from `b1` linearly in half-life `log(0.5)/log(β) − 1`. */
function b3At(t: number, b3: number, b1: number, warmup: number | undefined): number {
  if (warmup === undefined || t >= warmup) return b3;
  const f = (beta: number) => Math.log(0.5) / Math.log(beta + 1e-8) - 1;
  const a = t / warmup;
  return 0.5 ** (1 / ((1 - a) * f(b1) + a * f(b3) + 1));
}

/** Defaults of {@link scaleByAdemamix}'s options, shared with {@link ademamix}. */
const SCALE_BY_ADEMAMIX_DEFAULTS = { b1: 0.9, b2: 0.999, b3: 0.9999, alpha: 2, eps: 1e-8 } as const;

/**
 * AdEMAMix's rescaling: Adam whose numerator mixes the bias-corrected fast moment with a slow,
 * uncorrected moment of much longer memory.
 *
 * ```text
 * t ← t + 1
 * m₁ ← b1·m₁ + (1 − b1)·g,   m₂ ← b3ₜ·m₂ + (1 − b3ₜ)·g,   v ← b2·v + (1 − b2)·g²
 * u = (m₁ / (1 − b1ᵗ) + αₜ·m₂) / (√v / √(1 − b2ᵗ) + ε)
 * αₜ = α·min(1, t / alphaWarmup),   b3ₜ from b1 to b3 linearly in half-life over b3Warmup steps
 * ```
 *
 * @param options - See {@link ScaleByAdemamixOptions}.
 * @returns A transformation whose state is `{ count, mu, muSlow, nu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdemamix({ alpha: 5 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Pagliardini, Ablin and Grangier, 2024, "The AdEMAMix Optimizer: Better, Faster, Older" (https://arxiv.org/abs/2409.03137).
 */
export function scaleByAdemamix(options: ScaleByAdemamixOptions = {}): GradientTransformation<ScaleByAdemamixState> {
  const where = 'scaleByAdemamix';
  const {
    b1 = SCALE_BY_ADEMAMIX_DEFAULTS.b1,
    b2 = SCALE_BY_ADEMAMIX_DEFAULTS.b2,
    b3 = SCALE_BY_ADEMAMIX_DEFAULTS.b3,
    alpha = SCALE_BY_ADEMAMIX_DEFAULTS.alpha,
    alphaWarmup,
    b3Warmup,
    eps = SCALE_BY_ADEMAMIX_DEFAULTS.eps,
  } = checkOptions(where, options, { b1: true, b2: true, b3: true, alpha: true, alphaWarmup: true, b3Warmup: true, eps: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'b3', b3);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'alpha', alpha);
  for (const [name, v] of [
    ['alphaWarmup', alphaWarmup],
    ['b3Warmup', b3Warmup],
  ] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0))
      throw new InvalidArgumentError(`${where}: ${name} must be a positive integer or undefined, got ${String(v)}`);
  }
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), muSlow: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      const t = stateNumber(state, 'count', where) + 1;
      const a = alphaWarmup !== undefined && t < alphaWarmup ? (alpha * t) / alphaWarmup : alpha;
      const beta3 = b3At(t, b3, b1, b3Warmup);
      const c1 = 1 - b1 ** t;
      const c2 = Math.sqrt(1 - b2 ** t);
      const [updates, mu, muSlow, nu] = mapTreesN(
        4,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'muSlow', where), stateTree(state, 'nu', where)],
        ([g, m1, m2, v]) => {
          const b = g.backend;
          const m1n = b.add(b.mul(m1, b1), b.mul(g, 1 - b1));
          const m2n = b.add(b.mul(m2, beta3), b.mul(g, 1 - beta3));
          const vn = b.add(b.mul(v, b2), b.mul(b.unary('square', g), 1 - b2));
          const denom = b.add(b.div(b.unary('sqrt', vn), c2), eps);
          const u = b.div(b.add(b.mul(m1n, 1 / c1), b.mul(m2n, a)), denom);
          return [u, m1n, m2n, vn];
        },
        { where, labels: ['update', "state 'mu'", "state 'muSlow'", "state 'nu'"] },
      );
      return [updates, { count: t, mu, muSlow, nu }];
    },
  };
}

/** Options of {@link ademamix}. */
export interface AdemamixOptions extends ScaleByAdemamixOptions {
  /** Decoupled weight decay `λ`, scaled by the learning rate as AdamW's (default 0, as the authors' code). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay: a predicate on the dotted name or a tree of booleans (default all). */
  readonly mask?: Mask;
}

/**
 * AdEMAMix (Pagliardini et al. 2024): AdamW with a second, slow moving average of the gradients
 * added to the numerator, so gradients hundreds of thousands of steps old still count.
 *
 * ```text
 * p ← p − η·( (m̂₁ + αₜ·m₂) / (√v̂ + ε) + λ·p )
 * ```
 *
 * Conventions: as the authors' PyTorch `AdEMAMix` (betas (0.9, 0.999, 0.9999), alpha 2, eps 1e-8,
 * decoupled decay scaled by lr; the optional warmups of `alpha` and `b3`, the latter linear in
 * half-life). optax's contrib `ademamix` has the same rule with `alpha` 5 by default and the
 * warmups passed as schedules; PyTorch and Keras have none.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdemamixOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = ademamix(1e-3, { alpha: 5, alphaWarmup: 10_000, b3Warmup: 10_000, weightDecay: 0.1 });
 * ```
 *
 * Pagliardini, Ablin and Grangier, 2024, "The AdEMAMix Optimizer: Better, Faster, Older"
 * (https://arxiv.org/abs/2409.03137); reference code apple/ml-ademamix, `pytorch/ademamix.py`.
 */
export function ademamix(lr: ScalarOrSchedule, options: AdemamixOptions = {}): InjectedTransformation {
  const where = 'ademamix';
  const {
    b1 = SCALE_BY_ADEMAMIX_DEFAULTS.b1,
    b2 = SCALE_BY_ADEMAMIX_DEFAULTS.b2,
    b3 = SCALE_BY_ADEMAMIX_DEFAULTS.b3,
    alpha = SCALE_BY_ADEMAMIX_DEFAULTS.alpha,
    alphaWarmup,
    b3Warmup,
    eps = SCALE_BY_ADEMAMIX_DEFAULTS.eps,
    weightDecay = 0,
    mask,
  } = checkOptions(where, options, {
    b1: true,
    b2: true,
    b3: true,
    alpha: true,
    alphaWarmup: true,
    b3Warmup: true,
    eps: true,
    weightDecay: true,
    mask: true,
  });
  return withHyperparams(where, { lr, b1, b2, b3, alpha, eps, weightDecay }, (h) =>
    chain(
      scaleByAdemamix({ b1: h.b1, b2: h.b2, b3: h.b3, alpha: h.alpha, alphaWarmup, b3Warmup, eps: h.eps }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByLearningRate(h.lr),
    ),
  );
}
