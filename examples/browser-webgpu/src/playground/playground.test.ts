import '@downhill/backend-cpu/register';
import '@downhill/optimizers/register';
import 'downhill-example-plugin-qhadam/register';
import { getBackend, type Backend } from '@downhill/backend';
import { getHyperparams, listOptimizers } from '@downhill/optimizers';
import { Descent, lrRegimes, makeRavine } from 'downhill-example-surfaces';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, SURFACES, decodeConfig, encodeConfig, type PlaygroundConfig } from './config.js';
import { PRESETS } from './presets.js';
import { PlaygroundRuns, RunSpecError, formatReadout, makeRun, runToEnd } from './run.js';
import { scheduleOf } from './schedules.js';

let backend: Backend;
beforeAll(async () => {
  backend = await getBackend('cpu');
});

const preset = (id: string): PlaygroundConfig => PRESETS.find((p) => p.id === id)!.config;

describe('the address', () => {
  const full: PlaygroundConfig = {
    surface: 'noisy',
    kappa: 12.5,
    noise: 0.7,
    seed: 3,
    start: [1.5, -1.25],
    steps: 90,
    runs: [
      { optimizer: 'adam', options: { lr: 0.05, b2: 0.99 }, schedule: 'warmup', biasCorrection: false },
      { optimizer: 'sgd', options: { lr: 0.1 + 0.2, momentum: 0.8, nesterov: true }, schedule: 'constant', biasCorrection: true },
    ],
  };

  it('reads back every configuration it writes, exactly, and writes it the same way again', () => {
    for (const c of [DEFAULT_CONFIG, full, ...PRESETS.map((p) => p.config)]) {
      const q = encodeConfig(c);
      const { config, problems } = decodeConfig(`?${q}`);
      expect(problems).toEqual([]);
      expect(config).toEqual(c);
      expect(encodeConfig(config)).toBe(q);
    }
    // 0.1 + 0.2 is not 0.3: the address keeps the double exactly
    expect(decodeConfig(encodeConfig(full)).config.runs[1].options.lr).toBe(0.30000000000000004);
  });

  it('replaces what it cannot read by the defaults and says so, without throwing', () => {
    const { config, problems } = decodeConfig(
      'surface=himmelblau&kappa=0&steps=1.5&start=1&run=adam,lr:x&run=sgd,lr:0.1,schedule:yearly&run=!!',
    );
    expect(config.surface).toBe(DEFAULT_CONFIG.surface);
    expect(config.kappa).toBe(DEFAULT_CONFIG.kappa);
    expect(config.steps).toBe(DEFAULT_CONFIG.steps);
    expect(config.runs).toEqual([{ optimizer: 'sgd', options: { lr: 0.1 }, schedule: 'constant', biasCorrection: true }]);
    expect(problems).toEqual([
      "surface: expected one of rosenbrock, beale, saddle, ravine, noisy, logistic, got 'himmelblau'; using rosenbrock",
      "kappa: expected a number from 1 to 1000, got '0'; using 50",
      "steps: expected an integer from 1 to 2000, got '1.5'; using 300",
      "start: expected two numbers 'x,y', got '1'; using the surface's start",
      "run adam: lr: expected a number, got 'x'; left out",
      'run adam: expected a learning rate lr > 0; left out',
      "run sgd: schedule: expected one of constant, cosine, exponential, warmup, step, got 'yearly'; using constant",
      "run: expected an optimizer name first, got '!!'; left out",
    ]);
  });
});

describe('runs', () => {
  it("turns Adam's bias correction off exactly: the registry's adam with rescaled hyperparameters equals the uncorrected rule written out", () => {
    const fn = makeRavine(10);
    const [lr, b1, b2, eps] = [0.1, 0.9, 0.999, 1e-3]; // a large eps, so a wrong placement of it would show
    const { tx } = makeRun(backend, { optimizer: 'adam', options: { lr, eps }, schedule: 'constant', biasCorrection: false }, 40);
    const d = new Descent(backend, fn, tx, [-2.6, 1.2]);
    while (d.steps < 40) d.advance();
    d.dispose();
    // the reference: Adam without bias correction in plain JavaScript, with the ravine's gradient by hand
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    let [x, y] = [-2.6, 1.2];
    const m = [0, 0];
    const v = [0, 0];
    for (let t = 1; t <= 40; t++) {
      const u = c * x + s * y;
      const w = c * y - s * x;
      const g = [u * c - 10 * w * s, u * s + 10 * w * c];
      for (const k of [0, 1]) {
        m[k] = b1 * m[k] + (1 - b1) * g[k];
        v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
      }
      x -= (lr * m[0]) / (Math.sqrt(v[0]) + eps);
      y -= (lr * m[1]) / (Math.sqrt(v[1]) + eps);
      expect(d.points[t][0]).toBeCloseTo(x, 12);
      expect(d.points[t][1]).toBeCloseTo(y, 12);
    }
  });

  it('records the learning rate each step used, as the optimizer holds it, for every schedule', () => {
    for (const schedule of ['constant', 'cosine', 'exponential', 'warmup', 'step'] as const) {
      const { tx } = makeRun(backend, { optimizer: 'sgd', options: { lr: 0.01, momentum: 0.5 }, schedule, biasCorrection: true }, 30);
      const runs = new PlaygroundRuns(backend, {
        ...DEFAULT_CONFIG,
        surface: 'ravine',
        start: [-2.6, 0.2],
        steps: 30,
        runs: [{ optimizer: 'sgd', options: { lr: 0.01, momentum: 0.5 }, schedule, biasCorrection: true }],
      });
      const d = new Descent(backend, makeRavine(50), tx);
      for (let t = 0; t < 30; t++) {
        runs.advance(Infinity, 1);
        d.advance();
        expect(runs.runs[0].lrs[t], `${schedule} step ${t}`).toBe(getHyperparams(d.state)!.lr);
      }
      runs.dispose();
      d.dispose();
    }
    expect(scheduleOf('cosine', 0.1, 100)(50)).toBeCloseTo(0.05, 15);
    expect(scheduleOf('step', 0.1, 90)(30)).toBeCloseTo(0.01, 15);
    expect(scheduleOf('warmup', 0.1, 100)(0)).toBe(0);
  });

  it('refuses options an optimizer does not take, and bias correction off for another than Adam, before the registry sees them', () => {
    const spec = { optimizer: 'sgd', schedule: 'constant', biasCorrection: true } as const;
    expect(() => makeRun(backend, { ...spec, options: { lr: 0.1, b1: 0.9 } }, 10)).toThrow(
      new RunSpecError("sgd: no option 'b1'; it takes lr, weightDecay, momentum, nesterov"),
    );
    expect(() => makeRun(backend, { ...spec, options: { lr: 0.1, nesterov: 1 } }, 10)).toThrow(
      new RunSpecError("sgd: option 'nesterov' is a boolean, got number"),
    );
    expect(() => makeRun(backend, { ...spec, options: { lr: 0.1 }, biasCorrection: false }, 10)).toThrow(RunSpecError);
    const [failed] = runToEnd(backend, { ...DEFAULT_CONFIG, runs: [{ ...spec, optimizer: 'nope', options: { lr: 0.1 } }] });
    expect(failed.error).toMatch(/^OptimizerNotFoundError: createOptimizer: no optimizer named 'nope' is registered; registered: .*qhadam/);
    expect(formatReadout(failed)).toEqual({ steps: '0', loss: '—', lr: '—', where: 'failed' });
  });

  // The optimizers the registry marks as needing a callback from the loop (Sophia and AdaHessian a
  // hessianEstimate, Polyak SGD the objective's value): the page supplies none, so each shows its typed error.
  const CALLBACK_ERRORS: Record<string, RegExp> = {
    hessianEstimate: /^MissingHessianEstimateError: /,
    value: /^InvalidArgumentError: polyakSgd: /,
  };
  it('runs every registered optimizer (the plugin included) with its defaults on every surface', () => {
    const names = listOptimizers().map((o) => o.name);
    expect(names).toContain('qhadam');
    for (const surface of SURFACES) {
      const c = decodeConfig(`surface=${surface}&steps=5`).config;
      const summaries = runToEnd(backend, {
        ...c,
        runs: names.map((optimizer) => ({ optimizer, options: { lr: 1e-3 }, schedule: 'cosine', biasCorrection: true })),
      });
      summaries.forEach((s, i) => {
        const callback = listOptimizers().find((o) => o.name === names[i])?.callback;
        if (callback !== undefined) {
          const needs = CALLBACK_ERRORS[callback] ?? /Error: /;
          // These take a callback from the training loop; the page shows their typed error.
          expect(s.error, `${names[i]} on ${surface}`).toMatch(needs);
          return;
        }
        expect(s.error, `${names[i]} on ${surface}`).toBeUndefined();
        expect(s.steps, `${names[i]} on ${surface}`).toBe(5);
        expect(Number.isFinite(s.loss), `${names[i]} on ${surface}`).toBe(true);
      });
    }
  });

  it('gives the same numbers whether run to the end at once or a few steps at a time, as the page does', () => {
    const c = preset('saddle');
    const once = runToEnd(backend, c);
    const runs = new PlaygroundRuns(backend, c);
    while (!runs.advance(0, 3));
    expect(runs.summaries()).toEqual(once);
    runs.dispose();
  });
});

describe('the presets show what they say', () => {
  it('learning-rate regimes: slow, right, oscillating across the bowl, diverging', () => {
    const c = preset('regimes');
    expect(c.runs.map((r) => r.options.lr)).toEqual(lrRegimes(4).map((r) => Number(r.lr.toPrecision(6))));
    const runs = new PlaygroundRuns(backend, c);
    runs.advance(Infinity);
    const [slow, right, oscillating, diverging] = runs.runs.map((r) => r.descent!);
    expect(right.losses[60]).toBeLessThan(oscillating.losses[60]);
    expect(oscillating.losses[60]).toBeLessThan(slow.losses[60]);
    expect(slow.losses[60]).toBeLessThan(slow.losses[0]);
    expect(diverging.losses[60]).toBeGreaterThan(1e6 * diverging.losses[0]);
    const across = oscillating.points.slice(0, 10).map(([x, y]) => Math.cos(Math.PI / 6) * y - Math.sin(Math.PI / 6) * x);
    for (let i = 1; i < across.length; i++) expect(Math.sign(across[i])).toBe(-Math.sign(across[i - 1]));
    runs.dispose();
  });

  it('momentum in the ravine ends far lower than plain SGD', () => {
    const [sgd, momentum] = runToEnd(backend, preset('momentum'));
    expect(momentum.loss).toBeLessThan(sgd.loss / 1e4);
  });

  it('the saddle: SGD still sits on the ridge when Adam and RMSProp have left it', () => {
    const [sgd, , rmsprop, adam] = runToEnd(backend, preset('saddle'));
    expect(Math.abs(sgd.end[1])).toBeLessThan(0.1);
    expect(Math.abs(adam.end[1])).toBeGreaterThan(0.9);
    expect(Math.abs(rmsprop.end[1])).toBeGreaterThan(0.9);
  });

  it('minibatch noise: with a constant rate SGD and Adam wander in a cloud; a decaying rate shrinks it', () => {
    const runs = new PlaygroundRuns(backend, preset('noise'));
    runs.advance(Infinity);
    const [constant, cosine, adam] = runs.runs.map((r) => {
      const late = r.descent!.losses.slice(100).sort((a, b) => a - b);
      return late[Math.floor(late.length / 2)];
    });
    expect(cosine).toBeLessThan(constant / 5);
    expect(cosine).toBeLessThan(adam / 5);
    runs.dispose();
  });

  it("bias correction: the uncorrected first step is (1 − b1)/√(1 − b2) ≈ 3.16 times the corrected one's", () => {
    const c = { ...preset('bias'), steps: 1 };
    const runs = new PlaygroundRuns(backend, c);
    runs.advance(Infinity);
    const [on, off] = runs.runs.map((r) => r.descent!.points);
    const len = (p: [number, number][]) => Math.hypot(p[1][0] - p[0][0], p[1][1] - p[0][1]);
    expect(len(off) / len(on)).toBeCloseTo(0.1 / Math.sqrt(0.001), 5);
    runs.dispose();
  });
});
