import { cosineBetween } from './cosine-decay.js';
import { ScheduleError } from './errors.js';
import type { Schedule } from './types.js';
import { checkStep, clampBetween, nonNegative, optionsArg, positive, scheduleArg, value } from './validate.js';

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** `W`: the number of warmup steps; ≥ 0 (0 is no warmup). */
  readonly steps: number;
  /** `I`: the value at step 0; default 0. */
  readonly init?: number;
}

/**
 * A linear warmup in front of any schedule: from `init` up to the schedule's first value over
 * `steps` steps, then the schedule, which sees the step counted from the end of the warmup.
 *
 * $$ v(t) = \begin{cases} I + \frac{t}{W}\,(f(0) - I) & t < W \\ f(t - W) & t \ge W \end{cases} $$
 *
 * The result is continuous at `W`: the limit from the left is `f(0)`, the value there.
 *
 * @param schedule - `f`, the schedule that follows the warmup.
 * @param options - `steps` (`W` ≥ 0), `init` (`I`, default 0).
 * @returns The schedule with its warmup.
 *
 * @example
 * ```ts
 * import { cosineDecay, warmup } from '@downhill/schedulers';
 * const lr = warmup(cosineDecay(0.1, { decaySteps: 900 }), { steps: 100 });
 * lr(0); // 0
 * lr(50); // 0.05
 * lr(100); // 0.1
 * lr(1000); // 0
 * ```
 *
 * The warmup of optax's `warmup_*` schedules and of Goyal et al., "Accurate, Large Minibatch SGD:
 * Training ImageNet in 1 Hour", 2017, https://arxiv.org/abs/1706.02677
 */
export function warmup(schedule: Schedule, options: WarmupOptions): Schedule {
  const where = 'warmup';
  const f = scheduleArg(schedule, 'schedule', where);
  const { steps, init = 0 } = optionsArg(options, { steps: 'required', init: 'optional' }, where);
  nonNegative(steps, 'steps', where);
  value(init, 'init', where);
  const peak = f(0);
  if (!Number.isFinite(peak)) {
    throw new ScheduleError('INVALID_ARGUMENT', `${where}: schedule(0) must be a finite number (the warmup's target), got ${peak}`);
  }
  return (step) => {
    checkStep(step, where);
    if (step >= steps) return f(step - steps);
    if (step <= 0) return init;
    return clampBetween(init + (peak - init) * (step / steps), init, peak);
  };
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** `W`: the number of warmup steps; ≥ 0. */
  readonly warmupSteps: number;
  /** `D`: the total length of warmup and decay (the decay takes `D − W` steps); > `W`. */
  readonly decaySteps: number;
  /** `I`: the value at step 0; default 0. */
  readonly init?: number;
  /** `E`: the value from step `D` on; default 0. */
  readonly end?: number;
  /** `p`: raises the cosine factor to this power; > 0, default 1. */
  readonly exponent?: number;
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps` steps, then cosine decay from `peak` to
 * `end`, reached at step `decaySteps` (which counts the warmup).
 *
 * $$ v(t) = \begin{cases} I + \frac{t}{W}(P - I) & t < W \\ E + (P - E)\left[\tfrac12\left(1 + \cos\frac{\pi \min(t - W,\, D - W)}{D - W}\right)\right]^{p} & t \ge W \end{cases} $$
 *
 * @param peak - `P`, the value at the end of the warmup.
 * @param options - `warmupSteps` (`W` ≥ 0), `decaySteps` (`D` > `W`), `init` (`I`, default 0), `end` (`E`, default 0), `exponent` (`p` > 0, default 1).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { warmupCosineDecay } from '@downhill/schedulers';
 * const lr = warmupCosineDecay(0.1, { warmupSteps: 100, decaySteps: 1000, end: 0.001 });
 * lr(0); // 0
 * lr(100); // 0.1
 * lr(550); // 0.0505
 * lr(1000); // 0.001
 * ```
 *
 * Follows optax's `warmup_cosine_decay_schedule`, with the floor `end` given as a value (optax
 * turns it into `alpha = end / peak`; here `peak = 0` needs no special case).
 *
 * Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017,
 * https://arxiv.org/abs/1608.03983
 */
export function warmupCosineDecay(peak: number, options: WarmupCosineDecayOptions): Schedule {
  const where = 'warmupCosineDecay';
  const {
    warmupSteps,
    decaySteps,
    init = 0,
    end = 0,
    exponent = 1,
  } = optionsArg(
    options,
    { warmupSteps: 'required', decaySteps: 'required', init: 'optional', end: 'optional', exponent: 'optional' },
    where,
  );
  value(peak, 'peak', where);
  nonNegative(warmupSteps, 'warmupSteps', where);
  positive(decaySteps, 'decaySteps', where);
  if (decaySteps <= warmupSteps) {
    throw new ScheduleError(
      'INVALID_ARGUMENT',
      `${where}: decaySteps (${decaySteps}) must exceed warmupSteps (${warmupSteps}); it counts the warmup too`,
    );
  }
  value(init, 'init', where);
  value(end, 'end', where);
  positive(exponent, 'exponent', where);
  return warmup(cosineBetween(peak, end, decaySteps - warmupSteps, exponent, where), { steps: warmupSteps, init });
}
