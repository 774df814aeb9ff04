import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { maskSelects, type Mask } from '../mask.js';
import { needParams } from '../transforms/needs-params.js';
import { biasCorrection, coupledDecay, type DAdaptationCore } from './d-adaptation.js';
import { checkTrees, flatten, mapTreesN, rank0Like, stateNumber, stateScalar, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';

/** The state of D-Adaptation Adam's core: the step count, the estimate `d` and its weighted numerator (rank-0 tensors), the moments and `s`. */
export type DadaptAdamState = {
  /** Updates made so far. */
  readonly count: number;
  /** The lower bound `d` of the distance to the solution (a rank-0 tensor; `null` for an empty tree). */
  readonly d: Tensor | null;
  /** The weighted numerator `Σ √b2-decayed dlr·⟨g, s/(√v + ε)⟩` (a rank-0 tensor). */
  readonly numeratorWeighted: Tensor | null;
  /** First moment, scaled by `dlr`. */
  readonly mu: Params;
  /** Second moment. */
  readonly nu: Params;
  /** The `√b2`-decayed sum `s` of the scaled gradients. */
  readonly s: Params;
};

/** Options of {@link dadaptAdam}. */
export interface DadaptAdamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to `√v` (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** Weight decay `λ` (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Decoupled decay `p ← p − dlr·λ·p`; default false (the authors' default: `λ·p` added to the gradient). */
  readonly decouple?: boolean;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
  /** Adam's bias correction in `dlr` (default false). */
  readonly useBiasCorrection?: boolean;
  /** The initial estimate `d₀` (default 1e-6). */
  readonly d0?: number;
  /** The most `d` may grow per step, as a factor (default Infinity). */
  readonly growthRate?: number;
}

type Core = DAdaptationCore;

function scaleByDadaptAdam(where: string, o: Core): GradientTransformation<DadaptAdamState> {
  return {
    name: where,
    init(params) {
      const scalar = rank0Like(params, where);
      return {
        count: 0,
        d: scalar(o.d0),
        numeratorWeighted: scalar(0),
        mu: zerosLike(params),
        nu: zerosLike(params),
        s: zerosLike(params),
      };
    },
    update(grads, state, params) {
      const ps = needParams(params, where);
      const k = stateNumber(state, 'count', where);
      const leaves = flatten(grads, where);
      if (leaves.length === 0) return [grads, { ...state, count: k + 1 }];
      const b = leaves[0][1].backend;
      const d = stateScalar(state, 'd', where);
      const numOld = stateScalar(state, 'numeratorWeighted', where);
      const sb2 = Math.sqrt(o.b2);
      const bc = biasCorrection(o, k);
      const dlr = b.mul(d, o.lr * bc);
      const decayed = coupledDecay(b, o, where);
      const trees = [grads, ps, stateTree(state, 'mu', where), stateTree(state, 'nu', where), stateTree(state, 's', where)];
      // Reduction with the old s and v: ⟨g, s / (√v + ε)⟩ over every parameter.
      const dot = b.scope(() => {
        let acc: Tensor | undefined;
        for (const [name, [g0, p, , v, s]] of checkTrees(trees, {
          where,
          labels: ['gradient', 'parameter', "state 'mu'", "state 'nu'", "state 's'"],
        })) {
          const part = b.reduce('sum', b.mul(decayed(g0, p, name), b.div(s, b.add(b.unary('sqrt', v), o.eps))));
          acc = acc ? b.add(acc, part) : part;
        }
        return acc!;
      });
      const mCoef = b.mul(dlr, 1 - o.b1);
      const sCoef = b.mul(dlr, 1 - sb2);
      // The moments and s (elementwise, with the old d).
      const [mu, nu, s] = mapTreesN(
        3,
        trees,
        ([g0, p, m, v, sOld], name) => {
          const g = decayed(g0, p, name);
          return [
            b.add(b.mul(m, o.b1), b.mul(g, mCoef)),
            b.add(b.mul(v, o.b2), b.mul(b.unary('square', g), 1 - o.b2)),
            b.add(b.mul(sOld, sb2), b.mul(g, sCoef)),
          ];
        },
        { where, labels: ["state 'mu'", "state 'nu'", "state 's'"] },
      );
      const l1 = b.scope(() => {
        let acc: Tensor | undefined;
        for (const [, [t]] of checkTrees([s], { where, labels: ["state 's'"] })) {
          const part = b.reduce('sum', b.unary('abs', t));
          acc = acc ? b.add(acc, part) : part;
        }
        return acc!;
      });
      // The new estimate, as rank-0 tensors (no read-back).
      const [numeratorWeighted, dNew, decayCoef] = b.scope(() => {
        const num = b.add(b.mul(numOld, sb2), b.mul(b.mul(dlr, dot), 1 - sb2));
        const has = b.compare('greater', l1, 0);
        const dHat = b.div(num, b.mul(b.where(has, l1, 1), 1 - sb2));
        const capped = Number.isFinite(o.growthRate) ? b.binary('minimum', dHat, b.mul(d, o.growthRate)) : dHat;
        return [b.where(has, num, numOld), b.where(has, b.binary('maximum', d, capped), d), b.mul(dlr, -o.weightDecay)];
      });
      const [updates] = mapTreesN(
        1,
        [ps, mu, nu],
        ([p, m, v], name) => {
          let u = b.div(m, b.sub(b.mul(b.unary('sqrt', v), -1), o.eps));
          if (o.decouple && o.weightDecay !== 0 && maskSelects(o.mask, name, p, where)) u = b.add(u, b.mul(p, decayCoef));
          return [u];
        },
        { where, labels: ['update'] },
      );
      for (const t of [dlr, dot, mCoef, sCoef, l1, decayCoef]) t.dispose();
      return [updates, { count: k + 1, d: dNew, numeratorWeighted, mu, nu, s }];
    },
  };
}

/**
 * D-Adaptation Adam (Defazio and Mishchenko 2023): Adam whose step size is a lower bound `d` on
 * the distance to the solution, estimated from the gradients seen so far; the learning rate is a
 * multiplier, 1 by default (no learning rate to set).
 *
 * ```text
 * dlr = d·lr·bc                                          (bc = √(1 − b2ᵏ⁺¹)/(1 − b1ᵏ⁺¹) with useBiasCorrection, else 1)
 * r ← √b2·r + (1 − √b2)·dlr·⟨g, s / (√v + ε)⟩            (s and v before this step)
 * m ← b1·m + dlr·(1 − b1)·g,   v ← b2·v + (1 − b2)·g²,   s ← √b2·s + dlr·(1 − √b2)·g
 * d̂ = r / ((1 − √b2)·‖s‖₁),   d ← max(d, min(d̂, d·growthRate))
 * p ← p − m / (√v + ε) − dlr·λ·p                          (decoupled decay; coupled: g ← g + λ·p first)
 * ```
 *
 * Reductions first, scalars into programs: the inner product and `‖s‖₁` are reductions over
 * every parameter; `d` and `r` stay rank-0 tensors on the device and enter the programs as scalars
 * (or broadcast inputs where the backend has no synchronous read).
 *
 * Conventions: as the authors' `DAdaptAdam` (facebookresearch/dadaptation): lr 1, betas (0.9,
 * 0.999), ε 1e-8, coupled decay by default, no bias correction, `d₀` 1e-6, growth ∞, a
 * `layer_scale` of 1 (not offered). Differences: `d` and `r` are kept in the parameters' dtype
 * (the authors' are Python floats); where `‖s‖₁` is 0 the estimate is kept and the step counts
 * (the authors' code returns early). optax's contrib `dadapt_adamw` is the decoupled-decay variant;
 * PyTorch and Keras have none.
 *
 * @param lr - A multiplier of the estimated rate (default 1), or a schedule.
 * @param options - See {@link DadaptAdamOptions}.
 * @returns The optimizer; its state holds `hyperparams` and `{ count, d, numeratorWeighted, mu, nu, s }`.
 *
 * @example
 * ```ts
 * const tx = dadaptAdam(1, { weightDecay: 1e-2, decouple: true });
 * ```
 *
 * Defazio and Mishchenko, 2023, "Learning-Rate-Free Learning by D-Adaptation" (https://arxiv.org/abs/2301.07733);
 * reference code facebookresearch/dadaptation, `dadaptation/dadapt_adam.py`.
 */
export function dadaptAdam(lr: ScalarOrSchedule = 1, options: DadaptAdamOptions = {}): InjectedTransformation {
  const where = 'dadaptAdam';
  const {
    b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8,
    weightDecay = 0,
    decouple = false,
    mask,
    useBiasCorrection = false,
    d0 = 1e-6,
    growthRate = Number.POSITIVE_INFINITY,
  } = checkOptions(where, options, {
    b1: true,
    b2: true,
    eps: true,
    weightDecay: true,
    decouple: true,
    mask: true,
    useBiasCorrection: true,
    d0: true,
    growthRate: true,
  });
  if (typeof d0 !== 'number' || !(d0 > 0) || !Number.isFinite(d0))
    throw new InvalidArgumentError(`${where}: d0 must be a finite number > 0, got ${String(d0)}`);
  if (typeof growthRate !== 'number' || !(growthRate >= 1))
    throw new InvalidArgumentError(`${where}: growthRate must be a number ≥ 1 (Infinity allowed), got ${String(growthRate)}`);
  return withHyperparams(where, { lr, b1, b2, eps, weightDecay }, (h) =>
    scaleByDadaptAdam(where, {
      lr: h.lr,
      b1: h.b1,
      b2: h.b2,
      eps: h.eps,
      weightDecay: h.weightDecay,
      decouple,
      mask,
      useBiasCorrection,
      d0,
      growthRate,
    }),
  );
}
