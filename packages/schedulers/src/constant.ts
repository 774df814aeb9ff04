import type { Schedule } from './types.js';
import { checkStep, value as scheduleValue } from './validate.js';

/**
 * A schedule that holds one value.
 *
 * $$ v(t) = v_0 $$
 *
 * @param value - The value at every step; a finite number.
 * @returns A schedule that returns `value`.
 *
 * @example
 * ```ts
 * import { constant } from '@downhill/schedulers';
 * const lr = constant(0.01);
 * lr(0); // 0.01
 * lr(1e6); // 0.01
 * ```
 *
 * Follows optax's `constant_schedule`.
 */
export function constant(value: number): Schedule {
  scheduleValue(value, 'value', 'constant');
  return (step) => {
    checkStep(step, 'constant');
    return value;
  };
}
