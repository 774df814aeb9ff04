import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { ema } from './math.js';

/** The state of {@link scaleByAdam}: the step count and the moments (`nuMax` with AMSGrad). */
export type ScaleByAdamState = {
  /** Updates made so far (the step of the bias correction). */
  readonly count: number;
  /** First moment: the moving average of the gradients. */
  readonly mu: Params;
  /** Second moment: the moving average of the squared gradients. */
  readonly nu: Params;
  /** With AMSGrad: the running maximum of `nu`. */
  readonly nuMax?: Params;
  /** With `momentumDecay`: the product of the momentum schedule `μ₁⋯μₜ` (PyTorch's `mu_product`). */
  readonly muProduct?: number;
};

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number;
  /** Added to the denominator outside the square root (default 1e-8). */
  readonly eps?: number;
  /** Added inside the square root (default 0). */
  readonly epsRoot?: number;
  /** Dozat's Nesterov momentum (NAdam), as optax: no momentum-decay schedule (default false). */
  readonly nesterov?: boolean;
  /** AMSGrad: divide by the running maximum of the second moment (default false). */
  readonly amsgrad?: boolean;
  /**
   * PyTorch's NAdam schedule (with `nesterov`): the momentum of step t is
   * `μₜ = b1·(1 − ½·0.96^(t·momentumDecay))`, bias-corrected by the product of the `μ`s
   * (`torch.optim.NAdam`'s `momentum_decay`, 4e-3 there). Default: none (Dozat's and optax's rule).
   */
  readonly momentumDecay?: number;
  /**
   * Where `eps` goes: `'corrected'` (default; optax, PyTorch, TensorFlow.js): `m̂ / (√v̂ + ε)`;
   * `'keras'` (Keras, TensorFlow 1): `η·√(1 − b2ᵗ)/(1 − b1ᵗ) · m / (√v + ε)`, i.e. ε added to the
   * uncorrected root, so it weighs `1/√(1 − b2ᵗ)` times more in early steps.
   */
  readonly epsPlacement?: 'corrected' | 'keras';
}

/**
 * Defaults of {@link scaleByAdam}'s options, shared with {@link adam}, {@link adamw}, {@link lamb},
 * {@link cautiousAdamw} and {@link optimisticAdam}.
 */
export const SCALE_BY_ADAM_DEFAULTS = {
  b1: 0.9,
  b2: 0.999,
  eps: 1e-8,
  epsRoot: 0,
  nesterov: false,
  amsgrad: false,
  epsPlacement: 'corrected',
} as const;

/**
 * Rescales updates by Adam's bias-corrected moment estimates (optax's `scale_by_adam`).
 *
 * ```text
 * t ← t + 1
 * m ← b1·m + (1 − b1)·g,      v ← b2·v + (1 − b2)·g²
 * m̂ = m / (1 − b1ᵗ)           (Nesterov: m̂ = b1·m / (1 − b1ᵗ⁺¹) + (1 − b1)·g / (1 − b1ᵗ))
 * v̂ = v / (1 − b2ᵗ)           (AMSGrad: v_max ← max(v_max, v),  v̂ = v_max / (1 − b2ᵗ))
 * u = m̂ / (√(v̂ + ε_root) + ε)
 * ```
 *
 * With `momentumDecay` (PyTorch's NAdam, requires `nesterov`):
 *
 * ```text
 * μₜ = b1·(1 − ½·0.96^(t·ψ)),   Πₜ = μ₁⋯μₜ
 * u = ((1 − μₜ)/(1 − Πₜ)·g + μₜ₊₁/(1 − Πₜ·μₜ₊₁)·m) / (√v̂ + ε)
 * ```
 *
 * With `epsPlacement: 'keras'`: `u = √(1 − b2ᵗ)/(1 − b1ᵗ) · m / (√v + ε)` (m̂'s numerator as above).
 *
 * AMSGrad keeps the maximum of the raw second moment and bias-corrects it afterwards (PyTorch's
 * convention; optax takes the maximum of the corrected one). Nesterov follows Dozat and optax,
 * without the momentum-decay schedules of PyTorch's NAdam (`b1·(1 − ½·0.96^(0.004·t))`) and
 * Keras 3's (`b1·(1 − ½·0.96^t)`), which differ from each other too.
 *
 * @param options - See {@link ScaleByAdamOptions}.
 * @returns A transformation whose state is `{ count, mu, nu }` (and `nuMax` with AMSGrad).
 *
 * @example
 * ```ts
 * const myAdam = chain(scaleByAdam({ b2: 0.99 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization" (https://arxiv.org/abs/1412.6980);
 * Dozat, 2016, "Incorporating Nesterov Momentum into Adam";
 * Reddi et al., 2018, "On the Convergence of Adam and Beyond" (https://openreview.net/forum?id=ryQu7f-RZ).
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const {
    b1 = SCALE_BY_ADAM_DEFAULTS.b1,
    b2 = SCALE_BY_ADAM_DEFAULTS.b2,
    eps = SCALE_BY_ADAM_DEFAULTS.eps,
    epsRoot = SCALE_BY_ADAM_DEFAULTS.epsRoot,
    nesterov = SCALE_BY_ADAM_DEFAULTS.nesterov,
    amsgrad = SCALE_BY_ADAM_DEFAULTS.amsgrad,
    momentumDecay,
    epsPlacement = SCALE_BY_ADAM_DEFAULTS.epsPlacement,
  } = checkOptions('scaleByAdam', options, {
    b1: true,
    b2: true,
    eps: true,
    epsRoot: true,
    nesterov: true,
    amsgrad: true,
    momentumDecay: true,
    epsPlacement: true,
  });
  const where = 'scaleByAdam';
  if (momentumDecay !== undefined) {
    if (!nesterov) throw new InvalidArgumentError(`${where}: option 'momentumDecay' is PyTorch's NAdam schedule and needs nesterov: true`);
    if (!(momentumDecay >= 0 && Number.isFinite(momentumDecay)))
      throw new InvalidArgumentError(`${where}: option 'momentumDecay' must be a finite number ≥ 0, got ${momentumDecay}`);
  }
  if (epsPlacement !== 'corrected' && epsPlacement !== 'keras')
    throw new InvalidArgumentError(`${where}: option 'epsPlacement' must be 'corrected' or 'keras', got ${String(epsPlacement)}`);
  const scheduled = momentumDecay !== undefined;
  const muOf = (t: number) => b1 * (1 - 0.5 * 0.96 ** (t * (momentumDecay ?? 0)));
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  const keras = epsPlacement === 'keras';
  /** The step's host numbers (bias corrections, the momentum schedule), shared by `update` and `hostStep`. */
  const host = (state: ScaleByAdamState) => {
    const count = stateNumber(state, 'count', where) + 1;
    const muT = muOf(count);
    return {
      count,
      c1: 1 - Math.pow(b1, count),
      c1Next: 1 - Math.pow(b1, count + 1),
      c2: 1 - Math.pow(b2, count),
      muT,
      muNext: muOf(count + 1),
      muProduct: scheduled ? stateNumber(state, 'muProduct', where) * muT : 1,
    };
  };
  return {
    name: where,
    hostStep(state, context) {
      const { count, c1, c1Next, c2, muT, muNext, muProduct } = host(state);
      const mu = stateTree(state, 'mu', where);
      const nu = stateTree(state, 'nu', where);
      const nuMax = amsgrad ? stateTree(state, 'nuMax', where) : undefined;
      // The closure's numbers, in the order it passes them.
      const per = [b1, 1 - b1, b2, 1 - b2];
      if (scheduled) per.push((1 - muT) / (1 - muProduct), muNext / (1 - muProduct * muNext));
      else if (nesterov) per.push(b1 / c1Next, (1 - b1) / c1);
      else per.push(1 / c1);
      if (!keras) per.push(1 / c2);
      if (epsRoot !== 0) per.push(epsRoot);
      if (keras) per.push(Math.sqrt(c2));
      per.push(eps);
      for (let i = 0; i < context.leaves; i++) context.literals.push(...per);
      return { count, mu, nu, ...(amsgrad ? { nuMax } : {}), ...(scheduled ? { muProduct } : {}) } as ScaleByAdamState;
    },
    init: (params) => ({
      count: 0,
      mu: zerosLike(params),
      nu: zerosLike(params),
      ...(amsgrad ? { nuMax: zerosLike(params) } : {}),
      ...(scheduled ? { muProduct: 1 } : {}),
    }),
    update(grads, state) {
      const { count, c1, c1Next, c2, muT, muNext, muProduct } = host(state);
      const trees = [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)];
      if (amsgrad) trees.push(stateTree(state, 'nuMax', where));
      const [updates, mu, nu, nuMax] = mapTreesN(
        amsgrad ? 4 : 3,
        trees,
        ([g, m, v, vMax]) => {
          const b = g.backend;
          const m2 = ema(m, g, b1);
          const v2 = ema(v, b.unary('square', g), b2);
          const vMax2 = amsgrad ? b.binary('maximum', vMax, v2) : undefined;
          // Bias corrections as host reciprocals: multiplications in the update program, not divisions.
          const mHat = scheduled
            ? b.add(b.mul(g, (1 - muT) / (1 - muProduct)), b.mul(m2, muNext / (1 - muProduct * muNext)))
            : nesterov
              ? b.add(b.mul(m2, b1 / c1Next), b.mul(g, (1 - b1) / c1))
              : b.mul(m2, 1 / c1);
          // Keras: ε on the uncorrected root, the correction √(1 − b2ᵗ) on the numerator.
          let vHat = keras ? (vMax2 ?? v2) : b.mul(vMax2 ?? v2, 1 / c2);
          if (epsRoot !== 0) vHat = b.add(vHat, epsRoot);
          const u = b.div(keras ? b.mul(mHat, Math.sqrt(c2)) : mHat, b.add(b.unary('sqrt', vHat), eps));
          return vMax2 ? [u, m2, v2, vMax2] : [u, m2, v2];
        },
        { where, labels: ['update', "state 'mu'", "state 'nu'", "state 'nuMax'"] },
      );
      return [updates, { count, mu, nu, ...(amsgrad ? { nuMax } : {}), ...(scheduled ? { muProduct } : {}) }];
    },
  };
}
