import { checkOptions } from '@downhill/backend';
import type { GradientTransformation, ScalarOrSchedule } from '../types.js';
import { mechanize, type MechanizeOptions, type MechanizeState } from '../wrappers/mechanize.js';
import { adamw, type AdamwOptions } from './adamw.js';

/** Options of {@link mechanic}: the tuner's ({@link MechanizeOptions}) and, under `adamw`, the tuned AdamW's. */
export interface MechanicOptions extends MechanizeOptions {
  /** Options of the AdamW whose steps Mechanic scales (default: AdamW's own, weight decay 1e-4). */
  readonly adamw?: AdamwOptions;
}

/**
 * Mechanic around AdamW, by name: `mechanize(adamw(lr, options.adamw), options)`, the pairing of
 * Cutkosky, Defazio and Mehta's experiments, registered as `'mechanic'` so the MNIST job and
 * `createOptimizer` reach it.
 *
 * The rate `lr` is AdamW's, and Mechanic learns the scale `s` of its steps online, starting from
 * almost 0: leave `lr` near 1 (a peak of 1 under a schedule), as the authors and optax advise, so
 * `s` carries the step size. The sum of past steps `Δ` is kept in the state (`storeDelta`, default
 * true): the first steps `s·u` fall below the float32 resolution of the weights, so recomputing
 * `Δ` from `x − x_ref` (`storeDelta: false`, the authors' default) would read 0 and `s` would
 * never grow.
 *
 * @param lr - AdamW's learning rate (best left at 1, or a schedule of peak 1).
 * @param options - The tuner's options and `adamw`, AdamW's.
 * @returns A transformation whose state is a {@link MechanizeState}; it needs `params` in `update`.
 *
 * @example
 * ```ts
 * const tx = mechanic(1, { adamw: { weightDecay: 0 } });
 * ```
 *
 * Cutkosky, Defazio and Mehta, 2023, "Mechanic: A Learning Rate Tuner" (https://arxiv.org/abs/2306.00144).
 */
export function mechanic(lr: ScalarOrSchedule, options: MechanicOptions = {}): GradientTransformation<MechanizeState> {
  const { adamw: adamwOptions = {}, ...tuner } = checkOptions('mechanic', options, {
    adamw: true,
    sDecay: true,
    betas: true,
    sInit: true,
    eps: true,
    storeDelta: true,
  });
  return mechanize(adamw(lr, adamwOptions), tuner);
}
