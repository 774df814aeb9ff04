import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scale } from '../transforms/scale.js';
import { SCALE_BY_RPROP_DEFAULTS, scaleByRprop } from '../transforms/scale-by-rprop.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link rprop}. */
export interface RpropOptions {
  /** Shrink factor on a sign change (default 0.5). */
  readonly etaMinus?: number;
  /** Growth factor while the sign holds (default 1.2). */
  readonly etaPlus?: number;
  /** Smallest step (default 1e-6). */
  readonly minStepSize?: number;
  /** Largest step (default 50). */
  readonly maxStepSize?: number;
}

/**
 * Rprop (Riedmiller and Braun 1993): per-coordinate step sizes that grow by η₊ while the
 * gradient keeps its sign and shrink by η₋ when it flips; the step ignores the gradient's size.
 * For full-batch training.
 *
 * ```text
 * s = g·g_prev;  Δ ← clip(Δ·(η₊ | η₋ | 1), Δ_min, Δ_max);  g' = (s < 0 ? 0 : g)
 * p ← p − sign(g')·Δ,   g_prev ← g'
 * ```
 *
 * `lr` is the initial step size Δ₀ of every coordinate, as PyTorch's `lr` and optax's
 * `learning_rate`; it is read at `init` only (setting it later, or a schedule, has no effect on
 * the steps). Checked against `torch.optim.Rprop` (PyTorch 1.13). Keras has no Rprop. One fused
 * update program per step.
 *
 * @param lr - The initial step size Δ₀ (PyTorch's default 0.01).
 * @param options - See {@link RpropOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = rprop(0.01, { etaPlus: 1.2, etaMinus: 0.5 });
 * ```
 *
 * Riedmiller and Braun, 1993, "A direct adaptive method for faster backpropagation learning: the RPROP algorithm" (IEEE ICNN 1993).
 */
export function rprop(lr: ScalarOrSchedule, options: RpropOptions = {}): InjectedTransformation {
  const {
    etaMinus = SCALE_BY_RPROP_DEFAULTS.etaMinus,
    etaPlus = SCALE_BY_RPROP_DEFAULTS.etaPlus,
    minStepSize = SCALE_BY_RPROP_DEFAULTS.minStepSize,
    maxStepSize = SCALE_BY_RPROP_DEFAULTS.maxStepSize,
  } = checkOptions('rprop', options, { etaMinus: true, etaPlus: true, minStepSize: true, maxStepSize: true });
  return withHyperparams('rprop', { lr }, (h) =>
    chain(scaleByRprop({ initialStepSize: h.lr, etaMinus, etaPlus, minStepSize, maxStepSize }), scale(-1)),
  );
}
