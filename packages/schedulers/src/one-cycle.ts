import type { Schedule } from './types.js';
import { checkStep, clampBetween, inRange, oneOf, optionsArg, positive, value } from './validate.js';

/** Options of {@link oneCycle}. */
export interface OneCycleOptions {
  /** `N`: the length of the cycle in steps; > 0. The value is final from step `N − 1` on. */
  readonly totalSteps: number;
  /** The fraction of the cycle spent rising to the peak; in [0, 1], default 0.3. */
  readonly pctStart?: number;
  /** `d`: the value at step 0 is `peak / d`; > 0, default 25. */
  readonly divFactor?: number;
  /** `d_f`: the final value is `peak / (d · d_f)`; > 0, default 1e4. */
  readonly finalDivFactor?: number;
  /** The shape of each phase: a half cosine (`'cos'`, default) or a straight line (`'linear'`). */
  readonly anneal?: 'cos' | 'linear';
  /** Three phases (up, back down to `peak / d`, then on to the final value) instead of two; default false. */
  readonly threePhase?: boolean;
}

/**
 * The one-cycle policy: from `peak / divFactor` up to `peak` over the first `pctStart` of the
 * cycle, then down to `peak / (divFactor · finalDivFactor)` at step `totalSteps − 1`.
 *
 * With phase ends $e_1 = \text{pctStart}\cdot N - 1$ and $e_2 = N - 1$ (three phases:
 * $e_2 = 2\,\text{pctStart}\cdot N - 2$, $e_3 = N - 1$), phase $k$ runs from $e_{k-1}$ ($e_0 = 0$)
 * to $e_k$ between its two values $a_k \to b_k$ with $\rho = (t - e_{k-1})/(e_k - e_{k-1})$:
 *
 * $$ v(t) = b_k + \frac{a_k - b_k}{2}\,(1 + \cos \pi\rho) \quad(\text{cos}), \qquad v(t) = a_k + (b_k - a_k)\,\rho \quad(\text{linear}) $$
 *
 * The values are `peak/d → peak → peak/(d d_f)` (three phases: `peak/d → peak → peak/d → peak/(d d_f)`).
 *
 * @param peak - The largest value, reached at step `pctStart · totalSteps − 1`.
 * @param options - `totalSteps` (`N` > 0), `pctStart` (default 0.3), `divFactor` (default 25), `finalDivFactor` (default 1e4), `anneal` (`'cos'` or `'linear'`), `threePhase` (default false).
 * @returns The schedule; steps past `totalSteps − 1` hold the final value.
 *
 * @example
 * ```ts
 * import { oneCycle } from '@downhill/schedulers';
 * const lr = oneCycle(0.1, { totalSteps: 1000 });
 * lr(0); // 0.004
 * lr(299); // 0.1
 * lr(999); // 4e-7
 * ```
 *
 * Follows PyTorch's `OneCycleLR` step for step (phase ends at `pctStart · N − 1` and `N − 1`), where
 * PyTorch raises past `totalSteps` and this schedule holds the final value. optax's
 * `cosine_onecycle_schedule` is the same curve with its peak at `⌊pctStart · N⌋` and its end at `N`.
 *
 * Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using Large Learning
 * Rates", 2017, https://arxiv.org/abs/1708.07120
 */
export function oneCycle(peak: number, options: OneCycleOptions): Schedule {
  const where = 'oneCycle';
  const {
    totalSteps,
    pctStart = 0.3,
    divFactor = 25,
    finalDivFactor = 1e4,
    anneal = 'cos',
    threePhase = false,
  } = optionsArg(
    options,
    {
      totalSteps: 'required',
      pctStart: 'optional',
      divFactor: 'optional',
      finalDivFactor: 'optional',
      anneal: 'optional',
      threePhase: 'optional',
    },
    where,
  );
  value(peak, 'peak', where);
  positive(totalSteps, 'totalSteps', where);
  inRange(pctStart, 0, 1, 'pctStart', where);
  positive(divFactor, 'divFactor', where);
  positive(finalDivFactor, 'finalDivFactor', where);
  oneOf(anneal, ['cos', 'linear'] as const, 'anneal', where);
  const initial = peak / divFactor;
  const final = initial / finalDivFactor;
  const last = totalSteps - 1;
  const rise = pctStart * totalSteps - 1;
  const phases: readonly (readonly [end: number, from: number, to: number])[] = threePhase
    ? [
        [rise, initial, peak],
        [2 * pctStart * totalSteps - 2, peak, initial],
        [last, initial, final],
      ]
    : [
        [rise, initial, peak],
        [last, peak, final],
      ];
  const interpolate = anneal === 'cos' ? annealCos : annealLinear;
  return (step) => {
    checkStep(step, where);
    const t = Math.min(step, last);
    let begin = 0;
    for (let k = 0; k < phases.length; k++) {
      const [end, from, to] = phases[k];
      if (t <= end || k === phases.length - 1) {
        const span = end - begin;
        const rho = span > 0 ? (t - begin) / span : 1;
        return interpolate(from, to, rho);
      }
      begin = end;
    }
    return final; // not reached: the last phase always answers
  };
}

function annealCos(from: number, to: number, rho: number): number {
  if (rho <= 0) return from;
  if (rho >= 1) return to;
  return clampBetween(to + ((from - to) / 2) * (1 + Math.cos(Math.PI * rho)), from, to);
}

function annealLinear(from: number, to: number, rho: number): number {
  if (rho <= 0) return from;
  if (rho >= 1) return to;
  return clampBetween(from + (to - from) * rho, from, to);
}
