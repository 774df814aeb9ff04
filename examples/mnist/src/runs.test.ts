import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Metrics } from './metrics.js';
import { withoutTimings } from './metrics.js';
import { pngSize } from 'downhill-example-plots';
import { runCli } from './test-helpers.js';

// Small runs of the real program: 1,000 training and 200 test images, one epoch.
const SMALL = [
  '--backend',
  'cpu',
  '--train-size',
  '1000',
  '--test-size',
  '200',
  '--epochs',
  '1',
  '--batch-size',
  '100',
  '--hidden',
  '32',
  '--quiet',
];

function readMetrics(dir: string): Metrics {
  return JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Metrics;
}

describe('runs of pnpm start (small)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mnist-runs-'));
  const dirs = { a: join(root, 'a'), b: join(root, 'b'), other: join(root, 'other'), compare: join(root, 'compare') };
  const runs = Promise.all([
    runCli([...SMALL, '--seed', '3', '--batchnorm', '--dropout', '0.1', '--out', dirs.a]),
    runCli([...SMALL, '--seed', '3', '--batchnorm', '--dropout', '0.1', '--out', dirs.b]),
    runCli([...SMALL, '--seed', '4', '--batchnorm', '--dropout', '0.1', '--out', dirs.other]),
    runCli([...SMALL, '--seed', '3', '--compare', 'adam,sgd,rmsprop', '--schedule', 'one-cycle', '--clip', '1', '--out', dirs.compare]),
  ]);

  it('finish with code 0 and report the backend, the test accuracy and the wall time', async () => {
    for (const r of await runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/backend: cpu — cpu: named in code/);
      expect(r.stdout).toMatch(/test accuracy: .*%/);
      expect(r.stdout).toMatch(/wall time: \d+\.\d s/);
    }
  });

  it('the same seed on backend-cpu gives bitwise the same metrics (wall times aside); another seed does not', async () => {
    await runs;
    const [a, b, other] = [readMetrics(dirs.a), readMetrics(dirs.b), readMetrics(dirs.other)];
    expect(withoutTimings(a)).toEqual(withoutTimings(b));
    expect(a.runs[0].steps.loss).toHaveLength(10);
    expect(withoutTimings(other)).not.toEqual(withoutTimings(a));
    expect(other.runs[0].steps.loss[0]).not.toBe(a.runs[0].steps.loss[0]);
  });

  it('metrics.json holds per-step loss and learning rate, per-epoch accuracies, the backend, the optimizer, the seed and wall time', async () => {
    await runs;
    const m = readMetrics(dirs.a);
    expect(m.backend.name).toBe('cpu');
    expect(m.seed).toBe(3);
    expect(m.config).toMatchObject({ batchnorm: true, dropout: 0.1, hidden: [32], trainSize: 1000 });
    expect(m.wallTimeSeconds).toBeGreaterThan(0);
    const run = m.runs[0];
    expect(run.optimizer).toMatchObject({ name: 'adam', lr: 1e-3, schedule: 'warmup-cosine', clip: null });
    expect(run.optimizer.hyperparameters).toMatchObject({ b1: 0.9, b2: 0.999 });
    expect(run.steps.lr).toHaveLength(10);
    expect(run.steps.lr[0]).toBe(0); // warmup starts at 0
    expect(Math.max(...run.steps.lr)).toBeCloseTo(1e-3, 12);
    expect(run.steps.loss.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    expect(run.epochs).toHaveLength(1);
    const e = run.epochs[0];
    // 10 steps, half of them warming up: learning has begun (chance is 10%) and the loss fell
    expect(e.testAccuracy).toBeGreaterThan(0.2);
    expect(e.trainAccuracy).toBeGreaterThan(0.1);
    expect(run.steps.loss[9]).toBeLessThan(run.steps.loss[0] - 0.3);
    expect(run.testAccuracy).toBe(e.testAccuracy);
    expect(run.parameterCount).toBe(784 * 32 + 32 * 2 + 32 * 10 + 10); // dense1 without bias (BatchNorm), gamma and beta, out
  });

  it('writes an SVG with the expected series and a PNG of it', async () => {
    await runs;
    for (const [dir, names] of [
      [dirs.a, ['adam']],
      [dirs.compare, ['adam', 'sgd', 'rmsprop']],
    ] as const) {
      const svg = readFileSync(join(dir, 'learning-curves.svg'), 'utf8');
      const legend = /aria-label="Symbol legend titled 'optimizer' for [^"]* with (\d+) values?: ([^"]*)"/.exec(svg);
      expect(legend, 'legend').not.toBeNull();
      expect(Number(legend![1])).toBe(names.length);
      expect(legend![2].split(', ')).toEqual(names);
      for (const name of names) expect(svg).toMatch(new RegExp(`>${name} \\(test \\d+\\.\\d\\d%\\)</text>`));
      for (const title of ['Training loss', 'Accuracy (solid: test, dashed: train)', 'Learning rate (schedule)'])
        expect(svg).toContain(title);
      // one line per optimizer in each of the loss, accuracy (train and test) and learning-rate panels
      const lines = svg.match(/<g class="mark-line role-mark[^>]*>(.*?)<\/g>/gs) ?? [];
      const paths = lines.join('').match(/<path /g) ?? [];
      expect(paths.length).toBe(names.length * 4 + (names.length === 1 ? 1 : 0));
      const png = readFileSync(join(dir, 'learning-curves.png'));
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(1500);
      expect(height).toBeGreaterThan(500);
    }
  });

  it('compare mode trains each optimizer on the same data and seed', async () => {
    await runs;
    const m = readMetrics(dirs.compare);
    expect(m.runs.map((r) => r.optimizer.name)).toEqual(['adam', 'sgd', 'rmsprop']);
    expect(m.runs.map((r) => r.optimizer.lr)).toEqual([1e-3, 0.05, 1e-3]);
    expect(m.runs.every((r) => r.optimizer.clip === 1 && r.optimizer.schedule === 'one-cycle')).toBe(true);
    // the same initial weights and first batch: the first losses agree although the optimizers differ
    const first = m.runs.map((r) => r.steps.loss[0]);
    expect(new Set(first).size).toBe(1);
    expect(new Set(m.runs.map((r) => r.steps.loss[9])).size).toBe(3);
  });
});
