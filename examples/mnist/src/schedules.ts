import {
  constant,
  cosineDecay,
  exponentialDecay,
  linear,
  oneCycle,
  piecewiseConstant,
  sgdr,
  warmupCosineDecay,
  type Schedule,
} from '@downhill/schedulers';

/** The schedule names `--schedule` accepts. */
export const SCHEDULE_NAMES = ['constant', 'cosine', 'warmup-cosine', 'one-cycle', 'linear', 'exponential', 'step', 'sgdr'] as const;

/** One of {@link SCHEDULE_NAMES}. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/**
 * The optimizers without a schedule by design (Defazio et al. 2024, "The Road Less Scheduled"):
 * they warm up inside the method (`warmupSteps`) and average their iterates instead of decaying
 * the rate.
 */
export const SCHEDULE_FREE_OPTIMIZERS: ReadonlySet<string> = new Set(['schedulefree-sgd', 'schedulefree-adamw']);

/**
 * The schedule an optimizer of the run takes: `schedule`, except that a schedule-free optimizer
 * runs at a constant rate unless `--schedule` was given (`scheduleGiven: true`), so
 * `--compare adamw,schedulefree-adamw` sets AdamW with warmup-cosine against schedule-free AdamW
 * as its authors run it. `scheduleGiven` undefined (a checkpoint written before it existed): `schedule`.
 *
 * @example
 * ```ts
 * scheduleFor('schedulefree-adamw', { schedule: 'warmup-cosine', scheduleGiven: false }); // 'constant'
 * scheduleFor('adamw', { schedule: 'warmup-cosine', scheduleGiven: false }); // 'warmup-cosine'
 * ```
 */
export function scheduleFor(optimizer: string, run: { readonly schedule: ScheduleName; readonly scheduleGiven?: boolean }): ScheduleName {
  return run.scheduleGiven === false && SCHEDULE_FREE_OPTIMIZERS.has(optimizer) ? 'constant' : run.schedule;
}

/** What a schedule is built from: the peak learning rate and the run's length. */
export interface ScheduleShape {
  /** The peak (or initial) learning rate. */
  readonly lr: number;
  /** Optimizer steps in the whole run. */
  readonly totalSteps: number;
  /** Optimizer steps per epoch. */
  readonly stepsPerEpoch: number;
}

/**
 * The learning-rate schedule of a name, scaled to the run:
 *
 * - `constant`: `lr` throughout;
 * - `cosine`: half a cosine from `lr` to `lr / 100` over the run;
 * - `warmup-cosine` (default): linear warmup from 0 over 5% of the run (at most 2 epochs),
 *   then a cosine to `lr / 100` at the end of the run;
 * - `one-cycle`: up from `lr / 25` to `lr` over 30% of the run, then down to `lr / 2.5e5`;
 * - `linear`: straight from `lr` to 0 at the end of the run;
 * - `exponential`: `lr · 0.01^(step / totalSteps)` (a hundredfold decay over the run, smooth);
 * - `step`: `lr`, divided by 10 after half the run and again after three quarters;
 * - `sgdr`: cosine restarts every epoch (periods doubling), after Loshchilov and Hutter.
 */
export function makeSchedule(name: ScheduleName, { lr, totalSteps, stepsPerEpoch }: ScheduleShape): Schedule {
  const n = Math.max(totalSteps, 2);
  switch (name) {
    case 'constant':
      return constant(lr);
    case 'cosine':
      return cosineDecay(lr, { decaySteps: n, alpha: 0.01 });
    case 'warmup-cosine': {
      const warmupSteps = Math.max(1, Math.min(Math.round(0.05 * n), 2 * stepsPerEpoch, n - 1));
      return warmupCosineDecay(lr, { warmupSteps, decaySteps: n, end: lr / 100 });
    }
    case 'one-cycle':
      return oneCycle(lr, { totalSteps: n });
    case 'linear':
      return linear(lr, { end: 0, transitionSteps: n });
    case 'exponential':
      return exponentialDecay(lr, { transitionSteps: n, decayRate: 0.01 });
    case 'step': {
      const half = Math.max(1, Math.floor(n / 2));
      const threeQuarters = Math.max(half + 1, Math.floor((3 * n) / 4));
      return piecewiseConstant(lr, { boundaries: [half, threeQuarters], scales: [0.1, 0.1] });
    }
    case 'sgdr':
      return sgdr(lr, { period: Math.max(1, stepsPerEpoch), periodMultiplier: 2, minValue: lr / 100 });
    default: {
      const never: never = name;
      throw new Error(`unknown schedule ${String(never)}`);
    }
  }
}
