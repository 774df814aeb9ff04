import { ScheduleError } from './errors.js';
import type { Schedule } from './types.js';
import { checkStep, increasingSteps, numberList, optionsArg, value } from './validate.js';

/**
 * Options of {@link piecewiseConstant}: the boundaries and exactly one of `scales` (factors that
 * multiply the running value, as optax) or `values` (the values themselves, as TensorFlow).
 */
export type PiecewiseConstantOptions =
  | {
      /** Steps at which the value changes; strictly increasing, ≥ 0. */
      readonly boundaries: readonly number[];
      /** `s_i ≥ 0`: from `boundaries[i]` on, the value is multiplied by `scales[i]`. */
      readonly scales: readonly number[];
      readonly values?: undefined;
    }
  | {
      /** Steps at which the value changes; strictly increasing, ≥ 0. */
      readonly boundaries: readonly number[];
      /** `v_i`: from `boundaries[i]` on (until the next boundary), the value is `values[i]`. */
      readonly values: readonly number[];
      readonly scales?: undefined;
    };

/**
 * A piecewise constant schedule: `init` until the first boundary, then a new value from each
 * boundary on, given as a cumulative scale or as the value itself.
 *
 * $$ v(t) = I \prod_{i:\, b_i \le t} s_i \qquad\text{or}\qquad v(t) = \begin{cases} I & t < b_0 \\ v_k & b_k \le t < b_{k+1} \end{cases} $$
 *
 * A boundary belongs to the piece it starts: at step `b_i` the new value already holds.
 *
 * @param init - `I`, the value before the first boundary.
 * @param options - `boundaries` (strictly increasing steps) and either `scales` (one factor ≥ 0 per boundary) or `values` (one value per boundary).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { piecewiseConstant } from '@downhill/schedulers';
 * const a = piecewiseConstant(0.1, { boundaries: [100, 200], scales: [0.1, 0.1] });
 * a(99); // 0.1
 * a(100); // 0.01 (up to rounding)
 * a(250); // 0.001 (up to rounding)
 * const b = piecewiseConstant(0.1, { boundaries: [100, 200], values: [0.05, 0.01] });
 * b(150); // 0.05
 * ```
 *
 * With `scales`, follows optax's `piecewise_constant_schedule` (and PyTorch's `MultiStepLR` when
 * every scale is the same `gamma`). With `values`, TensorFlow's `PiecewiseConstantDecay`, except
 * that TensorFlow keeps the old value at the boundary step itself (its pieces are `t ≤ b_i`).
 */
export function piecewiseConstant(init: number, options: PiecewiseConstantOptions): Schedule {
  const where = 'piecewiseConstant';
  value(init, 'init', where);
  if (options === null || typeof options !== 'object') {
    throw new ScheduleError(
      'INVALID_ARGUMENT',
      `${where}: options must be { boundaries, scales } or { boundaries, values }, got ${String(options)}`,
    );
  }
  optionsArg(
    options as { boundaries?: unknown; scales?: unknown; values?: unknown },
    { boundaries: 'required', scales: 'optional', values: 'optional' },
    where,
  );
  const boundaries = increasingSteps(options.boundaries, 'boundaries', where);
  const hasScales = options.scales !== undefined;
  const hasValues = options.values !== undefined;
  if (hasScales === hasValues) {
    throw new ScheduleError('INVALID_ARGUMENT', `${where}: give exactly one of scales and values, got ${hasScales ? 'both' : 'neither'}`);
  }
  const pieces = [init];
  if (hasScales) {
    const scales = numberList(options.scales, boundaries.length, 'scales', where, true);
    for (const s of scales) pieces.push(pieces[pieces.length - 1] * s);
  } else {
    pieces.push(...numberList(options.values, boundaries.length, 'values', where, true));
  }
  return (step) => {
    checkStep(step, where);
    return pieces[countAtOrBelow(boundaries, step)];
  };
}

/** The number of entries of the increasing list `xs` that are ≤ `x` (binary search). */
export function countAtOrBelow(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
