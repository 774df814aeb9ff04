import type { GradientNoiseScale, LossAlongLine, LossPlane, LrRangeTest, SpectralDensity } from '@downhill/curvature';
import type { TopLevelSpec } from 'vega-lite';
import type { GdRun } from './experiments.js';

const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756'];
const lrLabel = (lr: number) => `η = ${Number(lr.toPrecision(3))}`;

/** The colour channel of the charts with one series per run: a colour per learning rate, legend below. */
function runColor(runs: readonly GdRun[]) {
  const names = runs.map((r) => lrLabel(r.lr));
  return {
    field: 'run',
    type: 'nominal',
    title: null,
    scale: { domain: names, range: PALETTE.slice(0, names.length) },
    legend: { orient: 'bottom' },
  } as const;
}

/** Sharpness against step beside 2/η for each learning rate, and the training loss. */
export function edgeOfStabilitySpec(runs: readonly GdRun[], subtitle: string): TopLevelSpec {
  const color = runColor(runs);
  const sharp = runs.flatMap((r) => r.sharpness.map(([step, value]) => ({ run: lrLabel(r.lr), step, value })));
  const rules = runs.map((r) => ({ run: lrLabel(r.lr), twoOverLr: 2 / r.lr, label: `2/η = ${(2 / r.lr).toFixed(2)}` }));
  const losses = runs.flatMap((r) =>
    r.losses
      .filter((_, i) => i % Math.max(1, Math.floor(r.losses.length / 400)) === 0 || i === r.losses.length - 1)
      .map((loss, k, all) => ({ run: lrLabel(r.lr), step: Math.round((k * (r.losses.length - 1)) / Math.max(1, all.length - 1)), loss })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Edge of stability: full-batch gradient descent on an MLP, 1,000 MNIST digits', subtitle },
    hconcat: [
      {
        width: 360,
        height: 240,
        title: 'sharpness (top Hessian eigenvalue) and 2/η (dashed)',
        layer: [
          {
            data: { values: sharp },
            mark: { type: 'line', strokeWidth: 1.8 },
            encoding: {
              x: { field: 'step', type: 'quantitative' },
              y: { field: 'value', type: 'quantitative', title: 'sharpness', scale: { zero: false } },
              color,
            },
          },
          {
            data: { values: rules },
            mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { y: { field: 'twoOverLr', type: 'quantitative' }, color },
          },
          {
            data: { values: rules },
            mark: { type: 'text', align: 'left', dx: 4, dy: -7, fontSize: 11 },
            encoding: { x: { datum: 0 }, y: { field: 'twoOverLr', type: 'quantitative' }, text: { field: 'label' }, color },
          },
        ],
      },
      {
        width: 300,
        height: 240,
        title: 'training loss',
        data: { values: losses },
        mark: { type: 'line', strokeWidth: 1.2 },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
          color,
        },
      },
    ],
  };
}

/** The eigenvalue density at initialization and at the end, on a log axis as PyHessian draws it. */
export function densitySpec(curves: readonly { label: string; density: SpectralDensity }[], subtitle: string): TopLevelSpec {
  const floor = 1e-6;
  const values = curves.flatMap(({ label, density }) =>
    density.grid.map((x, i) => ({ when: label, eigenvalue: x, density: Math.max(floor, density.density[i]) })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Hessian eigenvalue density (stochastic Lanczos quadrature)', subtitle },
    width: 560,
    height: 260,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.3, clip: true },
    encoding: {
      x: { field: 'eigenvalue', type: 'quantitative' },
      y: { field: 'density', type: 'quantitative', scale: { type: 'log', domainMin: floor }, title: 'density (log scale)' },
      color: { field: 'when', type: 'nominal', title: null, scale: { range: PALETTE }, legend: { orient: 'bottom', labelLimit: 0 } },
    },
  };
}

/** The range test's loss against the learning rate, with the suggestion, the divergence and 2/λmax marked. */
export function rangeTestSpec(test: LrRangeTest, twoOverSharpness: number, subtitle: string): TopLevelSpec {
  const values = test.lrs.map((lr, i) => ({ lr, loss: test.losses[i], smoothed: test.smoothed[i] }));
  const marks = [
    { lr: test.suggestion, label: `suggestion ${test.suggestion.toPrecision(2)}`, color: '#54a24b' },
    { lr: twoOverSharpness, label: `2/λmax at init ${twoOverSharpness.toPrecision(2)}`, color: '#e45756' },
    ...(test.divergence ? [{ lr: test.divergence.lr, label: `divergence ${test.divergence.lr.toPrecision(2)}`, color: '#f58518' }] : []),
  ];
  const top = 1.5 * test.smoothed[0];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Learning-rate range test: minibatch SGD (batches of 64), exponential ramp', subtitle },
    width: 560,
    height: 260,
    layer: [
      {
        data: { values },
        mark: { type: 'line', opacity: 0.3, strokeWidth: 0.8, clip: true },
        encoding: {
          x: { field: 'lr', type: 'quantitative', scale: { type: 'log' }, title: 'learning rate (log scale)' },
          y: { field: 'loss', type: 'quantitative', scale: { domain: [0, top] }, title: 'loss' },
        },
      },
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: { x: { field: 'lr', type: 'quantitative' }, y: { field: 'smoothed', type: 'quantitative' } },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: {
          x: { field: 'lr', type: 'quantitative' },
          color: {
            field: 'label',
            type: 'nominal',
            title: null,
            scale: { domain: marks.map((m) => m.label), range: marks.map((m) => m.color) },
            legend: { orient: 'bottom' },
          },
        },
      },
    ],
  };
}

/** The loss over the path's plane with the path on it, and the loss on the line from start to end. */
export function landscapeSpec(
  plane: LossPlane<unknown>,
  path: { x: number; y: number }[],
  line: LossAlongLine,
  explained: [number, number],
  subtitle: string,
): TopLevelSpec {
  const dx = plane.x[1] - plane.x[0];
  const dy = plane.y[1] - plane.y[0];
  const cells = plane.y.flatMap((y, j) =>
    plane.x.map((x, i) => ({ x0: x - dx / 2, x1: x + dx / 2, y0: y - dy / 2, y1: y + dy / 2, log10loss: Math.log10(plane.loss[j][i]) })),
  );
  const points = path.map((p, k) => ({ ...p, k }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Loss landscape around the trained weights, and the path of gradient descent', subtitle },
    hconcat: [
      {
        width: 330,
        height: 300,
        title: `the path's principal plane (${(100 * explained[0]).toFixed(0)}% + ${(100 * explained[1]).toFixed(0)}% of its movement)`,
        layer: [
          {
            data: { values: cells },
            mark: { type: 'rect' },
            encoding: {
              x: { field: 'x0', type: 'quantitative', title: 'principal direction 1', scale: { zero: false, nice: false } },
              x2: { field: 'x1' },
              y: { field: 'y0', type: 'quantitative', title: 'principal direction 2', scale: { zero: false, nice: false } },
              y2: { field: 'y1' },
              color: { field: 'log10loss', type: 'quantitative', title: 'log10 loss', scale: { scheme: 'viridis' } },
            },
          },
          {
            data: { values: points },
            mark: { type: 'line', color: 'white', strokeWidth: 1.5, point: { color: 'white', size: 14 } },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, order: { field: 'k' } },
          },
        ],
      },
      {
        width: 260,
        height: 300,
        title: 'the line from initialization (α = 0) to the end (α = 1)',
        data: { values: line.alphas.map((a, i) => ({ alpha: a, loss: line.losses[i] })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'alpha', type: 'quantitative', title: 'α' },
          y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss (log scale)' },
        },
      },
    ],
  };
}

/** The gradient noise scale over training, and the minibatch variance against tr(Σ)/B. */
export function noiseScaleSpec(runs: readonly GdRun[], subtitle: string): TopLevelSpec {
  const color = runColor(runs);
  // Where the two sizes cannot resolve |G|² (its estimate is not positive) the point is left out.
  const rows = runs.flatMap((r) =>
    r.noise
      .filter(({ scale }: { scale: GradientNoiseScale }) => scale.gradientNormSquared > 0 && scale.simple > 0)
      .map(({ step, scale }) => ({
        run: lrLabel(r.lr),
        step,
        simple: scale.simple,
        lo: Math.max(1, scale.simple - scale.simpleStandardError),
        hi: scale.simple + scale.simpleStandardError,
      })),
  );
  const variance = runs.flatMap((r) =>
    r.noise.flatMap(({ step, scale }) =>
      scale.variance.map((v) => ({ run: lrLabel(r.lr), step, batch: `B = ${v.batchSize}`, measured: v.measured, predicted: v.predicted })),
    ),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Gradient noise scale over training (McCandlish et al. 2018)', subtitle },
    hconcat: [
      {
        width: 320,
        height: 240,
        title: 'B_simple = tr(Σ)/|G|², ± one standard error',
        layer: [
          {
            data: { values: rows },
            mark: { type: 'errorbar' },
            encoding: {
              x: { field: 'step', type: 'quantitative' },
              y: { field: 'lo', type: 'quantitative', title: 'critical batch size B_simple (log scale)', scale: { type: 'log' } },
              y2: { field: 'hi' },
              color,
            },
          },
          {
            data: { values: rows },
            mark: { type: 'line', point: true },
            encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'simple', type: 'quantitative' }, color },
          },
        ],
      },
      {
        width: 260,
        height: 240,
        title: 'minibatch gradient variance: measured against tr(Σ)/B',
        layer: [
          {
            data: { values: variance },
            mark: { type: 'point', filled: true },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', scale: { type: 'log' }, title: 'tr(Σ)/B' },
              y: { field: 'measured', type: 'quantitative', scale: { type: 'log' }, title: 'measured E|G_B − Ḡ|²' },
              shape: { field: 'batch', type: 'nominal', title: null, legend: { orient: 'bottom' } },
              color,
            },
          },
          {
            data: { values: [{ v: Math.min(...variance.map((r) => r.predicted)) }, { v: Math.max(...variance.map((r) => r.predicted)) }] },
            mark: { type: 'line', color: 'gray', strokeDash: [4, 3] },
            encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } },
          },
        ],
      },
    ],
  };
}
