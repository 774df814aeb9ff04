import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_YOGI_DEFAULTS, scaleByYogi } from '../transforms/scale-by-yogi.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link yogi}. */
export interface YogiOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Rate of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added outside the root (default 1e-3). */
  readonly eps?: ScalarOrSchedule;
  /** Where both moments start (default 1e-6). */
  readonly initialAccumulatorValue?: number;
}

/**
 * Yogi (Zaheer et al. 2018): Adam with an additive, sign-controlled second-moment update, which
 * keeps the effective rate from growing abruptly (optax's `yogi`).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * v ← v − (1 − b2)·sign(v − g²)·g²
 * p ← p − η · (m/(1 − b1ᵗ)) / (√(v/(1 − b2ᵗ)) + ε)
 * ```
 *
 * Conventions: ε = 1e-3 (the paper's; Adam's 1e-8 makes Yogi much more aggressive), moments from
 * 1e-6, bias correction as optax (the paper's Algorithm 2 has none); TensorFlow Addons' `Yogi`
 * adds L1/L2 proximal terms and a `initial_accumulator_value` of 1e-6 for `v` only. No PyTorch
 * or Keras core optimizer. One fused update program per step.
 *
 * @param lr - Learning rate η (the paper suggests 1e-2), or a schedule.
 * @param options - See {@link YogiOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = yogi(1e-2);
 * ```
 *
 * Zaheer, Reddi, Sachan, Kale and Kumar, 2018, "Adaptive Methods for Nonconvex Optimization" (NeurIPS 2018).
 */
export function yogi(lr: ScalarOrSchedule, options: YogiOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_YOGI_DEFAULTS.b1,
    b2 = SCALE_BY_YOGI_DEFAULTS.b2,
    eps = SCALE_BY_YOGI_DEFAULTS.eps,
    initialAccumulatorValue = SCALE_BY_YOGI_DEFAULTS.initialAccumulatorValue,
  } = checkOptions('yogi', options, { b1: true, b2: true, eps: true, initialAccumulatorValue: true });
  return withHyperparams('yogi', { lr, b1, b2, eps }, (h) =>
    chain(scaleByYogi({ b1: h.b1, b2: h.b2, eps: h.eps, initialAccumulatorValue }), scaleByLearningRate(h.lr)),
  );
}
