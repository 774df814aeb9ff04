import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { hessianDiagonal, hessianTrace } from './hutchinson.js';
import { denseHessian, quadratic, readTree, smallModel, withSpectrum } from './test-helpers.js';

const b = cpu();

describe("Hutchinson's estimator", () => {
  it('puts the trace of the MLP Hessian within 3 standard errors of the dense trace for each of 20 seeds', async () => {
    const model = smallModel(b, 'float64');
    const H = await denseHessian(b, model);
    let trace = 0;
    for (let i = 0; i < model.n; i++) trace += H[i * model.n + i];
    const z: number[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const est = await hessianTrace(model.loss, model.params, { samples: 30, seed });
      expect(est.samples).toHaveLength(30);
      expect(est.standardError).toBeGreaterThan(0);
      z.push((est.trace - trace) / est.standardError);
    }
    console.log(`dense trace ${trace.toFixed(6)}; (estimate − trace)/SE over 20 seeds: ${z.map((v) => v.toFixed(2)).join(' ')}`);
    for (const v of z) expect(Math.abs(v)).toBeLessThanOrEqual(3);
  });

  it('is exact, with a zero standard error, on a diagonal Hessian (trace and diagonal)', async () => {
    const lambdas = [3, -1, 0.25, 7, 2, 5, -2, 1];
    const A = new Float64Array(64);
    lambdas.forEach((l, i) => (A[i * 8 + i] = l));
    const q = quadratic(b, A, 8);
    const t = await hessianTrace(q.loss, q.params, { samples: 4 });
    expect(t.trace).toBe(15.25);
    expect(t.standardError).toBe(0);
    const d = await hessianDiagonal(q.loss, q.params, { samples: 3 });
    expect(await readTree(d.diagonal as never)).toEqual(lambdas);
    expect(await readTree(d.standardError as never)).toEqual(lambdas.map(() => 0));
  });

  it('estimates the trace of a known rotated spectrum in float32 within 3 standard errors', async () => {
    const lambdas = Array.from({ length: 24 }, (_, i) => (i - 6) * 0.5);
    const q = quadratic(b, withSpectrum(lambdas, 9), 24, 'float32');
    const t = await hessianTrace(q.loss, q.params, { samples: 200, key: undefined, seed: 3 });
    const want = lambdas.reduce((a, c) => a + c, 0);
    expect(Math.abs(t.trace - want)).toBeLessThanOrEqual(3 * t.standardError);
  });

  it('estimates the diagonal of the MLP Hessian within its standard errors', async () => {
    const model = smallModel(b, 'float64');
    const H = await denseHessian(b, model);
    const d = await hessianDiagonal(model.loss, model.params, { samples: 200, seed: 5 });
    const est = await readTree(d.diagonal as never);
    const se = await readTree(d.standardError as never);
    const z = est.map((v, i) => (v - H[i * model.n + i]) / se[i]);
    // Each element is a mean of 200 probes: about 99.7% within 3 SE; allow one outlier in 31, none past 4.5.
    expect(z.filter((v) => Math.abs(v) > 3).length).toBeLessThanOrEqual(1);
    for (const v of z) expect(Math.abs(v)).toBeLessThan(4.5);
  });

  it('refuses fewer than two samples', async () => {
    const model = smallModel(b, 'float64');
    await expect(hessianTrace(model.loss, model.params, { samples: 1 })).rejects.toThrow(/samples must be an integer ≥ 2/);
  });
});
