import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { GRADIENT_OPTION_KEYS, checkGradientOptions, decayHyper, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { SCALE_BY_ADAM_DEFAULTS, scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adam}, {@link nadam} and {@link amsgrad}. */
export interface AdamOptions extends GradientOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the denominator outside the root (default 1e-8; TensorFlow.js's default is 1e-7). */
  readonly eps?: ScalarOrSchedule;
  /** Added inside the root (default 0). */
  readonly epsRoot?: ScalarOrSchedule;
  /** Nesterov momentum: NAdam (default false). */
  readonly nesterov?: boolean;
  /** AMSGrad's running maximum of the second moment (default false). */
  readonly amsgrad?: boolean;
  /** PyTorch's NAdam momentum schedule `μₜ = b1·(1 − ½·0.96^(t·ψ))` (with `nesterov`; PyTorch's default ψ = 4e-3); default none. */
  readonly momentumDecay?: number;
  /** `'corrected'` (default: ε after the bias-corrected root, as optax and PyTorch) or `'keras'` (ε on the uncorrected root). */
  readonly epsPlacement?: 'corrected' | 'keras';
}

/**
 * Adam: momentum over gradients rescaled by a running RMS, both bias-corrected (optax's `adam`).
 *
 * ```text
 * t ← t + 1
 * m ← b1·m + (1 − b1)·g,   v ← b2·v + (1 − b2)·g²
 * m̂ = m / (1 − b1ᵗ),       v̂ = v / (1 − b2ᵗ)
 * p ← p − η · m̂ / (√(v̂ + ε_root) + ε)
 * ```
 *
 * Hyperparameters in the state: `lr`, `b1`, `b2`, `eps`, `epsRoot`. Where the backend compiles
 * programs, a step is one fused update program (the rule above, traced from `scaleByAdam`, its only
 * statement). TensorFlow.js's `adam` is the same rule (Algorithm 1 of the paper).
 *
 * Conventions: PyTorch places ε as here; Keras (and TensorFlow 1) add it to the uncorrected root,
 * `η·√(1 − b2ᵗ)/(1 − b1ᵗ)·m/(√v + ε)`: pass `epsPlacement: 'keras'` to reproduce Keras's steps
 * (the two differ most in the first steps, by a factor up to `1/√(1 − b2)` ≈ 31.6 on ε).
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdamOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adam(1e-3, { b2: 0.99 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization" (https://arxiv.org/abs/1412.6980).
 */
export function adam(lr: ScalarOrSchedule, options: AdamOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAM_DEFAULTS.b1,
    b2 = SCALE_BY_ADAM_DEFAULTS.b2,
    eps = SCALE_BY_ADAM_DEFAULTS.eps,
    epsRoot = SCALE_BY_ADAM_DEFAULTS.epsRoot,
    nesterov = SCALE_BY_ADAM_DEFAULTS.nesterov,
    amsgrad = SCALE_BY_ADAM_DEFAULTS.amsgrad,
    weightDecay,
    maximize,
    momentumDecay,
    epsPlacement,
  } = checkOptions('adam', options, {
    b1: true,
    b2: true,
    eps: true,
    epsRoot: true,
    nesterov: true,
    amsgrad: true,
    momentumDecay: true,
    epsPlacement: true,
    ...GRADIENT_OPTION_KEYS,
  });
  const name = nesterov ? 'nadam' : amsgrad ? 'amsgrad' : 'adam';
  checkGradientOptions(name, { maximize });
  const conventions = { ...(momentumDecay !== undefined ? { momentumDecay } : {}), ...(epsPlacement ? { epsPlacement } : {}) };
  return withHyperparams(name, { lr, b1, b2, eps, epsRoot, ...decayHyper(weightDecay) }, (h) => {
    return chain(
      ...gradientPrefix(h, { weightDecay, maximize }),
      scaleByAdam({ b1: h.b1, b2: h.b2, eps: h.eps, epsRoot: h.epsRoot, nesterov, amsgrad, ...conventions }),
      scaleByLearningRate(h.lr),
    );
  });
}

/**
 * NAdam: Adam with Dozat's Nesterov momentum, as optax: no momentum-decay schedule. PyTorch's
 * NAdam multiplies `b1` by `μₜ = 1 − ½·0.96^(0.004·t)` (`momentum_decay=4e-3`); Keras 3's by
 * `1 − ½·0.96^t` (no 0.004 factor, so its momentum reaches `b1` within a few dozen steps), and
 * both bias-correct with the product of the `μ`s instead of `b1ᵗ` (keras/src/optimizers/nadam.py,
 * torch/optim/nadam.py). The three agree only in the limit of large `t`. Pass
 * `momentumDecay: 4e-3` for PyTorch's schedule (checked against `torch.optim.NAdam`).
 *
 * ```text
 * m̂ = b1·m / (1 − b1ᵗ⁺¹) + (1 − b1)·g / (1 − b1ᵗ)     (m, v, v̂ as in Adam)
 * p ← p − η · m̂ / (√(v̂ + ε_root) + ε)
 * ```
 *
 * @param lr - Learning rate, or a schedule.
 * @param options - See {@link AdamOptions} (`nesterov` is set).
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = nadam(2e-3);
 * ```
 *
 * Dozat, 2016, "Incorporating Nesterov Momentum into Adam" (https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ).
 */
export function nadam(lr: ScalarOrSchedule, options: Omit<AdamOptions, 'nesterov'> = {}): InjectedTransformation {
  return adam(lr, { ...options, nesterov: true });
}

/**
 * AMSGrad: Adam dividing by the running maximum of the second moment, so the per-coordinate rate
 * never grows (PyTorch's convention: the maximum of the raw moment, bias-corrected after).
 *
 * ```text
 * v_max ← max(v_max, v),   p ← p − η · m̂ / (√(v_max / (1 − b2ᵗ) + ε_root) + ε)
 * ```
 *
 * @param lr - Learning rate, or a schedule.
 * @param options - See {@link AdamOptions} (`amsgrad` is set).
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = amsgrad(1e-3);
 * ```
 *
 * Reddi, Kale and Kumar, 2018, "On the Convergence of Adam and Beyond" (https://openreview.net/forum?id=ryQu7f-RZ).
 */
export function amsgrad(lr: ScalarOrSchedule, options: Omit<AdamOptions, 'amsgrad'> = {}): InjectedTransformation {
  return adam(lr, { ...options, amsgrad: true });
}
