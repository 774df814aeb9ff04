import type { Schedule } from './types.js';
import { checkStep, nonNegative, optionsArg, positive, value } from './validate.js';

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** `T`: the number of steps over which the value is multiplied by `decayRate` once; > 0. */
  readonly transitionSteps: number;
  /** `r`: the factor per `transitionSteps` steps; > 0 (below 1 decays, above 1 grows). */
  readonly decayRate: number;
  /** `B`: the step at which the decay begins; default 0. */
  readonly transitionBegin?: number;
  /** Decay in whole jumps every `transitionSteps` steps instead of continuously; default false. */
  readonly staircase?: boolean;
  /** A bound the value never passes: a floor when `decayRate` < 1, a ceiling when it is > 1. */
  readonly endValue?: number;
}

/**
 * Exponential decay: the value is multiplied by `decayRate` every `transitionSteps` steps,
 * continuously or in a staircase, optionally clamped at `endValue`.
 *
 * $$ v(t) = \begin{cases} I & t \le B \\ I \cdot r^{p}, \quad p = \frac{t - B}{T} \;\; (\lfloor\cdot\rfloor \text{ with staircase}) & t > B \end{cases} $$
 *
 * then $v \leftarrow \max(v, E)$ when $r < 1$, $\min(v, E)$ when $r > 1$, if `endValue` $E$ is given.
 *
 * @param init - `I`, the value up to `transitionBegin`.
 * @param options - `transitionSteps` (`T` > 0), `decayRate` (`r` > 0), `transitionBegin` (`B` ≥ 0, default 0), `staircase` (default false), `endValue` (`E`, optional).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { exponentialDecay } from '@downhill/schedulers';
 * const lr = exponentialDecay(0.1, { transitionSteps: 1000, decayRate: 0.5, endValue: 0.01 });
 * lr(0); // 0.1
 * lr(1000); // 0.05
 * lr(10_000); // 0.01 (clamped)
 * ```
 *
 * Follows optax's `exponential_decay` (and TensorFlow's `ExponentialDecay`); a `decayRate` or
 * `transitionSteps` ≤ 0 is an error here, where optax quietly returns a constant.
 */
export function exponentialDecay(init: number, options: ExponentialDecayOptions): Schedule {
  const where = 'exponentialDecay';
  const {
    transitionSteps,
    decayRate,
    transitionBegin = 0,
    staircase = false,
    endValue,
  } = optionsArg(
    options,
    { transitionSteps: 'required', decayRate: 'required', transitionBegin: 'optional', staircase: 'optional', endValue: 'optional' },
    where,
  );
  value(init, 'init', where);
  positive(transitionSteps, 'transitionSteps', where);
  positive(decayRate, 'decayRate', where);
  nonNegative(transitionBegin, 'transitionBegin', where);
  if (endValue !== undefined) value(endValue, 'endValue', where);
  return (step) => {
    checkStep(step, where);
    const d = step - transitionBegin;
    let v = init;
    if (d > 0 && decayRate !== 1) {
      let p = d / transitionSteps;
      if (staircase) p = Math.floor(p);
      v = init * decayRate ** p;
    }
    if (endValue !== undefined) v = decayRate < 1 ? Math.max(v, endValue) : Math.min(v, endValue);
    return v;
  };
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** `S`: steps between two multiplications by `gamma`; > 0. */
  readonly stepSize: number;
  /** `γ`: the factor applied every `stepSize` steps; ≥ 0, default 0.1. */
  readonly gamma?: number;
}

/**
 * Step decay: the value is multiplied by `gamma` every `stepSize` steps.
 *
 * $$ v(t) = I \cdot \gamma^{\lfloor t / S \rfloor} $$
 *
 * @param init - `I`, the value over the first `stepSize` steps.
 * @param options - `stepSize` (`S` > 0), `gamma` (`γ` ≥ 0, default 0.1).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { stepDecay } from '@downhill/schedulers';
 * const lr = stepDecay(0.1, { stepSize: 30, gamma: 0.1 });
 * lr(29); // 0.1
 * lr(30); // 0.01 (up to rounding)
 * ```
 *
 * Follows PyTorch's `StepLR`; the same as {@link exponentialDecay} with `staircase: true`.
 */
export function stepDecay(init: number, options: StepDecayOptions): Schedule {
  const where = 'stepDecay';
  const { stepSize, gamma = 0.1 } = optionsArg(options, { stepSize: 'required', gamma: 'optional' }, where);
  value(init, 'init', where);
  positive(stepSize, 'stepSize', where);
  nonNegative(gamma, 'gamma', where);
  return (step) => {
    checkStep(step, where);
    const k = Math.floor(step / stepSize);
    return k === 0 ? init : init * gamma ** k;
  };
}
