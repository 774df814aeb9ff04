import type { Schedule } from './types.js';
import { atLeast, checkStep, clampBetween, optionsArg, positive, value } from './validate.js';

/** Options of {@link sgdr}. */
export interface SgdrOptions {
  /** `T₀`: the length of the first cycle in steps; > 0. */
  readonly period: number;
  /** `m`: each cycle is `m` times as long as the one before; ≥ 1, default 1. */
  readonly periodMultiplier?: number;
  /** `η_min`: the value the cosine falls to at the end of each cycle; default 0. */
  readonly minValue?: number;
  /** `γ`: each cycle's peak is `γ` times the previous cycle's; ≥ 0, default 1. */
  readonly peakMultiplier?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR): a cosine from the peak down to `minValue` over each
 * cycle, then a jump back to the peak. Cycle `i` lasts `T_i = T₀ mⁱ` steps and starts at
 * `S_i = T_0 + … + T_{i−1}` (`i T₀` when `m = 1`).
 *
 * $$ v(t) = \eta_{min} + (\gamma^{i} I - \eta_{min})\,\tfrac12\left(1 + \cos\frac{\pi (t - S_i)}{T_i}\right), \qquad S_i \le t < S_{i+1} $$
 *
 * At a restart step `S_i` the value is exactly the cycle's peak `γⁱ I`; from the left it tends to
 * `η_min`.
 *
 * @param init - `I`, the peak of the first cycle (the value at step 0).
 * @param options - `period` (`T₀` > 0), `periodMultiplier` (`m` ≥ 1, default 1), `minValue` (`η_min`, default 0), `peakMultiplier` (`γ` ≥ 0, default 1).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { sgdr } from '@downhill/schedulers';
 * const lr = sgdr(0.1, { period: 10, periodMultiplier: 2, minValue: 0.001 });
 * lr(0); // 0.1
 * lr(5); // 0.0505
 * lr(10); // 0.1 (restart; the next cycle lasts 20 steps)
 * lr(30); // 0.1 (restart; the next cycle lasts 40 steps)
 * ```
 *
 * Follows PyTorch's `CosineAnnealingWarmRestarts` (`T_0`, `T_mult`, `eta_min`, which asks for an
 * integer `T_mult`; any real `m ≥ 1` works here), with TensorFlow's `CosineDecayRestarts` `m_mul`
 * as `peakMultiplier`. optax's `sgdr_schedule` builds the same curve from a list of cycles.
 *
 * Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017,
 * https://arxiv.org/abs/1608.03983
 */
export function sgdr(init: number, options: SgdrOptions): Schedule {
  const where = 'sgdr';
  const {
    period,
    periodMultiplier = 1,
    minValue = 0,
    peakMultiplier = 1,
  } = optionsArg(options, { period: 'required', periodMultiplier: 'optional', minValue: 'optional', peakMultiplier: 'optional' }, where);
  value(init, 'init', where);
  positive(period, 'period', where);
  atLeast(periodMultiplier, 1, 'periodMultiplier', where);
  value(minValue, 'minValue', where);
  atLeast(peakMultiplier, 0, 'peakMultiplier', where);
  const m = periodMultiplier;
  // Cycle starts as running sums (S_{i+1} = S_i + T_i, T_{i+1} = T_i · m), so that a restart lands
  // on the step a user gets by adding the cycle lengths; grown on demand and searched by bisection.
  // Closed-form starts T₀(mⁱ − 1)/(m − 1) can miss such a step by a rounding error.
  const starts = [0];
  const lengths = [period];
  const cycleOf = (step: number): number => {
    if (m === 1) return Math.floor(step / period);
    while (starts[starts.length - 1] <= step) {
      const k = starts.length - 1;
      starts.push(starts[k] + lengths[k]);
      lengths.push(lengths[k] * m);
    }
    let lo = 0;
    let hi = starts.length - 1; // starts[lo] ≤ step < starts[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= step) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  return (step) => {
    checkStep(step, where);
    if (step === Infinity) return minValue;
    const i = cycleOf(step);
    const peak = peakMultiplier === 1 ? init : init * peakMultiplier ** i;
    const begin = m === 1 ? i * period : starts[i];
    const length = m === 1 ? period : lengths[i];
    const t = step - begin;
    if (t <= 0) return peak;
    const c = 0.5 * (1 + Math.cos((Math.PI * t) / length));
    return clampBetween(minValue + (peak - minValue) * c, peak, minValue);
  };
}
