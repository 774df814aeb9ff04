import type { TopLevelSpec } from 'vega-lite';
import type { RunResult } from './train.js';

/** At most this many points per per-step series (every k-th step is drawn; the smoothing sees them all). */
const MAX_POINTS = 600;

/**
 * Exponential moving average with bias correction, as TensorBoard smooths training curves. The
 * default `beta` averages over about 1% of the run (at most 50 steps), so short runs stay sharp.
 */
export function smooth(values: readonly number[], beta = 1 - 1 / Math.min(50, Math.max(1, values.length / 100))): number[] {
  const out: number[] = [];
  let avg = 0;
  values.forEach((v, i) => {
    avg = beta * avg + (1 - beta) * v;
    out.push(avg / (1 - beta ** (i + 1)));
  });
  return out;
}

/** Indices of a series thinned to about `MAX_POINTS`, always keeping the last one. */
function thin(n: number): number[] {
  const k = Math.max(1, Math.ceil(n / MAX_POINTS));
  const idx: number[] = [];
  for (let i = 0; i < n; i += k) idx.push(i);
  if (n > 0 && idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

/** Titles of the plot. */
export interface PlotLabels {
  /** The headline: model, backend. */
  readonly title: string;
  /** A second line: schedule, epochs, batch size, seed. */
  readonly subtitle: string;
}

const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

/**
 * The learning curves of one run or several overlaid (compare mode), as a Vega-Lite spec of three
 * panels sharing one colour per optimizer:
 *
 * 1. training loss against step on a log axis: each step's batch loss faint (single runs only)
 *    and its exponential moving average as a line;
 * 2. train (dashed) and test (solid) accuracy against epoch, with the final test accuracy in the
 *    legend label;
 * 3. the learning rate against step (the schedule).
 */
export function learningCurveSpec(runs: readonly RunResult[], { title, subtitle }: PlotLabels): TopLevelSpec {
  const label = (r: RunResult) => r.optimizer.name;
  const names = runs.map(label);
  const lossRows: Record<string, unknown>[] = [];
  const lrRows: Record<string, unknown>[] = [];
  const accRows: Record<string, unknown>[] = [];
  for (const r of runs) {
    const sm = smooth(r.steps.loss);
    for (const i of thin(r.steps.loss.length)) {
      lossRows.push({ optimizer: label(r), step: i + 1, loss: r.steps.loss[i], smoothed: sm[i] });
      lrRows.push({ optimizer: label(r), step: i + 1, lr: r.steps.lr[i] });
    }
    for (const e of r.epochs) {
      accRows.push({ optimizer: label(r), epoch: e.epoch, split: 'train', accuracy: e.trainAccuracy });
      accRows.push({ optimizer: label(r), epoch: e.epoch, split: 'test', accuracy: e.testAccuracy });
    }
  }
  const color = {
    field: 'optimizer',
    type: 'nominal',
    title: 'optimizer',
    scale: { domain: names, range: PALETTE.slice(0, Math.max(names.length, 1)) },
    legend: {
      orient: 'bottom',
      direction: 'horizontal',
      labelExpr: legendLabels(runs),
      labelLimit: 0,
      symbolType: 'stroke',
      symbolOpacity: 1,
      symbolStrokeWidth: 3,
    },
  } as const;
  const width = 300;
  const height = 230;
  const lossLayers: unknown[] = [];
  if (runs.length === 1) {
    lossLayers.push({
      mark: { type: 'line', strokeWidth: 0.8, opacity: 0.25, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
        color,
      },
    });
  }
  lossLayers.push({
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'smoothed', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
      color,
    },
  });
  // Peaks far apart (Adam's 1e-3 beside SGD's 5e-2): a log axis shows every schedule's shape.
  const peaks = runs.map((r) => Math.max(...r.steps.lr));
  const logLr = runs.length > 1 && Math.max(...peaks) > 10 * Math.min(...peaks);
  const minAcc = Math.min(...accRows.map((r) => r.accuracy as number), 1);
  const accLow = Math.max(0, Math.floor(minAcc * 50) / 50);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start', fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555' },
    config: {
      font: 'sans-serif',
      view: { stroke: '#ddd' },
      axis: { gridColor: '#eee', labelFontSize: 10, titleFontSize: 11 },
      legend: { labelFontSize: 11, titleFontSize: 11, symbolStrokeWidth: 3 },
    },
    background: 'white',
    padding: 12,
    hconcat: [
      {
        title: { text: runs.length === 1 ? 'Training loss (faint: per step)' : 'Training loss (moving average)', fontSize: 12 },
        width,
        height,
        data: { values: lossRows },
        layer: lossLayers,
      },
      {
        title: { text: 'Accuracy (solid: test, dashed: train)', fontSize: 12 },
        width,
        height,
        data: { values: accRows },
        mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 2, clip: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            title: 'accuracy',
            scale: { domain: [accLow, 1], zero: false },
            axis: { format: '.1%' },
          },
          color,
          strokeDash: {
            field: 'split',
            type: 'nominal',
            title: 'split',
            scale: {
              domain: ['test', 'train'],
              range: [
                [1, 0],
                [5, 3],
              ],
            },
            legend: null,
          },
          detail: { field: 'split', type: 'nominal' },
        },
      },
      {
        title: { text: 'Learning rate (schedule)', fontSize: 12 },
        width,
        height,
        data: { values: logLr ? lrRows.filter((r) => (r.lr as number) > 0) : lrRows },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: {
            field: 'lr',
            type: 'quantitative',
            title: logLr ? 'learning rate (log scale)' : 'learning rate',
            scale: logLr ? { type: 'log' } : {},
            axis: { format: '.0e' },
          },
          color,
        },
      },
    ],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}

/** A Vega expression that labels each optimizer with its final test accuracy: `adam (98.12%)`. */
function legendLabels(runs: readonly RunResult[]): string {
  const cases = runs.map(
    (r) =>
      `datum.label === ${JSON.stringify(r.optimizer.name)} ? ${JSON.stringify(`${r.optimizer.name} (test ${(100 * r.testAccuracy).toFixed(2)}%)`)}`,
  );
  return cases.length ? `${cases.join(' : ')} : datum.label` : 'datum.label';
}
