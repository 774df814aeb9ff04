import { InvalidArgumentError } from '@downhill/backend';

/** Eigenvalues (ascending) and unit eigenvectors of a symmetric tridiagonal matrix. */
export interface TridiagonalEigen {
  /** The eigenvalues, ascending. */
  readonly values: Float64Array;
  /** `vectors[i]` is the unit eigenvector of `values[i]`. */
  readonly vectors: Float64Array[];
}

/**
 * The eigendecomposition of the symmetric tridiagonal matrix with diagonal `alpha` and
 * off-diagonal `beta` (`beta[i]` joins rows `i` and `i + 1`), by the implicit QL algorithm with
 * Wilkinson shifts (EISPACK's `tql2`, as in JAMA), in float64. This is what turns a Lanczos
 * tridiagonal into Ritz values and vectors.
 *
 * @param alpha - the diagonal, length m ≥ 1.
 * @param beta - the off-diagonal, length m − 1.
 * @returns eigenvalues ascending with their eigenvectors.
 * @throws InvalidArgumentError on mismatched lengths or non-finite entries.
 *
 * @example
 * ```ts
 * const { values } = tridiagonalEigen([2, 2], [1]); // [1, 3]
 * ```
 */
export function tridiagonalEigen(alpha: ArrayLike<number>, beta: ArrayLike<number>): TridiagonalEigen {
  const n = alpha.length;
  if (n === 0 || beta.length !== n - 1) {
    throw new InvalidArgumentError(
      `tridiagonalEigen: expected a diagonal of length m ≥ 1 and an off-diagonal of length m − 1, got ${n} and ${beta.length}`,
    );
  }
  for (const [name, xs] of [
    ['alpha', alpha],
    ['beta', beta],
  ] as const) {
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i]))
        throw new InvalidArgumentError(`tridiagonalEigen: ${name}[${i}] is ${xs[i]}; the entries must be finite`);
    }
  }
  const d = Float64Array.from(alpha);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = beta[i];
  // V[k * n + i]: row k, column i; the columns become the eigenvectors.
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  const eps = 2 ** -52;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60)
          throw new InvalidArgumentError(`tridiagonalEigen: the QL iteration did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const row = k * n;
            h = V[row + i + 1];
            V[row + i + 1] = s * V[row + i] + c * h;
            V[row + i] = c * V[row + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = order.map((i) => {
    const v = new Float64Array(n);
    for (let k = 0; k < n; k++) v[k] = V[k * n + i];
    return v;
  });
  return { values, vectors };
}
