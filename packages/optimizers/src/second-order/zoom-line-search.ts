/**
 * The strong-Wolfe line search with zoom (Nocedal and Wright, "Numerical Optimization", 2nd ed.,
 * Algorithms 3.5 and 3.6), in PyTorch's `_strong_wolfe` form (torch 1.13, `torch/optim/lbfgs.py`):
 * bracketing by cubic interpolation between 1.01·t and 10·t, then zooming by safeguarded cubic
 * interpolation. Host numbers only: `evaluate(t)` gives the value and the directional derivative
 * at θ + t·d, and keeps whatever it needs to return the point it settles on.
 *
 * @internal
 */
export interface LineSearchResult {
  /** The step length chosen. */
  readonly t: number;
  /** The value there. */
  readonly f: number;
  /** Evaluations made. */
  readonly evaluations: number;
}

/** Options of {@link zoomLineSearch}, PyTorch's defaults. @internal */
export interface ZoomOptions {
  readonly c1: number;
  readonly c2: number;
  readonly toleranceChange: number;
  readonly maxEvaluations: number;
}

/** PyTorch's `_cubic_interpolate`: the minimizer of the cubic through two points with slopes, clamped to the bounds. @internal */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const minPos =
      x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * Runs the search from step `t` along a descent direction with `f` the value and `gtd` the
 * directional derivative at t = 0, and `dNorm` the largest |dᵢ|. `evaluate(t)` returns the value
 * and the directional derivative at t.
 *
 * @internal
 */
export function zoomLineSearch(
  evaluate: (t: number) => { f: number; gtd: number },
  t0: number,
  f: number,
  gtd: number,
  dNorm: number,
  { c1, c2, toleranceChange, maxEvaluations }: ZoomOptions,
): LineSearchResult {
  let t = t0;
  let { f: fNew, gtd: gtdNew } = evaluate(t);
  let evaluations = 1;
  let tPrev = 0;
  let fPrev = f;
  let gtdPrev = gtd;
  let done = false;
  let iter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketGtd: number[] = [];
  while (iter < maxEvaluations) {
    if (fNew > f + c1 * t * gtd || (iter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketGtd] = [
        [tPrev, t],
        [fPrev, fNew],
        [gtdPrev, gtdNew],
      ];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketGtd] = [[t], [fNew], [gtdNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketGtd] = [
        [tPrev, t],
        [fPrev, fNew],
        [gtdPrev, gtdNew],
      ];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gtdPrev = gtdNew;
    ({ f: fNew, gtd: gtdNew } = evaluate(t));
    evaluations++;
    iter++;
  }
  if (iter === maxEvaluations) {
    [bracket, bracketF, bracketGtd] = [
      [0, t],
      [f, fNew],
      [gtd, gtdNew],
    ];
  }
  // Zoom.
  let insufficientProgress = false;
  let [low, high] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && iter < maxEvaluations) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    const hi = Math.max(...bracket);
    const lo = Math.min(...bracket);
    const eps = 0.1 * (hi - lo);
    if (Math.min(hi - t, t - lo) < eps) {
      if (insufficientProgress || t >= hi || t <= lo) {
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
        insufficientProgress = false;
      } else insufficientProgress = true;
    } else insufficientProgress = false;
    ({ f: fNew, gtd: gtdNew } = evaluate(t));
    evaluations++;
    iter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]) {
      bracket[high] = t;
      bracketF[high] = fNew;
      bracketGtd[high] = gtdNew;
      [low, high] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bracketF[high] = bracketF[low];
        bracketGtd[high] = bracketGtd[low];
      }
      bracket[low] = t;
      bracketF[low] = fNew;
      bracketGtd[low] = gtdNew;
    }
  }
  return { t: bracket[low], f: bracketF[low], evaluations };
}
