import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkHyperparam, checkNamedHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { maskSelects, type Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { norm } from '../transforms/math.js';
import { scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';
import { multiTransform } from '../wrappers/multi-transform.js';

/** The state of {@link scaleByMars}: the step count, the moments of the corrected gradient and the previous gradient. */
export type ScaleByMarsState = {
  /** Updates made so far. */
  readonly count: number;
  /** The moving average of the corrected gradients `c`. */
  readonly mu: Params;
  /** The moving average of `c²` (absent for `base: 'lion'`). */
  readonly nu?: Params;
  /** The gradient of the previous step (zeros before the first, as the authors' code). */
  readonly lastGrad: Params;
};

/** Options of {@link scaleByMars}. */
export interface ScaleByMarsOptions {
  /** Decay of the first moment (default 0.95, as the authors' code). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.99, as the authors' code). */
  readonly b2?: number;
  /** Added to `√v̂` (default 1e-8). */
  readonly eps?: number;
  /** Weight `γ` of the variance-reduction term (default 0.025). */
  readonly gamma?: number;
  /** The corrected gradient is scaled to this Euclidean norm per tensor when longer (default 1, as the authors' code; `Infinity`: no clipping). */
  readonly clipNorm?: number;
  /** The preconditioning after the momentum: `'adamw'` (default, MARS-AdamW) or `'lion'` (MARS-Lion, the sign of the momentum). */
  readonly base?: 'adamw' | 'lion';
}

/**
 * The options of {@link scaleByMars} with MARS's defaults filled in, the one place they are applied
 * ({@link scaleByMars} and {@link mars} both call it): the authors' `mars.py`, betas (0.95, 0.99),
 * ε 1e-8, γ 0.025, clipping at norm 1, MARS-AdamW.
 */
function withMarsDefaults(options: ScaleByMarsOptions): Required<ScaleByMarsOptions> {
  const { b1 = 0.95, b2 = 0.99, eps = 1e-8, gamma = 0.025, clipNorm = 1, base = 'adamw' } = options;
  return { b1, b2, eps, gamma, clipNorm, base };
}

/**
 * MARS's rescaling: a scaled stochastic recursive momentum (the variance-reduced, "corrected"
 * gradient), clipped per tensor, then Adam's moments (MARS-AdamW) or Lion's sign (MARS-Lion).
 *
 * ```text
 * c = g + γ·b1/(1 − b1)·(g − g_prev)              (g_prev = 0 at the first step)
 * c ← c · min(1, clipNorm/‖c‖)                    (per tensor)
 * m ← b1·m + (1 − b1)·c
 * adamw:  v ← b2·v + (1 − b2)·c²,   u = m̂ / (√v̂ + ε)    (m̂ = m/(1 − b1ᵗ), v̂ = v/(1 − b2ᵗ))
 * lion:   u = sign(m)
 * g_prev ← g
 * ```
 *
 * Reductions first: the norm of `c` is a reduction per tensor that enters the update program as
 * a scalar; the rest is elementwise, one program per parameter.
 *
 * @param options - See {@link ScaleByMarsOptions}.
 * @returns A transformation whose state is `{ count, mu, nu, lastGrad }` (`{ count, mu, lastGrad }` for Lion).
 *
 * @example
 * ```ts
 * const tx = chain(scaleByMars({ gamma: 0.025 }), scaleByLearningRate(3e-3));
 * ```
 *
 * Yuan, Liu, Wu, Zhou and Gu, 2024, "MARS: Unleashing the Power of Variance Reduction for
 * Training Large Models" (https://arxiv.org/abs/2411.10438), Algorithm 2 (MARS-AdamW).
 */
export function scaleByMars(options: ScaleByMarsOptions = {}): GradientTransformation<ScaleByMarsState> {
  const where = 'scaleByMars';
  const { b1, b2, eps, gamma, clipNorm, base } = withMarsDefaults(
    checkOptions(where, options, { b1: true, b2: true, eps: true, gamma: true, clipNorm: true, base: true }),
  );
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkNamedHyperparam(where, 'gamma', gamma);
  if (typeof clipNorm !== 'number' || !(clipNorm > 0))
    throw new InvalidArgumentError(`${where}: clipNorm must be a number > 0 (Infinity: no clipping), got ${String(clipNorm)}`);
  if (base !== 'adamw' && base !== 'lion')
    throw new InvalidArgumentError(`${where}: base must be 'adamw' or 'lion', got ${JSON.stringify(base)}`);
  const lion = base === 'lion';
  const k = (gamma * b1) / (1 - b1);
  return {
    name: where,
    init: (params) =>
      lion
        ? { count: 0, mu: zerosLike(params), lastGrad: zerosLike(params) }
        : { count: 0, mu: zerosLike(params), nu: zerosLike(params), lastGrad: zerosLike(params) },
    update(grads, state) {
      const t = stateNumber(state, 'count', where) + 1;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const inputs = [grads, stateTree(state, 'mu', where), stateTree(state, 'lastGrad', where)];
      if (!lion) inputs.push(stateTree(state, 'nu', where));
      const outs = mapTreesN(
        lion ? 3 : 4,
        inputs,
        ([g, m, gp, v]) => {
          const b = g.backend;
          let c = b.add(g, b.mul(b.sub(g, gp), k));
          if (clipNorm !== Number.POSITIVE_INFINITY) c = b.mul(c, b.div(clipNorm, b.binary('maximum', norm(c), clipNorm)));
          const m2 = b.add(b.mul(m, b1), b.mul(c, 1 - b1));
          const last = b.mul(g, 1);
          if (lion) return [b.unary('sign', m2), m2, last];
          const v2 = b.add(b.mul(v, b2), b.mul(b.unary('square', c), 1 - b2));
          const u = b.div(b.div(m2, bc1), b.add(b.unary('sqrt', b.div(v2, bc2)), eps));
          return [u, m2, last, v2];
        },
        { where, labels: lion ? ['update', "state 'mu'", "state 'lastGrad'"] : ['update', "state 'mu'", "state 'lastGrad'", "state 'nu'"] },
      );
      const [updates, mu, lastGrad, nu] = outs;
      return [updates, lion ? { count: t, mu, lastGrad } : { count: t, mu, nu, lastGrad }];
    },
  };
}

/** Options of {@link mars}. */
export interface MarsOptions extends ScaleByMarsOptions {
  /** Decoupled weight decay `λ` of the MARS parameters (default 0, as the authors' code). */
  readonly weightDecay?: ScalarOrSchedule;
  /**
   * Which parameters MARS updates: a predicate on the dotted name (and tensor), a glob or a tree
   * of booleans. Default: every parameter of rank ≥ 2 (the authors' `optimize_1d=False`); the
   * others get the AdamW fallback. `() => true` is their `optimize_1d=True`.
   */
  readonly marsParams?: Mask;
  /** Learning rate of the AdamW fallback (default: `lr`; the authors' `lr_1d`, default 3e-3 as their `lr`). */
  readonly adamLr?: ScalarOrSchedule;
  /** `b1` of the AdamW fallback (default 0.9, the authors' `betas_1d`). */
  readonly adamB1?: ScalarOrSchedule;
  /** `b2` of the AdamW fallback (default 0.95, the authors' `betas_1d`). */
  readonly adamB2?: ScalarOrSchedule;
  /** Decoupled weight decay of the AdamW fallback (default 0.1, the authors' `weight_decay_1d`). */
  readonly adamWeightDecay?: ScalarOrSchedule;
}

/**
 * MARS (Yuan et al. 2024): AdamW (or Lion) on a variance-reduced gradient, the gradient plus a
 * scaled difference of consecutive gradients, clipped to norm 1 per tensor; matrices get MARS,
 * the other parameters an AdamW fallback.
 *
 * ```text
 * MARS parameters (rank ≥ 2, or marsParams):
 *   c = g + γ·b1/(1 − b1)·(g − g_prev),   c ← c / max(1, ‖c‖)
 *   m ← b1·m + (1 − b1)·c,   v ← b2·v + (1 − b2)·c²
 *   p ← p − η·( m̂ / (√v̂ + ε) + λ·p )          (base 'lion': p ← p − η·( sign(m) + λ·p ))
 * the others:
 *   AdamW with (adamB1, adamB2, eps), p ← p − η_adam·( m̂ / (√v̂ + ε) + λ_adam·p )
 * ```
 *
 * Elementwise but for the norm of `c`, a reduction that enters the update program as a scalar:
 * one fused program per parameter on backends that run programs.
 *
 * Conventions: as the authors' `MARS` (`mars_type` 'mars-adamw' or 'mars-lion', the approximate
 * variant `is_approx=True`: `g_prev` is the previous step's gradient at the previous point, not
 * a second gradient of the same batch; lr 3e-3, betas (0.95, 0.99), ε 1e-8, γ 0.025, clipping at
 * norm 1, decay 0; the fallback's betas (0.9, 0.95) and decay 0.1). Differences: their split is
 * rank = 2 exactly, ours rank ≥ 2 (or `marsParams`); their fallback rate is `lr_1d` (3e-3), ours
 * `lr` unless `adamLr`; the clipping bound is an option here. Their MARS-Shampoo is not offered
 * (Muon covers the orthogonalized step). optax, PyTorch and Keras have no MARS.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link MarsOptions}.
 * @returns The optimizer; its state holds `hyperparams` and the two groups' states `{ mars, adam }`.
 *
 * @example
 * ```ts
 * const tx = mars(3e-3, { weightDecay: 0.01 });
 * const marsLion = mars(1e-4, { base: 'lion', b1: 0.9, b2: 0.99 });
 * ```
 *
 * Yuan, Liu, Wu, Zhou and Gu, 2024, "MARS: Unleashing the Power of Variance Reduction for
 * Training Large Models" (https://arxiv.org/abs/2411.10438); reference code AGI-Arena/MARS,
 * `MARS/optimizers/mars.py`.
 */
export function mars(lr: ScalarOrSchedule, options: MarsOptions = {}): InjectedTransformation {
  const where = 'mars';
  const {
    weightDecay = 0,
    marsParams,
    adamLr = lr,
    adamB1 = 0.9,
    adamB2 = 0.95,
    adamWeightDecay = 0.1,
    ...marsOptions
  } = checkOptions(where, options, {
    b1: true,
    b2: true,
    eps: true,
    gamma: true,
    clipNorm: true,
    base: true,
    weightDecay: true,
    marsParams: true,
    adamLr: true,
    adamB1: true,
    adamB2: true,
    adamWeightDecay: true,
  });
  // MARS's own options go through to scaleByMars with its defaults; the numeric ones are injected
  // (settable in the state), so they enter as numbers, and the AdamW fallback shares eps.
  const m = withMarsDefaults(marsOptions);
  const hyper = { lr, b1: m.b1, b2: m.b2, eps: m.eps, gamma: m.gamma, weightDecay, adamLr, adamB1, adamB2, adamWeightDecay };
  return withHyperparams(where, hyper, (h) =>
    multiTransform(
      {
        mars: chain(
          scaleByMars({ ...m, b1: h.b1, b2: h.b2, eps: h.eps, gamma: h.gamma }),
          addDecayedWeights(h.weightDecay),
          scaleByLearningRate(h.lr),
        ),
        adam: chain(
          scaleByAdam({ b1: h.adamB1, b2: h.adamB2, eps: h.eps }),
          addDecayedWeights(h.adamWeightDecay),
          scaleByLearningRate(h.adamLr),
        ),
      },
      (name, p) => ((marsParams === undefined ? p.shape.length >= 2 : maskSelects(marsParams, name, p, where)) ? 'mars' : 'adam'),
    ),
  );
}
