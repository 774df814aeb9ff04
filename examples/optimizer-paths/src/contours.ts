import { contourRings, type Grid, type TestFunction } from 'downhill-example-surfaces';

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
      rows.push({
        x: round(x),
        x2: round(x + 1.04 * dx),
        y: round(y),
        y2: round(y + 1.04 * dy),
        logf: round(grid.values[j * grid.nx + i]),
      });
    }
  }
  return rows;
}

/**
 * Contour lines of the log height at evenly spaced levels (see `contourRings`), as polyline rows
 * `{ ring, order, x, y, level }` in the function's coordinates: one `ring` per closed curve,
 * `order` along it.
 *
 * @param levels - How many levels between the grid's smallest and largest value.
 */
export function contourRows(
  grid: Grid,
  fn: TestFunction,
  levels = 14,
): { ring: number; order: number; x: number; y: number; level: number }[] {
  return contourRings(grid, fn, levels).flatMap((r, ring) =>
    r.points.map(([x, y], order) => ({ ring, order, x: round(x), y: round(y), level: round(r.level) })),
  );
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
