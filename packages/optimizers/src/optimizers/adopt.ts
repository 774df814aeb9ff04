import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, OptState, Params, ScalarOrSchedule } from '../types.js';

/** The state of {@link scaleByAdopt}: the step count and the two moments. */
export type ScaleByAdoptState = {
  /** Updates made so far; the first only fills `nu`. */
  readonly count: number;
  /** The moving average of the normalized (and clipped) gradients. */
  readonly mu: Params;
  /** The moving average of the squared gradients, updated after it is used. */
  readonly nu: Params;
};

/** Options of {@link scaleByAdopt}. */
export interface ScaleByAdoptOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.9999). */
  readonly b2?: number;
  /** Lower bound of `√v` in the normalization (default 1e-6). */
  readonly eps?: number;
  /** Clip the normalized gradient to `±tᵖ` at step `t` (default true, as the authors' code). */
  readonly clip?: boolean;
  /** The power `p` of the clipping bound `tᵖ` (default 0.25). */
  readonly clipExponent?: number;
}

/** Defaults of {@link scaleByAdopt}'s options, shared with {@link adopt}. */
const SCALE_BY_ADOPT_DEFAULTS = { b1: 0.9, b2: 0.9999, eps: 1e-6, clip: true, clipExponent: 0.25 } as const;

/**
 * ADOPT's rescaling: normalize the gradient by the second moment of the previous steps (not
 * including the current gradient), clip, then take momentum of the normalized gradient.
 *
 * ```text
 * t = 0:  v ← g²,  u = 0                       (the first step only initializes v)
 * t ≥ 1:  ĝ = clip(g / max(√v, ε), −tᵖ, tᵖ)
 *         m ← b1·m + (1 − b1)·ĝ,   u = m
 *         v ← b2·v + (1 − b2)·g²
 * ```
 *
 * @param options - See {@link ScaleByAdoptOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdopt({ b2: 0.999 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Taniguchi et al., 2024, "ADOPT: Modified Adam Can Converge with Any β₂ with the Optimal Rate" (https://arxiv.org/abs/2411.02853).
 */
export function scaleByAdopt(options: ScaleByAdoptOptions = {}): GradientTransformation<ScaleByAdoptState> {
  const where = 'scaleByAdopt';
  const {
    b1 = SCALE_BY_ADOPT_DEFAULTS.b1,
    b2 = SCALE_BY_ADOPT_DEFAULTS.b2,
    eps = SCALE_BY_ADOPT_DEFAULTS.eps,
    clip = SCALE_BY_ADOPT_DEFAULTS.clip,
    clipExponent = SCALE_BY_ADOPT_DEFAULTS.clipExponent,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, clip: true, clipExponent: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  if (typeof clipExponent !== 'number' || !Number.isFinite(clipExponent) || clipExponent < 0)
    throw new InvalidArgumentError(`${where}: clipExponent must be a finite number ≥ 0, got ${String(clipExponent)}`);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      const t = stateNumber(state, 'count', where);
      const bound = t ** clipExponent;
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, v]) => {
          const b = g.backend;
          const g2 = b.unary('square', g);
          // The first step only fills v (the reference code skips the parameter update).
          if (t === 0) return [b.zeros(g.shape, g.dtype), b.mul(m, 1), b.add(v, g2)];
          let n = b.div(g, b.binary('maximum', b.unary('sqrt', v), eps));
          if (clip) n = b.binary('minimum', b.binary('maximum', n, -bound), bound);
          const m2 = b.add(b.mul(m, b1), b.mul(n, 1 - b1));
          const v2 = b.add(b.mul(v, b2), b.mul(g2, 1 - b2));
          return [m2, m2, v2];
        },
        { where, labels: ['update', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count: t + 1, mu, nu }];
    },
  };
}

/** `tx` from the second update on; the first passes the (zero) updates through, as ADOPT's first step changes nothing. */
function afterFirstStep(tx: GradientTransformation<OptState>): GradientTransformation<{ count: number; inner: OptState }> {
  const where = 'adopt (decoupled decay)';
  return {
    name: where,
    init: (params) => ({ count: 0, inner: tx.init(params) }),
    update(grads, state, params) {
      const count = stateNumber(state, 'count', where);
      if (count === 0) return [mapTreesN(1, [grads], ([u]) => [u.backend.mul(u, 1)], { where })[0], { count: 1, inner: state.inner }];
      const [u, inner] = tx.update(grads, state.inner, params);
      return [u, { count: count + 1, inner }];
    },
  };
}

/** Options of {@link adopt}. */
export interface AdoptOptions extends ScaleByAdoptOptions {
  /** Weight decay `λ` (default 0, as the authors' code). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Decoupled (AdamW-style, `p ← p − η·λ·p`) instead of the default L2 term added to the gradient. */
  readonly decouple?: boolean;
  /** Which parameters decay: a predicate on the dotted name or a tree of booleans (default all). */
  readonly mask?: Mask;
}

/**
 * ADOPT (Taniguchi et al. 2024): Adam with the second moment taken from the previous steps only
 * and the momentum applied after normalization, which converges for any `b2`.
 *
 * ```text
 * g ← g + λ·p                                   (default, coupled decay)
 * m, v as in scaleByAdopt (the first step only initializes v)
 * p ← p − η·m                                   (decouple: p ← p − η·(m + λ·p))
 * ```
 *
 * Conventions: defaults as the authors' `ADOPT` (lr 1e-3, betas (0.9, 0.9999), eps 1e-6,
 * clipping at `t^0.25`, coupled decay 0; the first step only fills `v`, decoupled decay included).
 * optax's
 * `adopt` is the same rule with `use_clipping` true by default. PyTorch (2.5+ has no ADOPT in
 * torch.optim) and Keras have none.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdoptOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adopt(1e-3, { weightDecay: 1e-2, decouple: true });
 * ```
 *
 * Taniguchi, Harada, Minegishi, Oshima, Jeong, Nagahara, Iiyama, Suzuki, Iwasawa and Matsuo, 2024,
 * "ADOPT: Modified Adam Can Converge with Any β₂ with the Optimal Rate" (https://arxiv.org/abs/2411.02853);
 * reference code iShohei220/adopt, `src/adopt/adopt.py`.
 */
export function adopt(lr: ScalarOrSchedule, options: AdoptOptions = {}): InjectedTransformation {
  const where = 'adopt';
  const {
    b1 = SCALE_BY_ADOPT_DEFAULTS.b1,
    b2 = SCALE_BY_ADOPT_DEFAULTS.b2,
    eps = SCALE_BY_ADOPT_DEFAULTS.eps,
    clip = SCALE_BY_ADOPT_DEFAULTS.clip,
    clipExponent = SCALE_BY_ADOPT_DEFAULTS.clipExponent,
    weightDecay = 0,
    decouple = false,
    mask,
  } = checkOptions(where, options, {
    b1: true,
    b2: true,
    eps: true,
    clip: true,
    clipExponent: true,
    weightDecay: true,
    decouple: true,
    mask: true,
  });
  return withHyperparams(where, { lr, b1, b2, eps, weightDecay }, (h) => {
    const core = scaleByAdopt({ b1: h.b1, b2: h.b2, eps: h.eps, clip, clipExponent });
    const decay = addDecayedWeights(h.weightDecay, { mask });
    return decouple ? chain(core, afterFirstStep(decay), scaleByLearningRate(h.lr)) : chain(decay, core, scaleByLearningRate(h.lr));
  });
}
