import { chain, scaleByLearningRate, withHyperparams, type InjectedTransformation, type ScalarOrSchedule } from '@downhill/optimizers';
import { checkDiscount, scaleByQhadam } from './scale-by-qhadam.js';

/** Options of {@link qhadam}. */
export interface QhadamOptions {
  /** Decay β1 of the first moment (default 0.995). */
  readonly b1?: ScalarOrSchedule;
  /** Decay β2 of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Immediate discount ν1 of the first moment (default 0.7). */
  readonly nu1?: ScalarOrSchedule;
  /** Immediate discount ν2 of the second moment (default 1). */
  readonly nu2?: ScalarOrSchedule;
  /** Added to the root of the denominator (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
}

/**
 * QHAdam (Ma and Yarats 2019): quasi-hyperbolic Adam. The step's numerator averages the
 * bias-corrected momentum with the current gradient (weight ν1 on the momentum), and its
 * denominator averages the second moment with the current squared gradient (weight ν2), so a long
 * momentum (β1 = 0.995) still reacts to the gradient of the moment.
 *
 * ```text
 * m ← β1·m + (1 − β1)·g,       v ← β2·v + (1 − β2)·g²
 * p ← p − η · ((1 − ν1)·g + ν1·m/(1 − β1ᵗ)) / (√((1 − ν2)·g² + ν2·v/(1 − β2ᵗ)) + ε)
 * ```
 *
 * Defaults: the authors' recommended starting point (β1, β2) = (0.995, 0.999), (ν1, ν2) = (0.7, 1)
 * (qhoptim's README); the constructor of qhoptim's `QHAdam` defaults to (0.9, 0.999) and (1, 1),
 * which is plain Adam. Weight decay is left to `chain(..., addDecayedWeights(λ))`. Neither optax nor
 * torch.optim nor Keras has QHAdam. Its hyperparameters live in the state (`withHyperparams`), so
 * `Optimizer.hyperparams.lr` reads and sets them mid-training, and schedules work for each.
 *
 * @param lr - The learning rate η, or a schedule of the step count.
 * @param options - {@link QhadamOptions}.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * const opt = new Optimizer(qhadam(1e-3), params);
 * params = opt.step(params, grads);
 * ```
 *
 * Ma and Yarats, "Quasi-hyperbolic momentum and Adam for deep learning" (ICLR 2019), §3,
 * https://arxiv.org/abs/1810.06801; reference code facebookresearch/qhoptim, `qhoptim/pyt/qhadam.py`.
 */
export function qhadam(
  lr: ScalarOrSchedule,
  { b1 = 0.995, b2 = 0.999, nu1 = 0.7, nu2 = 1, eps = 1e-8 }: QhadamOptions = {},
): InjectedTransformation {
  // A schedule's values are checked at each step, by scaleByQhadam.
  if (typeof nu1 === 'number') checkDiscount('qhadam', 'nu1', nu1);
  if (typeof nu2 === 'number') checkDiscount('qhadam', 'nu2', nu2);
  return withHyperparams('qhadam', { lr, b1, b2, nu1, nu2, eps }, (h) =>
    chain(scaleByQhadam({ b1: h.b1, b2: h.b2, nu1: h.nu1, nu2: h.nu2, eps: h.eps }), scaleByLearningRate(h.lr)),
  );
}
