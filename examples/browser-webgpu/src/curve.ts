/** Size and margins of the learning-curve plot, in SVG user units. */
export interface CurveBox {
  readonly width: number;
  readonly height: number;
  readonly margin: number;
}

/**
 * The SVG path of a learning curve: step on x, log10 of the loss on y (losses span decades),
 * scaled to fill `box` inside its margin. Non-finite and non-positive losses are skipped.
 *
 * @param losses - Loss per step.
 * @param box - The plot's size and margin.
 * @param scale - A fixed log10 range and step count (several curves on one pair of axes); by
 *   default the curve's own range and length.
 * @returns The `d` attribute of a `<path>` (empty with fewer than two usable points), and the
 *   log10 range drawn.
 * @example
 * ```ts
 * curvePath([1, 0.1, 0.01], { width: 100, height: 50, margin: 5 }).d; // 'M5.0,5.0L50.0,25.0L95.0,45.0'
 * ```
 */
export function curvePath(
  losses: readonly number[],
  box: CurveBox,
  scale?: { readonly lo: number; readonly hi: number; readonly steps: number },
): { d: string; lo: number; hi: number } {
  const pts = losses.map((l, i) => [i, Math.log10(l)] as const).filter(([, v]) => Number.isFinite(v));
  if (pts.length < 2) return { d: '', lo: scale?.lo ?? 0, hi: scale?.hi ?? 0 };
  const lo = scale ? scale.lo : Math.min(...pts.map(([, v]) => v));
  const hi = scale ? scale.hi : Math.max(...pts.map(([, v]) => v));
  const span = hi - lo || 1;
  const last = Math.max(scale ? scale.steps : losses.length - 1, 1);
  const w = box.width - 2 * box.margin;
  const h = box.height - 2 * box.margin;
  const d = pts
    .map(
      ([i, v], k) => `${k === 0 ? 'M' : 'L'}${(box.margin + (w * i) / last).toFixed(1)},${(box.margin + (h * (hi - v)) / span).toFixed(1)}`,
    )
    .join('');
  return { d, lo, hi };
}
