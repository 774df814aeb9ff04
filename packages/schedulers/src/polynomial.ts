import type { Schedule } from './types.js';
import { checkStep, clampBetween, nonNegative, optionsArg, positive, value } from './validate.js';

/** Options of {@link polynomial}. */
export interface PolynomialOptions {
  /** The value once the transition is over. */
  readonly end: number;
  /** The power `P` of the polynomial (1 is linear); > 0. */
  readonly power: number;
  /** `T`: the number of steps the transition takes; > 0. */
  readonly transitionSteps: number;
  /** `B`: the step at which the transition begins (the value is `init` before it); default 0. */
  readonly transitionBegin?: number;
}

/** Options of {@link linear}. */
export type LinearOptions = Omit<PolynomialOptions, 'power'>;

/**
 * A polynomial transition from `init` to `end` over `transitionSteps` steps, starting at
 * `transitionBegin`.
 *
 * $$ v(t) = \begin{cases} I & t < B \\ (I - E)\left(1 - \frac{t - B}{T}\right)^{P} + E & B \le t < B + T \\ E & t \ge B + T \end{cases} $$
 *
 * The value is exactly `init` up to `B` and exactly `end` from `B + T` on, and always lies
 * between them (rounding never carries it outside).
 *
 * @param init - `I`, the value before the transition.
 * @param options - `end` (`E`), `power` (`P` > 0), `transitionSteps` (`T` > 0), `transitionBegin` (`B` ≥ 0, default 0).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { polynomial } from '@downhill/schedulers';
 * const lr = polynomial(1, { end: 0.01, power: 2, transitionSteps: 100 });
 * lr(0); // 1
 * lr(50); // 0.99 · 0.25 + 0.01 = 0.2575
 * lr(100); // 0.01
 * ```
 *
 * Follows optax's `polynomial_schedule`, except that a `transitionSteps` ≤ 0 or a negative
 * `transitionBegin` is an error here (optax quietly returns a constant or starts at 0).
 */
export function polynomial(init: number, options: PolynomialOptions): Schedule {
  const where = 'polynomial';
  const {
    end,
    power,
    transitionSteps,
    transitionBegin = 0,
  } = optionsArg(options, { end: 'required', power: 'required', transitionSteps: 'required', transitionBegin: 'optional' }, where);
  value(init, 'init', where);
  value(end, 'end', where);
  positive(power, 'power', where);
  positive(transitionSteps, 'transitionSteps', where);
  nonNegative(transitionBegin, 'transitionBegin', where);
  return (step) => {
    checkStep(step, where);
    const s = step - transitionBegin;
    if (s <= 0) return init;
    if (s >= transitionSteps) return end;
    const frac = 1 - s / transitionSteps;
    return clampBetween((init - end) * frac ** power + end, init, end);
  };
}

/**
 * A linear transition from `init` to `end` over `transitionSteps` steps, starting at
 * `transitionBegin`: {@link polynomial} with power 1.
 *
 * $$ v(t) = \begin{cases} I & t < B \\ I + \frac{t - B}{T}(E - I) & B \le t < B + T \\ E & t \ge B + T \end{cases} $$
 *
 * @param init - `I`, the value before the transition.
 * @param options - `end` (`E`), `transitionSteps` (`T` > 0), `transitionBegin` (`B` ≥ 0, default 0).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { linear } from '@downhill/schedulers';
 * const lr = linear(0.1, { end: 0.001, transitionSteps: 1000, transitionBegin: 100 });
 * lr(100); // 0.1
 * lr(600); // 0.0505
 * lr(1100); // 0.001
 * ```
 *
 * Follows optax's `linear_schedule` (and PyTorch's `LinearLR` with absolute values in place of
 * factors).
 */
export function linear(init: number, options: LinearOptions): Schedule {
  const where = 'linear';
  const {
    end,
    transitionSteps,
    transitionBegin = 0,
  } = optionsArg(options, { end: 'required', transitionSteps: 'required', transitionBegin: 'optional' }, where);
  value(init, 'init', where);
  value(end, 'end', where);
  positive(transitionSteps, 'transitionSteps', where);
  nonNegative(transitionBegin, 'transitionBegin', where);
  return (step) => {
    checkStep(step, where);
    const s = step - transitionBegin;
    if (s <= 0) return init;
    if (s >= transitionSteps) return end;
    return clampBetween(init + (end - init) * (s / transitionSteps), init, end);
  };
}
