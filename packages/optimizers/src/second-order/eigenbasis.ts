import { EigenvalueDecomposition, Matrix, QrDecomposition } from 'ml-matrix';

/** A square matrix of side `n` from row-major host data, as ml-matrix's `Matrix`. */
function square(data: ArrayLike<number>, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, data[i * n + j]);
  return m;
}

/** Row-major float64 copy of a square `Matrix`, columns reordered by `order` when given. */
function rowMajor(m: Matrix, n: number, order?: readonly number[]): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m.get(i, order ? order[j] : j);
  return out;
}

/**
 * The eigenvectors of a symmetric matrix, as the columns of an orthogonal matrix, ordered by
 * decreasing eigenvalue (SOAP's first basis; its reference takes `torch.linalg.eigh` and flips the
 * columns the same way). Computed on the host in float64 by ml-matrix's symmetric
 * eigendecomposition (Householder tridiagonalization and the implicit QL iteration).
 *
 * @param data - The matrix, row-major, `n × n`, symmetric.
 * @param n - Its side.
 * @returns The eigenvectors, row-major `n × n` (column `j` the `j`-th largest eigenvalue's).
 *
 * @internal
 */
export function symmetricEigenbasis(data: ArrayLike<number>, n: number): Float64Array {
  const evd = new EigenvalueDecomposition(square(data, n), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  return rowMajor(evd.eigenvectorMatrix, n, order);
}

/**
 * The orthogonal factor `Q` of the QR decomposition of a square matrix (Householder, on the host in
 * float64 by ml-matrix): one step of SOAP's power iteration orthonormalizes `L·Q` this way. The
 * signs of `Q`'s columns may differ from LAPACK's; SOAP's update does not depend on them.
 *
 * @param data - The matrix, row-major, `n × n`.
 * @param n - Its side.
 * @returns `Q`, row-major `n × n`.
 *
 * @internal
 */
export function orthogonalFactor(data: ArrayLike<number>, n: number): Float64Array {
  return rowMajor(new QrDecomposition(square(data, n)).orthogonalMatrix, n);
}

/**
 * `A^(−1/p)` of a symmetric positive definite matrix by its eigendecomposition on the host in
 * float64 (ml-matrix, as {@link symmetricEigenbasis}): `V·diag(λ^(−1/p))·Vᵀ`, eigenvalues clamped
 * below at `floor` (Shampoo's statistics start at ε·I, so they stay positive definite; the floor
 * guards rounding).
 *
 * @param data - The matrix, row-major, `n × n`, symmetric.
 * @param n - Its side.
 * @param p - The root.
 * @param floor - The smallest eigenvalue used (default 1e-30).
 * @returns `A^(−1/p)`, row-major `n × n`.
 *
 * @internal
 */
export function symmetricInverseRoot(data: ArrayLike<number>, n: number, p: number, floor = 1e-30): Float64Array {
  const evd = new EigenvalueDecomposition(square(data, n), { assumeSymmetric: true });
  const scale = evd.realEigenvalues.map((l) => Math.max(l, floor) ** (-1 / p));
  const v = evd.eigenvectorMatrix;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v.get(i, k) * scale[k] * v.get(j, k);
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  return out;
}
