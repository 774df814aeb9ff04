import { checkOptions } from '@downhill/backend';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { SCALE_BY_FTRL_DEFAULTS, scaleByFtrl } from '../transforms/scale-by-ftrl.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link ftrl}. */
export interface FtrlOptions {
  /** Power of the accumulator in the per-coordinate rate, ≤ 0 (default −0.5). */
  readonly lrPower?: number;
  /** Where the accumulator starts (default 0.1). */
  readonly initialAccumulatorValue?: number;
  /** L1 strength (default 0): exact zeros where |z| ≤ l1. */
  readonly l1?: ScalarOrSchedule;
  /** L2 strength, Keras's (default 0; half the paper's λ₂). */
  readonly l2?: ScalarOrSchedule;
  /** L2 shrinkage on the gradient (default 0). */
  readonly l2Shrinkage?: ScalarOrSchedule;
  /** β of the per-coordinate rate `α/(β + √n)` (default 0). */
  readonly beta?: ScalarOrSchedule;
}

/**
 * FTRL-Proximal (McMahan et al. 2013), as Keras's `Ftrl`: per-coordinate rates from the summed
 * squared gradients, and parameters set in closed form from the accumulated linear term, so L1
 * gives exact zeros.
 *
 * ```text
 * n' = n + g²,   z ← z + g + 2·l2s·p − (√n' − √n)/α · p
 * p ← (clip(z, −l1, l1) − z) / ((β + √n')/α + 2·l2),   n ← n'
 * ```
 *
 * (`√·` is `(·)^(−lrPower)` in general.) Conventions: Keras's (TensorFlow's `ApplyFtrlV2`), with
 * `2·l2` in the denominator where the paper writes `λ₂`; Keras's defaults (accumulator 0.1,
 * power −0.5). PyTorch and optax have no FTRL. The learning rate is part of the rule, so a
 * schedule changes α between steps, as in Keras. One fused update program per step.
 *
 * @param lr - Learning rate α > 0, or a schedule.
 * @param options - See {@link FtrlOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = ftrl(0.1, { l1: 1e-3 });
 * ```
 *
 * McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches" (KDD 2013), Algorithm 1.
 */
export function ftrl(lr: ScalarOrSchedule, options: FtrlOptions = {}): InjectedTransformation {
  const {
    lrPower = SCALE_BY_FTRL_DEFAULTS.lrPower,
    initialAccumulatorValue = SCALE_BY_FTRL_DEFAULTS.initialAccumulatorValue,
    l1 = SCALE_BY_FTRL_DEFAULTS.l1,
    l2 = SCALE_BY_FTRL_DEFAULTS.l2,
    l2Shrinkage = SCALE_BY_FTRL_DEFAULTS.l2Shrinkage,
    beta = SCALE_BY_FTRL_DEFAULTS.beta,
  } = checkOptions('ftrl', options, { lrPower: true, initialAccumulatorValue: true, l1: true, l2: true, l2Shrinkage: true, beta: true });
  return withHyperparams('ftrl', { lr, l1, l2, l2Shrinkage, beta }, (h) =>
    scaleByFtrl({ lr: h.lr, lrPower, initialAccumulatorValue, l1: h.l1, l2: h.l2, l2Shrinkage: h.l2Shrinkage, beta: h.beta }),
  );
}
