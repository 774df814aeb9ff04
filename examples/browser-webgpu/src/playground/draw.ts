import type { Grid, TestFunction } from 'downhill-example-surfaces';

/** The contour plot's geometry: the function's window mapped onto pixels, y pointing up. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  /** Pixels of a point of the plane. */
  toPx(p: readonly [number, number]): [number, number];
  /** The point of the plane at pixels. */
  toXY(px: number, py: number): [number, number];
}

/**
 * The largest frame of the function's window (its aspect kept) that fits `maxWidth × maxHeight`.
 *
 * @param fn - The function.
 * @param maxWidth - Pixels.
 * @param maxHeight - Pixels.
 * @returns The frame.
 *
 * @example
 * ```ts
 * plotFrame(rosenbrock, 480, 420).toPx([0, 1]); // the pixel of (0, 1)
 * ```
 */
export function plotFrame(fn: TestFunction, maxWidth: number, maxHeight: number): Frame {
  const [x0, x1] = fn.xDomain;
  const [y0, y1] = fn.yDomain;
  const k = Math.min(maxWidth / (x1 - x0), maxHeight / (y1 - y0));
  const width = Math.round(k * (x1 - x0));
  const height = Math.round(k * (y1 - y0));
  return {
    width,
    height,
    toPx: ([x, y]) => [((x - x0) / (x1 - x0)) * width, ((y1 - y) / (y1 - y0)) * height],
    toXY: (px, py) => [x0 + (px / width) * (x1 - x0), y1 - (py / height) * (y1 - y0)],
  };
}

/**
 * The `d` attribute of a polyline through points of the plane.
 *
 * @param points - The points.
 * @param frame - Where they are drawn.
 * @returns `M x,y L x,y ...` in pixels with one decimal; empty for no points.
 *
 * @example
 * ```ts
 * pathD([[0, 0], [1, 1]], frame);
 * ```
 */
export function pathD(points: readonly (readonly [number, number])[], frame: Frame): string {
  return points
    .map((p, i) => {
      const [px, py] = frame.toPx(p);
      return `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`;
    })
    .join('');
}

/** The shading's colours from low to high: deep teal at the minimum to near-white on the heights. */
const RAMP: readonly (readonly [number, number, number])[] = [
  [22, 83, 96],
  [52, 138, 146],
  [132, 190, 180],
  [204, 228, 214],
  [246, 244, 236],
];

/**
 * The shading of a grid as RGBA pixels, one per cell, top row first (the grid's last row of y):
 * the log height mapped linearly from its smallest to its largest value onto a teal ramp.
 *
 * @param grid - From `sampleGrid`.
 * @returns `nx × ny × 4` bytes, for an `ImageData` the size of the grid (the canvas scales it up, smoothly).
 *
 * @example
 * ```ts
 * context.putImageData(new ImageData(shading(grid), grid.nx, grid.ny), 0, 0);
 * ```
 */
export function shading(grid: Grid): Uint8ClampedArray<ArrayBuffer> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grid.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const out = new Uint8ClampedArray(new ArrayBuffer(grid.nx * grid.ny * 4));
  for (let j = 0; j < grid.ny; j++) {
    for (let i = 0; i < grid.nx; i++) {
      const t = (grid.values[j * grid.nx + i] - lo) / (hi - lo || 1);
      const s = Math.min(RAMP.length - 1.000001, Math.max(0, t * (RAMP.length - 1)));
      const k = Math.floor(s);
      const f = s - k;
      const o = ((grid.ny - 1 - j) * grid.nx + i) * 4;
      for (let c = 0; c < 3; c++) out[o + c] = RAMP[k][c] + f * (RAMP[k + 1][c] - RAMP[k][c]);
      out[o + 3] = 255;
    }
  }
  return out;
}

/**
 * Tick values for a linear axis: about `count` round numbers inside `[lo, hi]`.
 *
 * @param lo - The axis's start.
 * @param hi - Its end.
 * @param count - About how many ticks.
 * @returns The ticks, ascending.
 *
 * @example
 * ```ts
 * ticks(-2, 2, 5); // [-2, -1, 0, 1, 2]
 * ```
 */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / Math.max(1, count - 1);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}
