import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';
import { SCALE_BY_ADAHESSIAN_DEFAULTS, scaleByAdaHessian, type ScaleByAdaHessianOptions } from './scale-by-adahessian.js';

/** Options of {@link adahessian}. */
export interface AdahessianOptions extends ScaleByAdaHessianOptions {
  /** Weight decay λ added to the step and multiplied by the learning rate, as the authors' code (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay: a predicate on the dotted name or a tree of booleans (default all). */
  readonly mask?: Mask;
}

/**
 * AdaHessian: Adam whose second moment averages squared Hessian-diagonal estimates instead of
 * squared gradients (Yao et al. 2021).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * D = hessianEstimate(θ, t)            (every k steps; k = 1 in the paper)
 * v ← b2·v + (1 − b2)·D²
 * θ ← θ − η·( (m/(1 − b1ᵗ)) / ((√v / √(1 − b2ⁿ))ᵖ + ε) + λ·θ )
 * ```
 *
 * The estimate is an input, as for `sophia`: compute Hutchinson's `z ⊙ Hz` (or `|Hz|`, the
 * same once squared) with `@downhill/autograd` in the training loop.
 *
 * Conventions, against the authors' code (amirgholami/adahessian,
 * `image_classification/optim_adahessian.py`):
 * - the authors average `|Hz|` over the two spatial axes of 4-D convolution kernels (their
 *   "spatial averaging"); here the estimate is used as given, so average it in the callback if
 *   wanted (kernel layouts differ between libraries).
 * - with `updateEvery` k > 1 (davda54/ada-hessian's `update_each`), `v` and its bias correction
 *   `n` advance only on the steps that take an estimate; with k = 1 (default) this is the paper.
 * - weight decay is added to the adaptive step, times η, as the code's
 *   `p − lr·(m̂/denom + λ·p)` (decoupled, like AdamW's).
 * - defaults are the authors': lr 0.15, ε = 1e-4 outside the root, Hessian power 1. optax and
 *   PyTorch have no AdaHessian.
 *
 * Elementwise: one update program per parameter where the backend compiles programs.
 *
 * @param lr - The learning rate η, or a schedule (the authors' default is 0.15).
 * @param options - See {@link AdahessianOptions}; `hessianEstimate` is required.
 * @returns An injectable transformation (`lr`, `b1`, `b2`, `eps`, `weightDecay`, `hessianPower` readable and settable).
 * @throws MissingHessianEstimateError without `hessianEstimate`, or when it returns nothing on a step that needs one.
 *
 * @example
 * ```ts
 * const c = backend.tensor([1, 10], [2]);
 * const tx = adahessian(0.15, { hessianEstimate: () => ({ w: backend.mul(c, 1) }) });
 * let params = { w: backend.tensor([1, 1], [2]) };
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, { w: backend.mul(params.w, c) }, state));
 * ```
 *
 * Yao, Gholami, Shen, Mustafa, Keutzer and Mahoney, 2021, "ADAHESSIAN: An Adaptive Second Order
 * Optimizer for Machine Learning", AAAI, Algorithm 1 (https://arxiv.org/abs/2006.00719).
 */
export function adahessian(lr: ScalarOrSchedule, options: AdahessianOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAHESSIAN_DEFAULTS.b1,
    b2 = SCALE_BY_ADAHESSIAN_DEFAULTS.b2,
    eps = SCALE_BY_ADAHESSIAN_DEFAULTS.eps,
    hessianPower = SCALE_BY_ADAHESSIAN_DEFAULTS.hessianPower,
    updateEvery = SCALE_BY_ADAHESSIAN_DEFAULTS.updateEvery,
    hessianEstimate,
    weightDecay = 0,
    mask,
  } = checkOptions('adahessian', options, {
    b1: true,
    b2: true,
    eps: true,
    hessianPower: true,
    updateEvery: true,
    hessianEstimate: true,
    weightDecay: true,
    mask: true,
  });
  scaleByAdaHessian({ b1, b2, eps, hessianPower, updateEvery, hessianEstimate });
  return withHyperparams('adahessian', { lr, b1, b2, eps, hessianPower, weightDecay }, (h) =>
    chain(
      scaleByAdaHessian({ b1: h.b1, b2: h.b2, eps: h.eps, hessianPower: h.hessianPower, updateEvery, hessianEstimate }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByLearningRate(h.lr),
    ),
  );
}
