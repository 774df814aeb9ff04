import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { hessianSpectralDensity, type SpectralDensity } from './spectral-density.js';
import { denseHessian, jacobiEigen, quadratic, smallModel } from './test-helpers.js';

const b = cpu();

/** Simpson's rule over an even grid (an odd number of points): a different quadrature from the trapezoid rule the density is normalized with. */
function simpson(ys: readonly number[], h: number): number {
  let s = ys[0] + ys[ys.length - 1];
  for (let i = 1; i < ys.length - 1; i++) s += (i % 2 ? 4 : 2) * ys[i];
  return (s * h) / 3;
}

/** `Σ_runs Σ_j w_j θ_j^k / runs`: the SLQ estimate of `(1/n)·tr(H^k)`. */
function quadratureMoment(d: SpectralDensity, k: number): number {
  let s = 0;
  d.nodes.forEach((xs, r) => xs.forEach((x, j) => (s += d.weights[r][j] * x ** k)));
  return s / d.nodes.length;
}

function matmul(a: Float64Array, c: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * c[k * n + j];
  return out;
}

describe('hessianSpectralDensity (stochastic Lanczos quadrature)', () => {
  it('gives a density that integrates to 1 and moments that match the dense spectrum of the MLP', async () => {
    const model = smallModel(b, 'float64');
    const n = model.n;
    const H = await denseHessian(b, model);
    const ref = jacobiEigen(H, n).values;
    const runs = 40;
    const d = await hessianSpectralDensity(model.loss, model.params, { runs, iterations: 12, gridSize: 2001, seed: 1, sigma: 0.02 });
    const h = d.grid[1] - d.grid[0];
    // Integrates to 1 under an independent quadrature rule.
    expect(Math.abs(simpson(d.density, h) - 1)).toBeLessThan(1e-6);
    expect(d.density.every((v) => v >= 0)).toBe(true);
    for (const w of d.weights) expect(w.reduce((a, c) => a + c, 0)).toBeCloseTo(1, 12);
    // Moments k = 1, 2, 3 of the quadrature against (1/n)·tr(H^k), within 4 of their standard errors
    // (vᵀMv with v = z/√n Rademacher has variance (2/n²)·Σ_{i≠j} M_ij²; averaged over the runs).
    let M: Float64Array = Float64Array.from(H);
    for (let k = 1; k <= 3; k++) {
      const exact = ref.reduce((a, l) => a + l ** k, 0) / n;
      let off = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += M[i * n + j] ** 2;
      const se = Math.sqrt((2 * off) / (n * n) / runs);
      const got = quadratureMoment(d, k);
      console.log(`moment ${k}: SLQ ${got.toExponential(5)}, dense ${exact.toExponential(5)}, standard error ${se.toExponential(2)}`);
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(4 * se);
      M = matmul(M, H, n);
    }
    // The grid's mean is the quadrature's; its variance adds σ² of broadening.
    const gridMean = simpson(
      d.density.map((p, i) => p * d.grid[i]),
      h,
    );
    const gridVar = simpson(
      d.density.map((p, i) => p * (d.grid[i] - gridMean) ** 2),
      h,
    );
    const m1 = quadratureMoment(d, 1);
    expect(Math.abs(gridMean - m1)).toBeLessThan(1e-6);
    expect(Math.abs(gridVar - (quadratureMoment(d, 2) - m1 * m1 + d.sigma ** 2))).toBeLessThan(1e-6);
  });

  it('puts weight 1/n on each eigenvalue of a diagonal quadratic with a known spectrum', async () => {
    const lambdas = [-2, -0.5, 0.3, 1, 1.7, 2.5, 4, 6];
    const A = new Float64Array(64);
    lambdas.forEach((l, i) => (A[i * 8 + i] = l));
    const q = quadratic(b, A, 8);
    const d = await hessianSpectralDensity(q.loss, q.params, { runs: 3, iterations: 8, gridSize: 801 });
    for (let r = 0; r < 3; r++) {
      d.nodes[r].forEach((x, j) => expect(x).toBeCloseTo(lambdas[j], 10));
      d.weights[r].forEach((w) => expect(w).toBeCloseTo(1 / 8, 12));
    }
    // The density peaks at each eigenvalue.
    for (const l of lambdas) {
      const i = d.grid.reduce((best, x, k) => (Math.abs(x - l) < Math.abs(d.grid[best] - l) ? k : best), 0);
      expect(d.density[i]).toBeGreaterThan(d.density[i + 3 * Math.round(d.sigma / (d.grid[1] - d.grid[0]))]);
    }
  });

  it('refuses more iterations than parameters', async () => {
    const model = smallModel(b, 'float64');
    await expect(hessianSpectralDensity(model.loss, model.params, { iterations: 40 })).rejects.toThrow(
      /iterations must be an integer in \[1, 31\]/,
    );
  });
});
