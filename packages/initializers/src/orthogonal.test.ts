// Orthogonal matrices: orthonormal columns (tall) or rows (wide) to 1e-12 in float64 and 1e-5 in
// float32, the sign correction (Qᵀ A is upper triangular with a positive diagonal), gain and the
// column axis of higher-rank shapes.
import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { orthogonal, rng } from './index.js';

const backend = cpu();

/** max |G − g²I| where G = WᵀW (over columns) or WWᵀ (over rows), W an r × c row-major matrix. */
function gramError(w: ArrayLike<number>, r: number, c: number, overColumns: boolean, gain = 1): number {
  const k = overColumns ? c : r;
  const len = overColumns ? r : c;
  const at = (i: number, j: number): number => (overColumns ? w[j * c + i] : w[i * c + j]); // element j of vector i
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let dot = 0;
      for (let t = 0; t < len; t++) dot += at(a, t) * at(b, t);
      worst = Math.max(worst, Math.abs(dot - (a === b ? gain * gain : 0)));
    }
  }
  return worst;
}

describe('orthogonal', () => {
  const shapes: [string, number, number][] = [
    ['tall 64 × 16', 64, 16],
    ['wide 16 × 64', 16, 64],
    ['square 48 × 48', 48, 48],
    ['column 7 × 1', 7, 1],
    ['row 1 × 7', 1, 7],
  ];
  for (const [name, r, c] of shapes) {
    it(`${name}: orthonormal to 1e-12 in float64 and 1e-5 in float32`, () => {
      for (const [dtype, tol] of [
        ['float64', 1e-12],
        ['float32', 1e-5],
      ] as const) {
        const t = orthogonal()(backend, [r, c], { seed: r * 100 + c, dtype });
        const w = backend.readSync(t);
        t.dispose();
        expect(gramError(w, r, c, r >= c)).toBeLessThan(tol);
      }
    });
  }

  it('multiplies by the gain', () => {
    const w = orthogonal({ gain: 2.5 }).sample([30, 10], { seed: 4 });
    expect(gramError(w, 30, 10, true, 2.5)).toBeLessThan(1e-12);
  });

  it('is Q of the QR of the key’s Gaussian matrix, with R’s diagonal positive (the sign fix)', () => {
    // orthogonal draws its Gaussian matrix from the key's normal stream, row-major, n × m.
    for (const [r, c] of [
      [20, 6],
      [6, 20],
    ]) {
      const n = Math.max(r, c);
      const m = Math.min(r, c);
      const key = rng(9);
      const a = key.normal(n * m);
      const w = orthogonal().sample([r, c], { rng: key });
      const q = (i: number, j: number): number => (r >= c ? w[i * c + j] : w[j * c + i]); // Q is n × m
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          let rij = 0; // (Qᵀ A)[i, j]
          for (let t = 0; t < n; t++) rij += q(t, i) * a[t * m + j];
          if (i > j) expect(Math.abs(rij)).toBeLessThan(1e-12);
          if (i === j) expect(rij).toBeGreaterThan(0);
        }
      }
    }
  });

  it('reads higher ranks as [prod(other axes), shape[columnAxis]]', () => {
    // [3, 3, 8, 16] → a 72 × 16 matrix with orthonormal columns (the last axis).
    const w = orthogonal().sample([3, 3, 8, 16], { seed: 2 });
    expect(gramError(w, 72, 16, true)).toBeLessThan(1e-12);
    // columnAxis 0 of [16, 8, 3, 3]: the columns are the 16 slices along axis 0, each of 72 values.
    const v = orthogonal({ columnAxis: 0 }).sample([16, 8, 3, 3], { seed: 2 });
    const asMatrix = new Float64Array(72 * 16); // [72, 16]: entry (row, col) = v[col, row…]
    for (let col = 0; col < 16; col++) for (let row = 0; row < 72; row++) asMatrix[row * 16 + col] = v[col * 72 + row];
    expect(gramError(asMatrix, 72, 16, true)).toBeLessThan(1e-12);
    // The same values as the channels-last draw, moved: one key, one matrix.
    expect(Array.from(asMatrix)).toEqual(Array.from(w));
  });

  it('differs between seeds and is repeatable for one', () => {
    const a = orthogonal().sample([8, 8], { seed: 1 });
    expect(orthogonal().sample([8, 8], { seed: 1 })).toEqual(a);
    expect(orthogonal().sample([8, 8], { seed: 2 })).not.toEqual(a);
  });

  it('refuses shapes below rank 2, a bad column axis and a bad gain', () => {
    const cases: [() => unknown, string][] = [
      [() => orthogonal()(backend, [5], { seed: 0 }), 'orthogonal: shape must have rank 2 or more (a matrix to orthogonalise), got [5]'],
      [
        () => orthogonal({ columnAxis: 2 })(backend, [4, 4], { seed: 0 }),
        'orthogonal: columnAxis must be in [-2, 1] for shape [4, 4], got 2',
      ],
      [() => orthogonal({ gain: 0 }), 'orthogonal: gain must be a finite number > 0, got 0'],
      [() => orthogonal({ columnAxis: 1.5 }), 'orthogonal: columnAxis must be an integer axis, got 1.5'],
    ];
    for (const [f, text] of cases) {
      expect(f).toThrow(InvalidArgumentError);
      expect(f).toThrow(text);
    }
    expect(backend.memory().tensors).toBe(0);
  });
});
