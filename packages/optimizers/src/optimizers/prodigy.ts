import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { maskSelects, type Mask } from '../mask.js';
import { needParams } from '../transforms/needs-params.js';
import { biasCorrection, coupledDecay, type DAdaptationCore } from './d-adaptation.js';
import { checkTrees, flatten, mapTreesN, rank0Like, stateNumber, stateScalar, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';

/** The state of Prodigy's core: the step count, the distance estimate and its sums (rank-0 tensors), the moments and the displacement. */
export type ScaleByProdigyState = {
  /** Updates made so far. */
  readonly count: number;
  /** The distance estimate `d` (a rank-0 tensor in the parameters' dtype; `null` for an empty tree). */
  readonly d: Tensor | null;
  /** The largest estimate `d̂` so far (a rank-0 tensor). */
  readonly dMax: Tensor | null;
  /** The decayed numerator `Σ β₃ⁱ·(d/d₀)·dlr·⟨g, p₀ − p⟩` (a rank-0 tensor). */
  readonly dNumerator: Tensor | null;
  /** First moment, scaled by `d`. */
  readonly mu: Params;
  /** Second moment, scaled by `d²`. */
  readonly nu: Params;
  /** The decayed sum `s` of the scaled gradients. */
  readonly s: Params;
  /** The displacement `p − p₀` from the parameters at `init`: the sum of this transformation's updates. */
  readonly delta: Params;
};

/** Options of {@link prodigy}. */
export interface ProdigyOptions {
  /** Decay of the first moment (default 0.9; 0 keeps no first moment). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Decay of the numerator and of `s` (default `√b2`). */
  readonly beta3?: number;
  /** Added to `√v`, times `d` (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** Weight decay `λ` (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Decoupled decay `p ← p − dlr·λ·p` (default true); false adds `λ·p` to the gradient. */
  readonly decouple?: boolean;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
  /** Adam's bias correction in `dlr` (default false, as the authors' code). */
  readonly useBiasCorrection?: boolean;
  /** Accumulate `s` with `d` instead of `dlr` (the authors' fix for warmup schedules; default false). */
  readonly safeguardWarmup?: boolean;
  /** The initial estimate `d₀` (default 1e-6). */
  readonly d0?: number;
  /** Multiplies the estimate `d̂` (default 1). */
  readonly dCoef?: number;
  /** The most `d` may grow per step, as a factor (default Infinity). */
  readonly growthRate?: number;
}

interface Core extends DAdaptationCore {
  readonly beta3: number;
  readonly safeguardWarmup: boolean;
  readonly dCoef: number;
}

function scaleByProdigy(where: string, o: Core): GradientTransformation<ScaleByProdigyState> {
  return {
    name: where,
    init(params) {
      const scalar = rank0Like(params, where);
      return {
        count: 0,
        d: scalar(o.d0),
        dMax: scalar(o.d0),
        dNumerator: scalar(0),
        mu: zerosLike(params),
        nu: zerosLike(params),
        s: zerosLike(params),
        delta: zerosLike(params),
      };
    },
    update(grads, state, params) {
      const ps = needParams(params, where);
      const k = stateNumber(state, 'count', where);
      const trees = [grads, ps, stateTree(state, 'mu', where), stateTree(state, 'nu', where), stateTree(state, 's', where)];
      const leaves = flatten(grads, where);
      if (leaves.length === 0) return [grads, { ...state, count: k + 1 }];
      const b = leaves[0][1].backend;
      const d = stateScalar(state, 'd', where);
      const dMax = stateScalar(state, 'dMax', where);
      const dNumOld = stateScalar(state, 'dNumerator', where);
      const bc = biasCorrection(o, k);
      const dlr = b.mul(d, o.lr * bc);
      const ratio = b.div(d, o.d0);
      // Step 1 (elementwise, with the old d): the moments and s.
      const sCoef = b.mul(ratio, o.safeguardWarmup ? d : dlr);
      const decayed = coupledDecay(b, o, where);
      const [mu, nu, s] = mapTreesN(
        3,
        trees,
        ([g0, p, m, v, sOld], name) => {
          const g = decayed(g0, p, name);
          const m2 = o.b1 > 0 ? b.add(b.mul(m, o.b1), b.mul(g, b.mul(d, 1 - o.b1))) : b.mul(m, 1);
          const v2 = b.add(b.mul(v, o.b2), b.mul(b.unary('square', g), b.mul(b.unary('square', d), 1 - o.b2)));
          const s2 = b.add(b.mul(sOld, o.beta3), b.mul(g, sCoef));
          return [m2, v2, s2];
        },
        { where, labels: ["state 'mu'", "state 'nu'", "state 's'"] },
      );
      // Reductions: the inner product ⟨g, p − p₀⟩ (= −⟨g, p₀ − p⟩) and ‖s‖₁ over every parameter, as rank-0 tensors.
      const [dot, denom] = b.scope(() => {
        let dot: Tensor | undefined;
        let denom: Tensor | undefined;
        const rows = checkTrees([grads, ps, stateTree(state, 'delta', where), s], {
          where,
          labels: ['gradient', 'parameter', "state 'delta'", "state 's'"],
        });
        for (const [name, [g0, p, delta, s2]] of rows) {
          const part = b.reduce('sum', b.mul(decayed(g0, p, name), delta));
          const abs = b.reduce('sum', b.unary('abs', s2));
          dot = dot ? b.add(dot, part) : part;
          denom = denom ? b.add(denom, abs) : abs;
        }
        return [dot!, denom!];
      });
      // Step 2 (rank-0 tensors, no read-back): the new estimate, and the coefficients of the step.
      const [dNumerator, dNew, dMaxNew, epsD, stepCoef, decayCoef] = b.scope(() => {
        const dNumerator = b.sub(b.mul(dNumOld, o.beta3), b.mul(b.mul(ratio, dlr), dot));
        const has = b.compare('greater', denom, 0);
        const dHat = b.mul(b.div(dNumerator, b.where(has, denom, 1)), o.dCoef);
        const dFirst = b.where(b.compare('equal', d, o.d0), b.binary('maximum', d, dHat), d);
        const dMax2 = b.binary('maximum', dMax, dHat);
        const d2 = Number.isFinite(o.growthRate) ? b.binary('minimum', dMax2, b.mul(dFirst, o.growthRate)) : dMax2;
        const dNew = b.where(has, d2, d);
        // Step 3 uses the new d in the denominator and the old dlr.
        const stepCoef = o.b1 > 0 ? b.mul(dlr, -1) : b.mul(b.mul(dlr, dNew), -1);
        return [dNumerator, dNew, b.where(has, dMax2, dMax), b.mul(dNew, o.eps), stepCoef, b.mul(dlr, -o.weightDecay)];
      });
      // Step 3 (elementwise): the parameter update.
      const [updates, delta] = mapTreesN(
        2,
        [grads, ps, mu, nu, stateTree(state, 'delta', where)],
        ([g, p, m, v, dOld], name) => {
          const num = o.b1 > 0 ? m : decayed(g, p, name);
          let u = b.mul(b.div(num, b.add(b.unary('sqrt', v), epsD)), stepCoef);
          if (o.decouple && o.weightDecay !== 0 && maskSelects(o.mask, name, p, where)) u = b.add(u, b.mul(p, decayCoef));
          return [u, b.add(dOld, u)];
        },
        { where, labels: ['update', "state 'delta'"] },
      );
      for (const t of [dlr, ratio, sCoef, dot, denom, epsD, stepCoef, decayCoef]) t.dispose();
      return [updates, { count: k + 1, d: dNew, dMax: dMaxNew, dNumerator, mu, nu, s, delta }];
    },
  };
}

/**
 * Prodigy (Mishchenko and Defazio 2024): Adam whose learning rate is estimated on the fly as the
 * distance `d` to the solution, so the rate given is a multiplier, 1 by default ("no learning
 * rate set").
 *
 * ```text
 * dlr = d·lr·bc                                  (bc = √(1 − b2ᵏ⁺¹)/(1 − b1ᵏ⁺¹) with useBiasCorrection, else 1)
 * m ← b1·m + d·(1 − b1)·g,   v ← b2·v + d²·(1 − b2)·g²
 * r ← β₃·r + (d/d₀)·dlr·⟨g, p₀ − p⟩,   s ← β₃·s + (d/d₀)·dlr·g        (p − p₀ kept as the sum of the updates)
 * d̂ = dCoef · r / ‖s‖₁,   d_max ← max(d_max, d̂),   d ← min(d_max, d·growthRate)   (and d ← max(d, d̂) while d = d₀)
 * p ← p − dlr·m / (√v + d·ε) − dlr·λ·p
 * ```
 *
 * Reductions first, scalars into programs: the inner products `⟨g, p₀ − p⟩` and the norm `‖s‖₁`
 * are reductions over every parameter; `d` and its sums stay rank-0 tensors on the device (no
 * read-back, so it runs on backends without synchronous reads), and enter the update programs
 * as scalars (or broadcast inputs where the backend cannot read synchronously).
 *
 * Conventions: as the authors' `Prodigy` (konstmish/prodigy): betas (0.9, 0.999), `β₃ = √b2`,
 * ε 1e-8, decoupled decay 0, `d₀` 1e-6, no bias correction, `growthRate` ∞, the step taken with
 * the old `dlr` and the new `d` in the denominator. Differences: the authors keep the initial
 * parameters `p₀` and subtract; here the state holds the displacement `p − p₀` as the running sum
 * of this transformation's updates (the same memory, and no cancellation in float32, where
 * `p₀ − p` loses most of its digits while `d` is small); it equals the parameters' displacement
 * when Prodigy's update is applied unchanged, as `prodigy` itself is. `d` and its sums are kept in the
 * parameters' dtype (the authors' are Python floats, float64); where `‖s‖₁` is 0 the estimate is
 * kept and the step still counts (the authors' code returns early without counting it); `lr`
 * may be a schedule (the authors' `safeguardWarmup` is meant for warmup schedules). optax's
 * contrib `prodigy` is the same rule without `safeguardWarmup`; PyTorch and Keras have none.
 *
 * @param lr - A multiplier of the estimated rate (default 1: no learning rate to set), or a schedule.
 * @param options - See {@link ProdigyOptions}.
 * @returns The optimizer; its state holds `hyperparams` and `{ count, d, dMax, dNumerator, mu, nu, s, delta }`.
 *
 * @example
 * ```ts
 * const tx = prodigy(1, { weightDecay: 1e-2 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Mishchenko and Defazio, 2024, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner"
 * (https://arxiv.org/abs/2306.06101); reference code konstmish/prodigy, `prodigyopt/prodigy.py`.
 */
export function prodigy(lr: ScalarOrSchedule = 1, options: ProdigyOptions = {}): InjectedTransformation {
  const where = 'prodigy';
  const {
    b1 = 0.9,
    b2 = 0.999,
    beta3,
    eps = 1e-8,
    weightDecay = 0,
    decouple = true,
    mask,
    useBiasCorrection = false,
    safeguardWarmup = false,
    d0 = 1e-6,
    dCoef = 1,
    growthRate = Number.POSITIVE_INFINITY,
  } = checkOptions(where, options, {
    b1: true,
    b2: true,
    beta3: true,
    eps: true,
    weightDecay: true,
    decouple: true,
    mask: true,
    useBiasCorrection: true,
    safeguardWarmup: true,
    d0: true,
    dCoef: true,
    growthRate: true,
  });
  if (beta3 !== undefined) checkHyperparam(where, 'b3', beta3);
  for (const [name, v] of [
    ['d0', d0],
    ['dCoef', dCoef],
  ] as const) {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new InvalidArgumentError(`${where}: ${name} must be a finite number > 0, got ${String(v)}`);
  }
  if (typeof growthRate !== 'number' || !(growthRate >= 1))
    throw new InvalidArgumentError(`${where}: growthRate must be a number ≥ 1 (Infinity allowed), got ${String(growthRate)}`);
  return withHyperparams(where, { lr, b1, b2, eps, weightDecay }, (h) =>
    scaleByProdigy(where, {
      lr: h.lr,
      b1: h.b1,
      b2: h.b2,
      beta3: beta3 ?? Math.sqrt(h.b2),
      eps: h.eps,
      weightDecay: h.weightDecay,
      decouple,
      mask,
      useBiasCorrection,
      safeguardWarmup,
      d0,
      dCoef,
      growthRate,
    }),
  );
}
