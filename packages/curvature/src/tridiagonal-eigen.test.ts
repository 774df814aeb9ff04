import { rng } from '@downhill/initializers';
import { describe, expect, it } from 'vitest';
import { jacobiEigen } from './test-helpers.js';
import { tridiagonalEigen } from './tridiagonal-eigen.js';

describe('tridiagonalEigen', () => {
  it('agrees with dense Jacobi rotations on random tridiagonals (values and vectors)', () => {
    for (const n of [1, 2, 5, 17, 40]) {
      const key = rng(n);
      const alpha = Array.from(key.fold('a').normal(n));
      const beta = Array.from(key.fold('b').normal(n - 1));
      const dense = new Float64Array(n * n);
      for (let i = 0; i < n; i++) dense[i * n + i] = alpha[i];
      for (let i = 0; i < n - 1; i++) dense[i * n + i + 1] = dense[(i + 1) * n + i] = beta[i];
      const ref = jacobiEigen(dense, n);
      const got = tridiagonalEigen(alpha, beta);
      const scale = Math.max(...ref.values.map(Math.abs));
      for (let i = 0; i < n; i++) expect(Math.abs(got.values[i] - ref.values[i])).toBeLessThan(1e-13 * scale);
      for (let i = 0; i < n; i++) {
        // T·s = λ·s and ‖s‖ = 1.
        const s = got.vectors[i];
        let res = 0;
        for (let r = 0; r < n; r++) {
          let ts = 0;
          for (let c = 0; c < n; c++) ts += dense[r * n + c] * s[c];
          res = Math.max(res, Math.abs(ts - got.values[i] * s[r]));
        }
        expect(res).toBeLessThan(1e-12 * scale);
        expect(Math.hypot(...s)).toBeCloseTo(1, 12);
      }
    }
  });

  it('handles repeated eigenvalues and decoupled blocks', () => {
    const { values } = tridiagonalEigen([2, 2, 5, 5], [0, 0, 0]);
    expect(Array.from(values)).toEqual([2, 2, 5, 5]);
  });

  it('refuses mismatched lengths and non-finite entries with typed errors', () => {
    expect(() => tridiagonalEigen([1, 2], [])).toThrow(/off-diagonal of length m − 1, got 2 and 0/);
    expect(() => tridiagonalEigen([1, NaN], [1])).toThrow(/alpha\[1\] is NaN/);
  });
});
