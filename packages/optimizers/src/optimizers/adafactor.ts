import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { clipByBlockRms, scaleByParamBlockRms } from '../transforms/block-rms.js';
import { scale } from '../transforms/scale.js';
import { SCALE_BY_FACTORED_RMS_DEFAULTS, scaleByFactoredRms } from '../transforms/scale-by-factored-rms.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { traceMomentum } from '../transforms/trace-momentum.js';
import type { GradientTransformation, ScalarOrSchedule } from '../types.js';

/** Options of {@link adafactor}. */
export interface AdafactorOptions {
  /** Exponent `c` of `β₂(t) = 1 − (t + 1)^(−c)` (default 0.8). */
  readonly decayRate?: ScalarOrSchedule;
  /** Subtracted from the step count in that schedule, for fine-tuning (default 0). */
  readonly decayOffset?: number;
  /** Factor the statistics when the second-largest dimension has at least this size (default 128). */
  readonly minDimSizeToFactor?: number;
  /** Use factored statistics at all (default true). */
  readonly factored?: boolean;
  /** Added to the squared gradients (default 1e-30). */
  readonly eps?: ScalarOrSchedule;
  /** Update clipping threshold `d` on each update's RMS; `null` turns it off (default 1). */
  readonly clippingThreshold?: ScalarOrSchedule | null;
  /** Multiply the step by `max(RMS(p), 1e-3)`: the relative step size (default true). */
  readonly multiplyByParameterScale?: boolean;
  /** Momentum as an exponential moving average of updates (default none: no buffer). */
  readonly momentum?: ScalarOrSchedule;
  /** Weight decay `λ`, added after the rate (absolute, not scaled by it; default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * Adafactor: factored second moments (a row and a column vector per matrix), update clipping and
 * relative step sizes, in sublinear memory (optax's `adafactor`).
 *
 * ```text
 * u = g / √V̂          with V̂ the factored (rank ≥ 2) or full estimate of E[g²] (scaleByFactoredRms),
 *                      β₂(t) = 1 − (t + 1)^(−c)
 * u ← u / max(1, RMS(u) / d)                 (update clipping)
 * u ← η·u;   u ← u · max(RMS(p), 1e-3)       (relative step)
 * u ← β₁·u_prev + (1 − β₁)·u                 (momentum, optional)
 * p ← p − (u + λ·p)
 * ```
 *
 * The paper's relative step size is `lr = (t) => Math.min(1e-2, 1 / Math.sqrt(t + 1))` with
 * parameter scaling on. Hyperparameters in the state: `lr`, `decayRate`, `eps`, `weightDecay`,
 * and `clippingThreshold`, `momentum` when used.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdafactorOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adafactor((t) => Math.min(1e-2, 1 / Math.sqrt(t + 1)));
 * const state = tx.init(params);
 * ```
 *
 * Shazeer and Stern, 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost" (https://arxiv.org/abs/1804.04235).
 */
export function adafactor(lr: ScalarOrSchedule, options: AdafactorOptions = {}): InjectedTransformation {
  const {
    decayRate = SCALE_BY_FACTORED_RMS_DEFAULTS.decayRate,
    decayOffset = SCALE_BY_FACTORED_RMS_DEFAULTS.stepOffset,
    minDimSizeToFactor = SCALE_BY_FACTORED_RMS_DEFAULTS.minDimSizeToFactor,
    factored = SCALE_BY_FACTORED_RMS_DEFAULTS.factored,
    eps = SCALE_BY_FACTORED_RMS_DEFAULTS.eps,
    clippingThreshold = 1,
    multiplyByParameterScale = true,
    momentum,
    weightDecay = 0,
    mask,
  } = checkOptions('adafactor', options, {
    decayRate: true,
    decayOffset: true,
    minDimSizeToFactor: true,
    factored: true,
    eps: true,
    clippingThreshold: true,
    multiplyByParameterScale: true,
    momentum: true,
    weightDecay: true,
    mask: true,
  });
  if (!Number.isInteger(decayOffset) || decayOffset < 0)
    throw new InvalidArgumentError(`adafactor: option 'decayOffset' must be an integer ≥ 0, got ${decayOffset}`);
  const hyper: Record<string, ScalarOrSchedule> = { lr, decayRate, eps, weightDecay };
  if (clippingThreshold !== null) hyper.clippingThreshold = clippingThreshold;
  if (momentum !== undefined) hyper.momentum = momentum;
  return withHyperparams('adafactor', hyper, (h) => {
    // biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
    const txs: GradientTransformation<any>[] = [
      scaleByFactoredRms({ factored, decayRate: h.decayRate, stepOffset: decayOffset, minDimSizeToFactor, eps: h.eps }),
    ];
    if (clippingThreshold !== null) txs.push(clipByBlockRms(h.clippingThreshold));
    txs.push(scaleByLearningRate(h.lr, { flipSign: false }));
    if (multiplyByParameterScale) txs.push(scaleByParamBlockRms());
    if (momentum !== undefined) txs.push(traceMomentum(h.momentum, { dampening: h.momentum }));
    txs.push(addDecayedWeights(h.weightDecay, { mask }), scale(-1));
    return chain(...txs);
  });
}
