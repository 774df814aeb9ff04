import { InvalidArgumentError, fmtShape, sizeOf, type Shape, checkOptions } from '@downhill/backend';
import { randomInitializer, type Initializer } from './initializer.js';
import { fillNormal } from './sampling.js';

/** Options of {@link orthogonal}. */
export interface OrthogonalOptions {
  /** A factor on the matrix; > 0, default 1. */
  readonly gain?: number;
  /** The axis whose entries are the matrix's columns; the other axes, in order, make its rows. Default -1. */
  readonly columnAxis?: number;
}

/**
 * A (semi-)orthogonal matrix, uniformly distributed (Haar) over such matrices, times `gain`.
 *
 * The shape is read as a matrix of `rows = size / n_c` by `cols = n_c`, `n_c = shape[columnAxis]`.
 * A Gaussian matrix of `max(rows, cols) × min(rows, cols)` is factored as `A = QR` by Householder
 * reflections in float64 on the host; each column of `Q` is multiplied by the sign of `R`'s diagonal
 * entry (without it `Q` is not uniformly distributed); a wide shape takes `Qᵀ`.
 *
 * $$ W = g\, Q\, \operatorname{diag}(\operatorname{sign} R_{ii}), \qquad W^\top W = g^2 I \;(\text{tall}), \quad W W^\top = g^2 I \;(\text{wide}) $$
 *
 * With downhill's dense layout `[in, out]` the default `columnAxis: -1` gives orthonormal columns
 * when `in ≥ out`, and for a channels-last kernel `[kh, kw, in, out]` it orthogonalises the
 * `[kh·kw·in, out]` matrix that the convolution applies to each patch: Keras's and JAX's
 * (`column_axis=-1`) reading. PyTorch flattens `[out, in, kh, kw]` to `[out, in·kh·kw]`; that is the
 * same map transposed, orthogonal in the same sense, with `columnAxis: 0`.
 *
 * @param options - `gain` (default 1), `columnAxis` (default -1).
 * @returns The initializer (needs `seed` or `rng` at the call; the shape needs rank ≥ 2).
 *
 * @example
 * ```ts
 * import { orthogonal } from '@downhill/initializers';
 * const w = orthogonal()(backend, [256, 64], { seed: 0, dtype: 'float64' }); // wᵀw = I₆₄
 * const r = orthogonal({ gain: Math.SQRT2 })(backend, [128, 128], { seed: 1 }); // a recurrent kernel
 * ```
 *
 * Saxe et al., "Exact solutions to the nonlinear dynamics of learning in deep linear neural
 * networks", ICLR 2014, https://arxiv.org/abs/1312.6120; the sign fix: Mezzadri, "How to generate
 * random matrices from the classical compact groups", 2007, https://arxiv.org/abs/math-ph/0609050
 */
export function orthogonal(options: OrthogonalOptions = {}): Initializer {
  const { gain = 1, columnAxis = -1 } = checkOptions('orthogonal', options, { gain: true, columnAxis: true });
  const where = 'orthogonal';
  if (typeof gain !== 'number' || !Number.isFinite(gain) || gain <= 0) {
    throw new InvalidArgumentError(`${where}: gain must be a finite number > 0, got ${String(gain)}`);
  }
  if (!Number.isInteger(columnAxis)) {
    throw new InvalidArgumentError(`${where}: columnAxis must be an integer axis, got ${String(columnAxis)}`);
  }
  return randomInitializer(where, (shape, key) => {
    const rank = shape.length;
    if (rank < 2) {
      throw new InvalidArgumentError(`${where}: shape must have rank 2 or more (a matrix to orthogonalise), got ${fmtShape(shape)}`);
    }
    if (columnAxis < -rank || columnAxis >= rank) {
      throw new InvalidArgumentError(
        `${where}: columnAxis must be in [${-rank}, ${rank - 1}] for shape ${fmtShape(shape)}, got ${columnAxis}`,
      );
    }
    const ca = columnAxis < 0 ? columnAxis + rank : columnAxis;
    const size = sizeOf(shape);
    const cols = shape[ca];
    const rows = cols === 0 ? 0 : size / cols;
    const out = new Float64Array(size);
    if (size === 0) return out;
    const n = Math.max(rows, cols);
    const m = Math.min(rows, cols);
    const a = new Float64Array(n * m);
    fillNormal(key.generator(), a, 0, 1);
    const q = orthonormalColumns(a, n, m);
    // Matrix entry (r, c): q[r, c] when tall, q[c, r] when wide.
    const entry = rows >= cols ? (r: number, c: number) => q[r * m + c] : (r: number, c: number) => q[c * m + r];
    scatter(shape, ca, (r, c) => gain * entry(r, c), out);
    return out;
  });
}

/**
 * The `n × m` (n ≥ m) orthonormal factor `Q` of the row-major matrix `a` by Householder QR, with
 * each column's sign set so that `R` has a non-negative diagonal. `a` is overwritten.
 * @internal exported for tests.
 */
export function orthonormalColumns(a: Float64Array, n: number, m: number): Float64Array {
  const vs: Float64Array[] = [];
  const signs = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    // The reflector that zeroes a[k+1.., k]: v = x − αe₁, α = −sign(x₀)‖x‖ (no cancellation).
    let norm2 = 0;
    for (let i = k; i < n; i++) norm2 += a[i * m + k] * a[i * m + k];
    const norm = Math.sqrt(norm2);
    const x0 = a[k * m + k];
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(n - k);
    for (let i = k; i < n; i++) v[i - k] = a[i * m + k];
    v[0] -= alpha;
    let vn2 = 0;
    for (let i = 0; i < v.length; i++) vn2 += v[i] * v[i];
    if (vn2 > 0) {
      // a[k.., k..] −= 2 v (vᵀ a[k.., k..]) / (vᵀv)
      for (let j = k; j < m; j++) {
        let dot = 0;
        for (let i = k; i < n; i++) dot += v[i - k] * a[i * m + j];
        const f = (2 * dot) / vn2;
        for (let i = k; i < n; i++) a[i * m + j] -= f * v[i - k];
      }
    }
    vs.push(vn2 > 0 ? v : new Float64Array(0));
    signs[k] = a[k * m + k] < 0 ? -1 : 1; // R's diagonal entry (alpha, or x₀ when the column is zero)
  }
  // Q = H₀ H₁ … H_{m−1} applied to the first m columns of the identity, from the right-most.
  const q = new Float64Array(n * m);
  for (let j = 0; j < m; j++) q[j * m + j] = 1;
  for (let k = m - 1; k >= 0; k--) {
    const v = vs[k];
    if (v.length === 0) continue;
    let vn2 = 0;
    for (let i = 0; i < v.length; i++) vn2 += v[i] * v[i];
    for (let j = 0; j < m; j++) {
      let dot = 0;
      for (let i = k; i < n; i++) dot += v[i - k] * q[i * m + j];
      const f = (2 * dot) / vn2;
      for (let i = k; i < n; i++) q[i * m + j] -= f * v[i - k];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) q[i * m + j] *= signs[j];
  return q;
}

/**
 * Writes `value(row, col)` into the row-major tensor `out` of `shape`, where `col` is the index on
 * axis `ca` and `row` the row-major index over the other axes in order.
 */
function scatter(shape: Shape, ca: number, value: (r: number, c: number) => number, out: Float64Array): void {
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    let row = 0;
    for (let d = 0; d < rank; d++) if (d !== ca) row = row * shape[d] + idx[d];
    out[flat] = value(row, idx[ca]);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}
