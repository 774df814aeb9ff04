import type { Backend } from '@downhill/backend';
import type { TopLevelSpec } from 'vega-lite';
import type { Config } from './cli.js';
import { BOWL_L, FUNCTIONS, bowl, descend, lrFor, lrRegimes, sampleGrid, type Path } from 'downhill-example-surfaces';
import { renderVegaLite, type Rendered } from 'downhill-example-plots';
import { learningRateSpec, lossSpec, pathsSpec, type Panel } from './specs.js';

/** A finished figure: its file name (without extension), spec, rendering and a one-line summary. */
export interface Figure {
  readonly name: 'paths' | 'loss' | 'learning-rate';
  readonly spec: TopLevelSpec;
  readonly rendered: Rendered;
  readonly summary: string;
}

/**
 * The learning rates of the learning-rate figure. For plain SGD on the bowl they come from the
 * theory of gradient descent on a quadratic with largest curvature L: the step is stable below
 * 2/L, oscillates (a sign flip each step) between 1/L and 2/L, and diverges above 2/L. For other
 * optimizers: multiples of the rate they use on the bowl.
 */
export function learningRateSweep(optimizer: string): { lr: number; label: string }[] {
  if (optimizer === 'sgd') return lrRegimes(BOWL_L).map(({ lr, label }) => ({ lr, label }));
  const base = lrFor(bowl, optimizer);
  return [
    { lr: 0.05 * base, label: `too small: ${fmt(0.05 * base)}` },
    { lr: base, label: `right: ${fmt(base)}` },
    { lr: 10 * base, label: `too large: ${fmt(10 * base)}` },
    { lr: 40 * base, label: `much too large: ${fmt(40 * base)}` },
  ];
}

/** Steps of each run in the learning-rate figure. */
export const LR_STEPS = 60;

function fmt(x: number): string {
  return Number(x.toPrecision(2)).toString();
}

function describeEnd(fn: (typeof FUNCTIONS)[number], p: Path): string {
  if (p.diverged) return `${p.optimizer} diverged`;
  const gap = p.losses[p.losses.length - 1] - fn.minValue;
  return `${p.optimizer} ${gap.toExponential(1)}`;
}

/** Runs every optimizer on every chosen function and the learning-rate sweep, and renders the three figures. */
export async function makeFigures(
  backend: Backend,
  config: Pick<Config, 'optimizers' | 'functions' | 'steps' | 'lrOptimizer'>,
): Promise<Figure[]> {
  const { optimizers, functions, steps, lrOptimizer } = config;
  const panels: Panel[] = FUNCTIONS.filter((f) => functions.includes(f.name)).map((fn) => ({
    fn,
    grid: sampleGrid(backend, fn),
    paths: optimizers.map((o) => descend(backend, fn, o, { lr: lrFor(fn, o), steps })),
  }));
  const sweep = learningRateSweep(lrOptimizer);
  const lrPaths = sweep.map(({ lr }) => descend(backend, bowl, lrOptimizer, { lr, steps: LR_STEPS }));
  const labelByLr = new Map(sweep.map((s) => [s.lr, s.label]));
  const lrPanel: Panel = { fn: bowl, grid: sampleGrid(backend, bowl), paths: lrPaths, labelOf: (p) => labelByLr.get(p.lr) ?? String(p.lr) };

  const specs: [Figure['name'], TopLevelSpec, string][] = [
    [
      'paths',
      pathsSpec(panels, optimizers, steps),
      panels.map((p) => `${p.fn.name}: ${p.paths.map((q) => describeEnd(p.fn, q)).join(', ')}`).join('; '),
    ],
    ['loss', lossSpec(panels, optimizers), `f − f* against step for ${panels.length} functions × ${optimizers.length} optimizers`],
    [
      'learning-rate',
      learningRateSpec(
        lrPanel,
        sweep.map((s) => s.label),
        lrOptimizer,
      ),
      lrPaths
        .map(
          (p) =>
            `${labelByLr.get(p.lr)}: ${p.diverged ? `left after ${p.points.length - 1} steps` : `f − f* = ${(p.losses[p.losses.length - 1] - bowl.minValue).toExponential(1)}`}`,
        )
        .join('; '),
    ],
  ];
  const out: Figure[] = [];
  for (const [name, spec, summary] of specs) out.push({ name, spec, rendered: await renderVegaLite(spec), summary });
  return out;
}
