import '@downhill/backend-cpu/register';
import '@downhill/optimizers/register';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getBackend, type Backend } from '@downhill/backend';
import { FUNCTIONS, bowl, descend, drawable, lrFor, ravine, rosenbrock, saddle } from 'downhill-example-surfaces';
import { learningRateSweep, makeFigures, type Figure } from './figures.js';
import { pngSize } from 'downhill-example-plots';
import { runCli } from './test-helpers.js';

let backend: Backend;
beforeAll(async () => {
  backend = await getBackend('cpu');
});

describe('descend', () => {
  it.each(FUNCTIONS.map((f) => [f.name, f] as const))('every default optimizer goes downhill on %s', (_, fn) => {
    for (const o of ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam']) {
      const p = descend(backend, fn, o, { lr: lrFor(fn, o), steps: 60 });
      expect(p.diverged, o).toBe(false);
      expect(p.points).toHaveLength(61);
      expect(p.points[0]).toEqual([...fn.start]);
      expect(p.losses[60], `${fn.name} ${o}`).toBeLessThan(p.losses[0]);
    }
  });

  it('finds the minimum of the ravine with momentum, and follows the analytic gradient step with sgd', () => {
    const p = descend(backend, ravine, 'momentum', { lr: 3e-3, steps: 300 });
    expect(p.losses[300]).toBeLessThan(1e-8);
    // one SGD step by hand: the gradient of ½(u² + κv²) at the start
    const [x, y] = ravine.start;
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const u = c * x + s * y;
    const v = c * y - s * x;
    const gx = u * c - 50 * v * s;
    const gy = u * s + 50 * v * c;
    const q = descend(backend, ravine, 'sgd', { lr: 0.01, steps: 1 });
    expect(q.points[1][0]).toBeCloseTo(x - 0.01 * gx, 12);
    expect(q.points[1][1]).toBeCloseTo(y - 0.01 * gy, 12);
  });

  it('shows the learning-rate regimes of SGD on the bowl: slow, right, oscillating, diverging', () => {
    const [small, right, large, huge] = learningRateSweep('sgd').map(({ lr }) => descend(backend, bowl, 'sgd', { lr, steps: 60 }));
    expect(right.losses[60]).toBeLessThan(large.losses[60]);
    expect(large.losses[60]).toBeLessThan(small.losses[60]);
    expect(small.losses[60]).toBeLessThan(small.losses[0]);
    expect(huge.diverged || huge.losses[huge.losses.length - 1] > huge.losses[0]).toBe(true);
    // too large: the step overshoots the valley floor, so the across-valley coordinate flips sign each step
    const across = large.points.slice(0, 8).map(([x, y]) => Math.cos(Math.PI / 6) * y - Math.sin(Math.PI / 6) * x);
    for (let i = 1; i < across.length; i++) expect(Math.sign(across[i])).toBe(-Math.sign(across[i - 1]));
  });

  it('stalls plain SGD near the saddle longer than Adam', () => {
    const sgd = descend(backend, saddle, 'sgd', { lr: lrFor(saddle, 'sgd'), steps: 150 });
    const adam = descend(backend, saddle, 'adam', { lr: lrFor(saddle, 'adam'), steps: 150 });
    expect(Math.abs(sgd.points[150][1])).toBeLessThan(0.1);
    expect(Math.abs(adam.points[150][1])).toBeGreaterThan(0.9);
  });
});

describe('drawable', () => {
  it('cuts a path where it leaves three times the window, on the box edge along the last segment', () => {
    const pts: [number, number][] = [
      [0, 0],
      [1, 0],
      [1000, 0],
      [5, 5],
    ];
    expect(drawable(pts, rosenbrock)).toEqual([
      [0, 0],
      [1, 0],
      [6, 0],
    ]);
    expect(
      drawable(
        [
          [0, 0],
          [0.5, 0.5],
        ],
        rosenbrock,
      ),
    ).toEqual([
      [0, 0],
      [0.5, 0.5],
    ]);
  });
});

describe('figures', () => {
  let figures: Figure[];
  beforeAll(async () => {
    figures = await makeFigures(backend, { optimizers: ['sgd', 'adam'], functions: ['saddle', 'ravine'], steps: 40, lrOptimizer: 'sgd' });
  }, 60_000); // rendering six PNGs takes seconds, more on a loaded machine

  it('renders the paths, loss and learning-rate figures as SVG and PNG with the expected series', () => {
    expect(figures.map((f) => f.name)).toEqual(['paths', 'loss', 'learning-rate']);
    for (const f of figures) {
      const { width, height } = pngSize(f.rendered.png);
      expect(width).toBe(f.rendered.width);
      expect(height).toBe(f.rendered.height);
      expect(width).toBeGreaterThan(1000);
    }
    const [paths, loss, lr] = figures.map((f) => f.rendered.svg);
    for (const svg of [paths, loss]) {
      expect(svg).toMatch(/aria-label="Symbol legend titled 'optimizer' for [^"]* with 2 values: sgd, adam"/);
      expect(svg).toContain('Saddle: escaping from a ridge');
      expect(svg).toContain('Ravine: ill-conditioned quadratic');
      expect(svg).not.toContain('Rosenbrock');
    }
    // paths: per panel, the contour lines (one path per ring) plus one line per optimizer
    expect((paths.match(/<g class="mark-rect role-mark/g) ?? []).length).toBe(2); // the two heatmaps
    expect((paths.match(/<g class="mark-symbol role-mark/g) ?? []).length).toBeGreaterThanOrEqual(6); // start, end and minimum markers
    expect(lr).toMatch(
      /Symbol legend titled 'learning rate' for [^"]* with 4 values: too small: 0\.025 \(slow\), right: 0\.25, too large: 0\.47 \(oscillates\), much too large: 0\.54 \(diverges\)/,
    );
  });
});

describe('the command line, spawned', () => {
  it('writes the three figures as SVG and PNG, with a plugin optimizer chosen by name', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'paths-')), 'out');
    const r = await runCli([
      '--optimizers',
      'adam,qhadam',
      '--plugin',
      'downhill-example-plugin-qhadam',
      '--functions',
      'beale',
      '--steps',
      '30',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['learning-rate.png', 'learning-rate.svg', 'loss.png', 'loss.svg', 'paths.png', 'paths.svg']);
    expect(readFileSync(join(out, 'paths.svg'), 'utf8')).toMatch(/with 2 values: adam, qhadam/);
    pngSize(readFileSync(join(out, 'paths.png')));
  });

  it.each([
    [['--optimizers', 'adam,nope'], /--optimizers: unknown optimizer 'nope'; valid: momentum, nesterov, .*adam/],
    [['--functions', 'himmelblau'], /--functions: unknown function 'himmelblau'; valid: rosenbrock, beale, saddle, ravine/],
    [['--steps', 'many'], /--steps: expected an integer from 1 to 100000, got 'many'/],
  ])('refuses %j with exit code 2 and writes nothing', async (args, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'paths-bad-')), 'out');
    const r = await runCli([...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
