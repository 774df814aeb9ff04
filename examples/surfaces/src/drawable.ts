import type { TestFunction } from './functions.js';

/**
 * The part of a path to draw: up to where it leaves a box three times the window's size (a
 * diverging run flies off to 1e12; renderers choke on such coordinates), ending exactly on the
 * box's edge along its last segment, so what shows inside the window is unchanged.
 *
 * @param points - The path.
 * @param fn - The function whose window it is drawn in.
 * @returns The points to draw.
 *
 * @example
 * ```ts
 * drawable([[0, 0], [1000, 0]], rosenbrock); // [[0, 0], [6, 0]]
 * ```
 */
export function drawable(points: readonly (readonly [number, number])[], fn: TestFunction): [number, number][] {
  const wx = fn.xDomain[1] - fn.xDomain[0];
  const wy = fn.yDomain[1] - fn.yDomain[0];
  const lo = [fn.xDomain[0] - wx, fn.yDomain[0] - wy];
  const hi = [fn.xDomain[1] + wx, fn.yDomain[1] + wy];
  const inside = (p: readonly number[]) => p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1];
  const out: [number, number][] = [];
  for (const p of points) {
    if (inside(p)) {
      out.push([p[0], p[1]]);
      continue;
    }
    const a = out[out.length - 1];
    if (a) {
      let t = 1;
      for (const k of [0, 1]) {
        const d = p[k] - a[k];
        if (p[k] > hi[k]) t = Math.min(t, (hi[k] - a[k]) / d);
        if (p[k] < lo[k]) t = Math.min(t, (lo[k] - a[k]) / d);
      }
      out.push([a[0] + t * (p[0] - a[0]), a[1] + t * (p[1] - a[1])]);
    }
    break;
  }
  return out;
}
