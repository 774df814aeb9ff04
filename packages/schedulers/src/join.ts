import { ScheduleError } from './errors.js';
import { countAtOrBelow } from './piecewise-constant.js';
import type { Schedule } from './types.js';
import { checkStep, increasingSteps, scheduleArg } from './validate.js';

/**
 * Schedules in sequence: `schedules[0]` until `boundaries[0]`, then `schedules[1]` until
 * `boundaries[1]`, and so on. Each later schedule sees the step counted from its own boundary.
 *
 * $$ v(t) = f_k(t - b_{k-1}) \quad\text{for } b_{k-1} \le t < b_k, \qquad b_{-1} = 0,\; b_{n-1} = \infty $$
 *
 * At a boundary the new schedule already holds (it is called with step 0). The join is continuous
 * where each schedule ends at the value the next one starts with, as {@link warmup} arranges.
 *
 * @param schedules - `n ≥ 1` schedules.
 * @param boundaries - `n − 1` strictly increasing steps ≥ 0.
 * @returns The joined schedule.
 *
 * @example
 * ```ts
 * import { constant, cosineDecay, join, linear } from '@downhill/schedulers';
 * const lr = join(
 *   [linear(0, { end: 0.1, transitionSteps: 100 }), cosineDecay(0.1, { decaySteps: 900 }), constant(0)],
 *   [100, 1000],
 * );
 * lr(50); // 0.05
 * lr(100); // 0.1 (the cosine decay at its step 0)
 * lr(2000); // 0
 * ```
 *
 * Follows optax's `join_schedules` (relative steps); PyTorch's `SequentialLR` also restarts each
 * scheduler at its milestone.
 */
export function join(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  const where = 'join';
  if (!Array.isArray(schedules) || schedules.length === 0) {
    throw new ScheduleError(
      'INVALID_ARGUMENT',
      `${where}: schedules must be a non-empty array of schedules, got ${Array.isArray(schedules) ? '[]' : String(schedules)}`,
    );
  }
  const fns = schedules.map((s, i) => scheduleArg(s, `schedules[${i}]`, where));
  const bounds = increasingSteps(boundaries, 'boundaries', where);
  if (bounds.length !== fns.length - 1) {
    throw new ScheduleError(
      'INVALID_ARGUMENT',
      `${where}: boundaries must have one entry fewer than schedules (${fns.length - 1}), got ${bounds.length}`,
    );
  }
  return (step) => {
    checkStep(step, where);
    const k = countAtOrBelow(bounds, step);
    return k === 0 ? fns[0](step) : fns[k](step - bounds[k - 1]);
  };
}
