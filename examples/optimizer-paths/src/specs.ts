import type { TopLevelSpec } from 'vega-lite';
import { drawable, type Grid, type Path, type TestFunction } from 'downhill-example-surfaces';
import { contourRows, heatmapRows } from './contours.js';

/** Colours of the optimizers' paths (Tableau 10, which reads well on the light shading). */
export const PALETTE = ['#e45756', '#f58518', '#4c78a8', '#54a24b', '#b279a2', '#eeca3b', '#ff9da6', '#9d755d', '#72b7b2', '#17becf'];

/** Colours of the learning-rate figure: slow blue, right green, too large orange, much too large red. */
export const LR_PALETTE = ['#4c78a8', '#54a24b', '#f58518', '#e45756'];

/** One function's panel: its grid and the paths run on it. */
export interface Panel {
  readonly fn: TestFunction;
  readonly grid: Grid;
  readonly paths: readonly Path[];
  /** The label of each path in the legend (default: the optimizer's name). */
  readonly labelOf?: (p: Path) => string;
}

const CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#999' },
  axis: { labelFontSize: 10, titleFontSize: 11, grid: false },
  legend: { labelFontSize: 11, titleFontSize: 11, symbolStrokeWidth: 3, symbolSize: 120 },
  title: { fontSize: 13, subtitleFontSize: 10, subtitleColor: '#555', anchor: 'start' },
} as const;

/** Thins a path to at most `max` points for drawing (keeps the first and last). */
function thinned<T>(xs: readonly T[], max = 400): T[] {
  if (xs.length <= max) return [...xs];
  const k = Math.ceil(xs.length / max);
  const out = xs.filter((_, i) => i % k === 0);
  if (out[out.length - 1] !== xs[xs.length - 1]) out.push(xs[xs.length - 1]);
  return out;
}

/** Options of the panel builders. */
export interface LayerOptions {
  readonly width?: number;
  /** The legend's title. */
  readonly colorTitle?: string;
  /** The series, in legend order. */
  readonly domain: readonly string[];
  readonly palette?: readonly string[];
  /** Legend entries per row. */
  readonly columns?: number;
}

function colorEncoding(title: string, domain: readonly string[], palette: readonly string[], columns: number) {
  return {
    field: 'label',
    type: 'nominal',
    title,
    scale: { domain: [...domain], range: palette.slice(0, Math.max(1, domain.length)) },
    legend: { orient: 'bottom', direction: 'horizontal', columns, labelLimit: 0, symbolType: 'stroke' },
  } as const;
}

function pathLabel(panel: Panel, p: Path): string {
  return panel.labelOf ? panel.labelOf(p) : p.optimizer;
}

/**
 * One contour panel as a Vega-Lite layer: the function's log height as shaded cells and contour
 * lines, each optimizer's path as a line from the start (black circle) to its end (a square of
 * its colour), and the minimum (a white star).
 */
export function contourLayer(
  panel: Panel,
  { width = 330, colorTitle = 'optimizer', domain, palette = PALETTE, columns = 6 }: LayerOptions,
) {
  const { fn, grid } = panel;
  const height = Math.round((width * (fn.yDomain[1] - fn.yDomain[0])) / (fn.xDomain[1] - fn.xDomain[0]));
  const x = { type: 'quantitative', scale: { domain: [...fn.xDomain], nice: false, zero: false }, title: 'x' } as const;
  const y = { type: 'quantitative', scale: { domain: [...fn.yDomain], nice: false, zero: false }, title: 'y' } as const;
  const shown = panel.paths.map((p) => ({ label: pathLabel(panel, p), points: drawable(p.points, fn), diverged: p.diverged }));
  const pathRows = shown.flatMap((p) => thinned(p.points.map((pt, i) => ({ label: p.label, step: i, x: pt[0], y: pt[1] }))));
  // Where each run ended (runs that left the window have no end marker: their line runs off the plot).
  const endRows = shown
    .filter((p) => !p.diverged && p.points.length > 0)
    .map((p) => ({ label: p.label, x: p.points[p.points.length - 1][0], y: p.points[p.points.length - 1][1] }));
  const color = colorEncoding(colorTitle, domain, palette, columns);
  return {
    title: { text: fn.title, subtitle: fn.formula },
    width,
    height,
    layer: [
      {
        data: { values: heatmapRows(grid, fn) },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'x', ...x },
          x2: { field: 'x2' },
          y: { field: 'y', ...y },
          y2: { field: 'y2' },
          fill: { field: 'logf', type: 'quantitative', scale: { scheme: 'lightgreyteal', reverse: false }, legend: null },
        },
      },
      {
        data: { values: contourRows(grid, fn) },
        mark: { type: 'line', stroke: '#ffffff', strokeWidth: 0.7, opacity: 0.9, clip: true },
        encoding: {
          x: { field: 'x', ...x },
          y: { field: 'y', ...y },
          detail: { field: 'ring', type: 'nominal' },
          order: { field: 'order', type: 'quantitative' },
        },
      },
      {
        data: { values: pathRows },
        mark: { type: 'line', strokeWidth: 2.2, clip: true, point: false },
        encoding: { x: { field: 'x', ...x }, y: { field: 'y', ...y }, color, order: { field: 'step', type: 'quantitative' } },
      },
      {
        data: { values: endRows },
        mark: { type: 'square', size: 70, filled: true, stroke: 'black', strokeWidth: 0.8, clip: true },
        encoding: { x: { field: 'x', ...x }, y: { field: 'y', ...y }, color },
      },
      {
        data: { values: [{ x: fn.start[0], y: fn.start[1], what: 'start' }] },
        mark: { type: 'circle', size: 90, color: 'black', opacity: 1 },
        encoding: { x: { field: 'x', ...x }, y: { field: 'y', ...y } },
      },
      {
        data: { values: [{ x: fn.minimum[0], y: fn.minimum[1], what: 'minimum' }] },
        mark: { type: 'point', shape: 'diamond', size: 140, filled: true, color: 'white', stroke: 'black', strokeWidth: 1.2 },
        encoding: { x: { field: 'x', ...x }, y: { field: 'y', ...y } },
      },
    ],
  };
}

/** One panel of `f − f*` against step on a log axis, one line per path. */
export function lossLayer(
  panel: Panel,
  { width = 330, height = 220, colorTitle = 'optimizer', domain, palette = PALETTE, columns = 6 }: LayerOptions & { height?: number },
) {
  const rows = panel.paths.flatMap((p) =>
    thinned(p.losses.map((l, i) => ({ label: pathLabel(panel, p), step: i, gap: Math.max(l - panel.fn.minValue, 1e-12) }))),
  );
  return {
    title: { text: panel.fn.title, subtitle: 'f − f* against step (log scale); a line that stops has diverged' },
    width,
    height,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'gap', type: 'quantitative', scale: { type: 'log' }, title: 'f − f*', axis: { format: '.0e' } },
      color: colorEncoding(colorTitle, domain, palette, columns),
    },
  };
}

function grid2(items: unknown[]): unknown[] {
  const rows: unknown[] = [];
  for (let i = 0; i < items.length; i += 2) rows.push({ hconcat: items.slice(i, i + 2) });
  return rows;
}

/** The figure of paths: one contour panel per function, two per row, a shared legend. */
export function pathsSpec(panels: readonly Panel[], optimizers: readonly string[], steps: number): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Optimizer paths on two-dimensional test functions',
      subtitle: `${steps} steps from the black circle; squares mark where each ended, the white diamond the minimum. Shading and contours: log₁₀(f − f*).`,
      fontSize: 16,
      subtitleFontSize: 11,
    },
    background: 'white',
    padding: 14,
    config: CONFIG,
    vconcat: grid2(panels.map((p) => contourLayer(p, { domain: optimizers }))),
    resolve: { scale: { color: 'shared', fill: 'independent', x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

/** The figure of loss against step: one panel per function. */
export function lossSpec(panels: readonly Panel[], optimizers: readonly string[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Loss against step',
      subtitle: 'The same runs as the paths figure: the height above the minimum, on a log scale.',
      fontSize: 16,
      subtitleFontSize: 11,
    },
    background: 'white',
    padding: 14,
    config: CONFIG,
    vconcat: grid2(panels.map((p) => lossLayer(p, { domain: optimizers }))),
    resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

/**
 * The learning-rate figure: one optimizer on one function at several learning rates, its paths
 * over the contours beside its loss against step.
 */
export function learningRateSpec(panel: Panel, labels: readonly string[], optimizer: string): TopLevelSpec {
  const palette = LR_PALETTE.slice(0, labels.length);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `The learning rate: ${optimizer} on an elongated bowl`,
      subtitle:
        'Too small: slow. Right: steady. Too large: oscillation across the bowl. Much too large: divergence (the path leaves, the loss explodes).',
      fontSize: 16,
      subtitleFontSize: 11,
    },
    background: 'white',
    padding: 14,
    config: CONFIG,
    hconcat: [
      contourLayer(panel, { width: 420, colorTitle: 'learning rate', domain: labels, palette, columns: 2 }),
      lossLayer(panel, { width: 360, height: 280, colorTitle: 'learning rate', domain: labels, palette, columns: 2 }),
    ],
    resolve: { scale: { color: 'shared', fill: 'independent', x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}
