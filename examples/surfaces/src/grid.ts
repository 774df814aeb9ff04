import { detach } from '@downhill/autograd';
import type { Backend } from '@downhill/backend';
import { contours } from 'd3-contour';
import type { TestFunction } from './functions.js';

/** The function sampled on a regular grid: log10 of its height above the minimum. */
export interface Grid {
  /** Cells along x and y. */
  readonly nx: number;
  readonly ny: number;
  /** Cell centres. */
  readonly xs: number[];
  readonly ys: number[];
  /** `log10(f − f* + ε)`, row-major with y outermost (`values[j * nx + i]` is at `xs[i], ys[j]`). */
  readonly values: Float64Array;
}

/** The floor under log scaling, so the minimum itself has a finite colour. */
const EPS = 1e-3;

/**
 * Evaluates `fn` on an `n × n` grid of cell centres over its window, in one call on the backend.
 *
 * @param backend - Where to evaluate (float64).
 * @param fn - The function.
 * @param n - Cells along each side.
 * @returns The grid of `log10(f − f* + 0.001)`.
 *
 * @example
 * ```ts
 * const grid = sampleGrid(backend, rosenbrock, 80);
 * ```
 */
export function sampleGrid(backend: Backend, fn: TestFunction, n = 56): Grid {
  const [x0, x1] = fn.xDomain;
  const [y0, y1] = fn.yDomain;
  const xs = Array.from({ length: n }, (_, i) => x0 + ((i + 0.5) * (x1 - x0)) / n);
  const ys = Array.from({ length: n }, (_, j) => y0 + ((j + 0.5) * (y1 - y0)) / n);
  const gx = new Float64Array(n * n);
  const gy = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      gx[j * n + i] = xs[i];
      gy[j * n + i] = ys[j];
    }
  }
  const f = backend.scope(() => fn.f(backend.tensor(gx, [n * n], 'float64'), backend.tensor(gy, [n * n], 'float64')));
  const raw = Float64Array.from(backend.readSync(detach(f)));
  backend.dispose(f);
  const values = raw.map((v) => Math.log10(Math.max(v - fn.minValue, 0) + EPS));
  return { nx: n, ny: n, xs, ys, values };
}

/** One contour line: a closed ring of points in the function's coordinates, at a level of the log height. */
export interface ContourRing {
  readonly level: number;
  readonly points: [number, number][];
}

/**
 * Contour lines of the log height at evenly spaced levels (marching squares, by d3-contour), in
 * the function's coordinates.
 *
 * @param grid - From {@link sampleGrid}.
 * @param fn - The function the grid samples (for its window).
 * @param levels - How many levels between the grid's smallest and largest value.
 * @returns One ring per closed curve, lowest level first.
 *
 * @example
 * ```ts
 * const rings = contourRings(sampleGrid(backend, beale), beale, 14);
 * ```
 */
export function contourRings(grid: Grid, fn: TestFunction, levels = 14): ContourRing[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grid.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const thresholds = Array.from({ length: levels }, (_, k) => lo + ((k + 0.5) * (hi - lo)) / levels);
  const polys = contours().size([grid.nx, grid.ny]).thresholds(thresholds)(Array.from(grid.values));
  // d3-contour's coordinates run over [0, nx] × [0, ny] with cell centres at i + 0.5; map them back.
  const sx = (fn.xDomain[1] - fn.xDomain[0]) / grid.nx;
  const sy = (fn.yDomain[1] - fn.yDomain[0]) / grid.ny;
  const rings: ContourRing[] = [];
  for (const poly of polys) {
    for (const polygon of poly.coordinates) {
      for (const r of polygon) {
        rings.push({
          level: poly.value,
          points: r.map(([gx, gy]) => [fn.xDomain[0] + gx * sx, fn.yDomain[0] + gy * sy] as [number, number]),
        });
      }
    }
  }
  return rings;
}
