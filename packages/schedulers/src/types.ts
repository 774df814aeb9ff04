/**
 * A schedule: a pure function from the 0-based step count to a value (a learning rate, a momentum,
 * a weight-decay factor). Any function of this shape is a schedule; optimizers accept one without
 * importing this package.
 *
 * Every schedule built here accepts fractional steps (the formulas are continuous in the step
 * where the math is), accepts `Infinity` (the value the schedule settles at), and throws a
 * `ScheduleError` with code `INVALID_STEP` for a negative step or `NaN`.
 *
 * @example
 * ```ts
 * import type { Schedule } from '@downhill/schedulers';
 * const halfEvery100: Schedule = (step) => 0.1 * 0.5 ** Math.floor(step / 100);
 * ```
 */
export type Schedule = (step: number) => number;
