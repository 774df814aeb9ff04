/** One regime of the learning rate of gradient descent on a quadratic. */
export interface LrRegime {
  readonly regime: 'slow' | 'right' | 'oscillating' | 'diverging';
  readonly lr: number;
  /** `too small: 0.025 (slow)`. */
  readonly label: string;
  /** What happens, in one sentence. */
  readonly explanation: string;
}

/** Two significant digits, as a plain number. */
function fmt(x: number): string {
  return Number(x.toPrecision(2)).toString();
}

/**
 * The four regimes of plain gradient descent's learning rate η on a quadratic whose largest
 * curvature is L. Along an axis of curvature h the error is multiplied by `1 − ηh` each step, so:
 * the step is stable below 2/L; between 1/L and 2/L the steep coordinate overshoots and flips sign
 * every step (oscillation); above 2/L it grows (divergence); far below 1/L everything crawls.
 * The rates are 0.05, 0.5, 0.95 and 1.08 times 2/L.
 *
 * @param L - The largest curvature (the Hessian's largest eigenvalue), > 0.
 * @returns Slow, right, oscillating and diverging, in that order.
 *
 * @example
 * ```ts
 * lrRegimes(4).map((r) => r.lr); // [0.025, 0.25, 0.475, 0.54]
 * ```
 */
export function lrRegimes(L: number): LrRegime[] {
  if (!(L > 0) || !Number.isFinite(L)) throw new RangeError(`lrRegimes: the largest curvature must be a finite number > 0, got ${L}`);
  const limit = 2 / L;
  const at = (k: number) => k * limit;
  return [
    {
      regime: 'slow',
      lr: at(0.05),
      label: `too small: ${fmt(at(0.05))} (slow)`,
      explanation: `η far below 1/L = ${fmt(1 / L)}: every step is safe and tiny; the loss falls, slowly.`,
    },
    {
      regime: 'right',
      lr: at(0.5),
      label: `right: ${fmt(at(0.5))}`,
      explanation: `η = 1/L: the steep direction is solved in one step, the flat one at the best rate this η allows.`,
    },
    {
      regime: 'oscillating',
      lr: at(0.95),
      label: `too large: ${fmt(at(0.95))} (oscillates)`,
      explanation: `1/L < η < 2/L = ${fmt(limit)}: each step overshoots the valley floor; the path zigzags across it and settles slowly.`,
    },
    {
      regime: 'diverging',
      lr: at(1.08),
      label: `much too large: ${fmt(at(1.08))} (diverges)`,
      explanation: `η > 2/L: each overshoot is larger than the last; the loss explodes.`,
    },
  ];
}
