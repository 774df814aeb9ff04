import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_LION_DEFAULTS, scaleByLion } from '../transforms/scale-by-lion.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link lion}. */
export interface LionOptions {
  /** Interpolation for the update's sign (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the momentum (default 0.99). */
  readonly b2?: ScalarOrSchedule;
  /** Decoupled weight decay `λ` (default 1e-3, as optax). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * Lion: the sign of an interpolated momentum, so every coordinate moves by exactly `η` (plus
 * decoupled weight decay); found by program search (optax's `lion`).
 *
 * ```text
 * p ← p − η · ( sign(b1·m + (1 − b1)·g) + λ·p )
 * m ← b2·m + (1 − b2)·g
 * ```
 *
 * Hyperparameters in the state: `lr`, `b1`, `b2`, `weightDecay`. Use a rate 3 to 10 times
 * smaller than Adam's.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link LionOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = lion(1e-4, { weightDecay: 1e-2 });
 * ```
 *
 * Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms" (https://arxiv.org/abs/2302.06675).
 */
export function lion(lr: ScalarOrSchedule, options: LionOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_LION_DEFAULTS.b1,
    b2 = SCALE_BY_LION_DEFAULTS.b2,
    weightDecay = 1e-3,
    mask,
  } = checkOptions('lion', options, { b1: true, b2: true, weightDecay: true, mask: true });
  return withHyperparams('lion', { lr, b1, b2, weightDecay }, (h) =>
    chain(scaleByLion({ b1: h.b1, b2: h.b2 }), addDecayedWeights(h.weightDecay, { mask }), scaleByLearningRate(h.lr)),
  );
}
