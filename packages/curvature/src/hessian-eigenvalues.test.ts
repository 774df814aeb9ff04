import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { hessianEigenvalues } from './hessian-eigenvalues.js';
import { hessianTopEigenvalue } from './power-iteration.js';
import { denseHessian, jacobiEigen, quadratic, readTree, smallModel, withSpectrum } from './test-helpers.js';

const b = cpu();

describe('hessianEigenvalues (Lanczos) against a dense eigensolver', () => {
  it.each([
    ['a cross-entropy MLP (negative curvature, a saddle-like point)', 0],
    ['the same MLP with weight decay (every eigenvalue shifted by the decay)', 0.05],
  ])('top and bottom 5 eigenvalues of %s agree with Jacobi on the dense Hessian to 1e-8 relative', async (_name, decay) => {
    const model = smallModel(b, 'float64', { decay });
    const H = await denseHessian(b, model);
    const ref = jacobiEigen(H, model.n).values; // ascending
    const got = await hessianEigenvalues(model.loss, model.params, { k: 5, which: 'both', maxIterations: model.n, seed: 1 });
    const top = got.largest.map((p) => p.value);
    const bottom = got.smallest.map((p) => p.value);
    const wantTop = ref.slice(-5).reverse();
    const wantBottom = ref.slice(0, 5);
    console.log(
      `n=${model.n} decay=${decay}: top ${top.map((v) => v.toPrecision(6)).join(', ')}; bottom ${bottom.map((v) => v.toPrecision(6)).join(', ')}; ${got.report.iterations} iterations, converged ${got.report.converged}`,
    );
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(top[i] - wantTop[i])).toBeLessThanOrEqual(1e-8 * Math.abs(wantTop[i]));
      expect(Math.abs(bottom[i] - wantBottom[i])).toBeLessThanOrEqual(1e-8 * Math.abs(wantBottom[i]));
    }
    expect(got.report.converged).toBe(true);
    // The eigenvectors: H·y = λ·y against the dense Hessian, unit norm.
    for (const pair of [...got.largest, ...got.smallest]) {
      const y = await readTree(pair.vector!);
      let res = 0;
      for (let r = 0; r < model.n; r++) {
        let hy = 0;
        for (let c = 0; c < model.n; c++) hy += H[r * model.n + c] * y[c];
        res = Math.max(res, Math.abs(hy - pair.value * y[r]));
      }
      expect(res).toBeLessThan(1e-7 * Math.abs(wantTop[0]));
      expect(Math.hypot(...y)).toBeCloseTo(1, 10);
      b.dispose(pair.vector as never);
    }
    if (decay === 0) expect(wantBottom[0]).toBeLessThan(0); // the fixture does have negative curvature
  });

  it('stops early with a convergence report when the wanted pairs have converged', async () => {
    const n = 60;
    const lambdas = Array.from({ length: n }, (_, i) => 1 + i * 0.05);
    lambdas[n - 1] = 40; // a well-separated top eigenvalue converges in a few steps
    const q = quadratic(b, withSpectrum(lambdas, 2), n);
    const got = await hessianEigenvalues(q.loss, q.params, { k: 1, tolerance: 1e-6, vectors: false, seed: 0 });
    expect(got.report.converged).toBe(true);
    expect(got.report.iterations).toBeLessThan(n);
    expect(got.report.relativeResidual).toBeLessThanOrEqual(1e-6);
    expect(got.largest[0].vector).toBeUndefined();
    expect(Math.abs(got.largest[0].value - 40)).toBeLessThan(1e-8 * 40);
    // A run cut short says so.
    const short = await hessianEigenvalues(q.loss, q.params, { k: 3, maxIterations: 4, vectors: false });
    expect(short.report.converged).toBe(false);
    expect(short.report.iterations).toBe(4);
  });

  it('returns the known spectrum of a quadratic, float64 and float32, repeated eigenvalues included', async () => {
    const lambdas = [-3, -3, -1, 0.5, 1, 2, 2, 2, 4, 7, 9, 12];
    for (const dtype of ['float64', 'float32'] as const) {
      const q = quadratic(b, withSpectrum(lambdas, 5), lambdas.length, dtype);
      const got = await hessianEigenvalues(q.loss, q.params, {
        k: 4,
        which: 'both',
        maxIterations: lambdas.length,
        vectors: false,
        seed: 2,
      });
      const tol = dtype === 'float64' ? 1e-10 : 2e-5;
      expect(got.largest.map((p) => p.value)).toEqual([12, 9, 7, 4].map((v) => expect.closeTo(v, -Math.log10(tol * 12))));
      expect(got.smallest.map((p) => p.value)).toEqual([-3, -3, -1, 0.5].map((v) => expect.closeTo(v, -Math.log10(tol * 12))));
    }
  });

  it('refuses bad options with typed errors naming the option', async () => {
    const q = quadratic(b, withSpectrum([1, 2, 3, 4], 0), 4);
    await expect(hessianEigenvalues(q.loss, q.params, { k: 9 })).rejects.toThrow(/k must be an integer in \[1, 4\]/);
    await expect(hessianEigenvalues(q.loss, q.params, { which: 'top' as never })).rejects.toThrow(
      /which must be 'largest', 'smallest' or 'both'/,
    );
    await expect(hessianEigenvalues(q.loss, q.params, { iterations: 3 } as never)).rejects.toThrow(/unknown option 'iterations'/);
    await expect(hessianEigenvalues(q.loss as never, { w: b.tensor([1, 2], [2], 'int32') })).rejects.toThrow(/'w' has dtype int32/);
  });
});

describe('hessianTopEigenvalue (power iteration)', () => {
  it('finds the eigenvalue of largest magnitude of a known spectrum, and warm-starts from a vector', async () => {
    const lambdas = [0.5, 1, 2, 3, -4, 10];
    const q = quadratic(b, withSpectrum(lambdas, 3), lambdas.length);
    const got = await hessianTopEigenvalue(q.loss, q.params, { tolerance: 1e-12, maxIterations: 500, seed: 4 });
    expect(got.converged).toBe(true);
    expect(got.value).toBeCloseTo(10, 9);
    expect(got.residual).toBeLessThan(1e-4);
    const warm = await hessianTopEigenvalue(q.loss, q.params, { init: got.vector, tolerance: 1e-10 });
    expect(warm.iterations).toBeLessThan(5);
    expect(warm.value).toBeCloseTo(10, 9);
  });

  it('agrees with the dense spectrum of the MLP', async () => {
    const model = smallModel(b, 'float64');
    const ref = jacobiEigen(await denseHessian(b, model), model.n).values;
    const top = ref.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
    const got = await hessianTopEigenvalue(model.loss, model.params, { tolerance: 1e-12, maxIterations: 2000 });
    expect(Math.abs(got.value - top)).toBeLessThan(1e-6 * Math.abs(top));
  });
});
