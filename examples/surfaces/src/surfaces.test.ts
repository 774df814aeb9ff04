import '@downhill/backend-cpu/register';
import '@downhill/optimizers/register';
import { getBackend, type Backend, type Tensor } from '@downhill/backend';
import { detach, grad, ops, type TensorLike } from '@downhill/autograd';
import { createOptimizer } from '@downhill/optimizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Descent, IRIS_PETALS, descend, logistic, logisticLoss, lrRegimes, makeRavine, noisyQuadratic, sampleGrid } from './index.js';

let backend: Backend;
beforeAll(async () => {
  backend = await getBackend('cpu');
});

const C = Math.cos(Math.PI / 6);
const S = Math.sin(Math.PI / 6);
/** (x, y) in the quadratics' turned axes (u, v). */
const turn = (x: number, y: number) => [C * x + S * y, C * y - S * x];

/** A function of the surfaces at one point, through a backend, as a number. */
function at(f: (x: TensorLike, y: TensorLike) => TensorLike, x: number, y: number): number {
  return backend.scope(() => backend.readSync(detach(f(backend.tensor([x], [1], 'float64'), backend.tensor([y], [1], 'float64'))))[0]);
}

describe('logistic regression on Iris petals', () => {
  it('holds 100 flowers, 50 of each species, their petal sizes standardized', () => {
    const { length, width, label } = IRIS_PETALS;
    expect(label.length).toBe(100);
    expect(label.filter((y) => y === 1).length).toBe(50);
    for (const xs of [length, width]) {
      const mean = xs.reduce((s, v) => s + v, 0) / 100;
      expect(mean).toBeCloseTo(0, 12);
      expect(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / 100).toBeCloseTo(1, 12);
    }
  });

  it('scores every pair of weights on a grid as the plain JavaScript loss does', () => {
    const grid = sampleGrid(backend, logistic, 9);
    for (let j = 0; j < 9; j++) {
      for (let i = 0; i < 9; i++) {
        const ref = Math.log10(logisticLoss(grid.xs[i], grid.ys[j]) - logistic.minValue + 1e-3);
        expect(grid.values[j * 9 + i]).toBeCloseTo(ref, 12);
      }
    }
    expect(at(logistic.f, 0, 0)).toBeCloseTo(Math.LN2, 15);
  });

  it("has its minimum where the loss's finite-difference gradient vanishes, and Adam finds it", () => {
    const [a, b] = logistic.minimum;
    const h = 1e-5;
    expect(Math.abs((logisticLoss(a + h, b) - logisticLoss(a - h, b)) / (2 * h))).toBeLessThan(1e-9);
    expect(Math.abs((logisticLoss(a, b + h) - logisticLoss(a, b - h)) / (2 * h))).toBeLessThan(1e-9);
    const p = descend(backend, logistic, 'adam', { lr: 0.2, steps: 300 });
    expect(p.losses[300] - logistic.minValue).toBeLessThan(1e-9);
  });
});

describe('the noisy quadratic', () => {
  it('shows each step a minibatch gradient: the true one plus noise of mean 0 and covariance σ²H', () => {
    const [sigma, kappa, n] = [0.5, 10, 400];
    const fn = noisyQuadratic({ noise: sigma, kappa, seed: 7 });
    const w = [0.3, -0.2];
    const [u0, v0] = turn(w[0], w[1]);
    const noise: number[][] = [];
    for (let t = 0; t < n; t++) {
      const g = backend.scope(() => {
        const f = fn.minibatch!(t);
        const dg = grad((xy: Tensor) => ops.sum(f(ops.slice(xy, [0], [1]), ops.slice(xy, [1], [1]))))(backend.tensor(w, [2], 'float64'));
        return Array.from(backend.readSync(dg));
      });
      // in the turned axes the true gradient is (u, κ v)
      const [gu, gv] = turn(g[0], g[1]);
      noise.push([gu - u0, gv - kappa * v0]);
    }
    const mean = [0, 1].map((k) => noise.reduce((s, e) => s + e[k], 0) / n);
    const variance = [0, 1].map((k) => noise.reduce((s, e) => s + (e[k] - mean[k]) ** 2, 0) / (n - 1));
    // 4 standard errors for the means; the sample variance of 400 normals is within ±25% with room to spare
    expect(Math.abs(mean[0])).toBeLessThan((4 * sigma) / Math.sqrt(n));
    expect(Math.abs(mean[1])).toBeLessThan((4 * sigma * Math.sqrt(kappa)) / Math.sqrt(n));
    expect(variance[0] / sigma ** 2).toBeGreaterThan(0.75);
    expect(variance[0] / sigma ** 2).toBeLessThan(1.25);
    expect(variance[1] / (sigma ** 2 * kappa)).toBeGreaterThan(0.75);
    expect(variance[1] / (sigma ** 2 * kappa)).toBeLessThan(1.25);
  });

  it('repeats its noise for a seed, and with σ = 0 is the plain quadratic', () => {
    const a = noisyQuadratic({ seed: 3 });
    const b = noisyQuadratic({ seed: 3 });
    expect(at(a.minibatch!(5), 0.1, 0.2)).toBe(at(b.minibatch!(5), 0.1, 0.2));
    expect(at(a.minibatch!(5), 0.1, 0.2)).not.toBe(at(noisyQuadratic({ seed: 4 }).minibatch!(5), 0.1, 0.2));
    const quiet = noisyQuadratic({ noise: 0, kappa: 10 });
    const [u, v] = turn(0.7, -0.4);
    expect(at(quiet.minibatch!(9), 0.7, -0.4)).toBeCloseTo(0.5 * (u * u + 10 * v * v), 14);
  });

  it('a descent records the full loss, not the minibatch one, at every point', () => {
    const fn = noisyQuadratic({ noise: 1, kappa: 10 });
    const d = new Descent(backend, fn, createOptimizer('sgd', { lr: 0.05 }));
    while (d.steps < 20) d.advance();
    d.dispose();
    d.points.forEach(([x, y], t) => {
      const [u, v] = turn(x, y);
      expect(d.losses[t]).toBeCloseTo(0.5 * (u * u + 10 * v * v), 13);
    });
  });
});

describe('the ravine and the regimes', () => {
  it('takes any condition number, and one SGD step is the analytic gradient step', () => {
    const fn = makeRavine(200);
    const [x, y] = fn.start;
    const [u, v] = turn(x, y);
    const gx = u * C - 200 * v * S;
    const gy = u * S + 200 * v * C;
    const p = descend(backend, fn, 'sgd', { lr: 0.004, steps: 1 });
    expect(p.points[1][0]).toBeCloseTo(x - 0.004 * gx, 13);
    expect(p.points[1][1]).toBeCloseTo(y - 0.004 * gy, 13);
    expect(() => makeRavine(0.5)).toThrow(RangeError);
  });

  it('names the four learning-rate regimes of a quadratic by 2/L', () => {
    expect(lrRegimes(4).map((r) => [r.regime, r.lr])).toEqual([
      ['slow', 0.05 * 0.5],
      ['right', 0.5 * 0.5],
      ['oscillating', 0.95 * 0.5],
      ['diverging', 1.08 * 0.5],
    ]);
    expect(() => lrRegimes(0)).toThrow(RangeError);
  });
});
