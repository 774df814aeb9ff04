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

/** Evaluates `fn` on an `n × n` grid of cell centres over its window, in one call on the backend. */
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
  const raw = backend.readSync(f as never) as Float64Array;
  backend.dispose(f as never);
  const values = raw.map((v) => Math.log10(Math.max(v - fn.minValue, 0) + EPS));
  return { nx: n, ny: n, xs, ys, values };
}

/** Rows of the heatmap: one rectangle per cell, with its bounds and log height. */
export function heatmapRows(grid: Grid, fn: TestFunction): { x: number; x2: number; y: number; y2: number; logf: number }[] {
  const dx = (fn.xDomain[1] - fn.xDomain[0]) / grid.nx;
  const dy = (fn.yDomain[1] - fn.yDomain[0]) / grid.ny;
  const rows = [];
  for (let j = 0; j < grid.ny; j++) {
    for (let i = 0; i < grid.nx; i++) {
      const x = fn.xDomain[0] + i * dx;
      const y = fn.yDomain[0] + j * dy;
      // Each cell overlaps its neighbours by a sliver, so anti-aliasing leaves no seams between them.
      rows.push({ x: round(x), x2: round(x + 1.04 * dx), y: round(y), y2: round(y + 1.04 * dy), logf: round(grid.values[j * grid.nx + i]) });
    }
  }
  return rows;
}

/**
 * Contour lines of the log height at evenly spaced levels (marching squares, by d3-contour), as
 * polyline rows `{ ring, order, x, y, level }` in the function's coordinates: one `ring` per
 * closed curve, `order` along it.
 *
 * @param levels - How many levels between the grid's smallest and largest value.
 */
export function contourRows(grid: Grid, fn: TestFunction, levels = 14): { ring: number; order: number; x: number; y: number; level: number }[] {
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
  const rows: { ring: number; order: number; x: number; y: number; level: number }[] = [];
  let ring = 0;
  for (const poly of polys) {
    for (const polygon of poly.coordinates) {
      for (const r of polygon) {
        r.forEach(([gx, gy], order) => rows.push({ ring, order, x: round(fn.xDomain[0] + gx * sx), y: round(fn.yDomain[0] + gy * sy), level: round(poly.value) }));
        ring++;
      }
    }
  }
  return rows;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
