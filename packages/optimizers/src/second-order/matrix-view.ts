import type { Tensor } from '@downhill/backend';

/**
 * How the factored preconditioners (Shampoo, SOAP) see a parameter: a tensor of rank ≥ 2 as the
 * matrix `[∏ leading dims, last dim]` (dimensions merged, as distributed Shampoo does), anything
 * else as a vector of its `n` entries.
 *
 * @param shape - The parameter's shape.
 * @returns `{ rows, cols }` for a matrix, `{ n }` for a vector or scalar.
 *
 * @internal
 */
export function matrixView(shape: readonly number[]): { rows: number; cols: number } | { n: number } {
  if (shape.length < 2) return { n: shape.reduce((a, c) => a * c, 1) };
  return { rows: shape.slice(0, -1).reduce((a, c) => a * c, 1), cols: shape[shape.length - 1] };
}

/**
 * The Kronecker-factor statistic of a gradient along one axis: the contraction of `x` with itself
 * over every other axis, `Σ x[…, i, …]·x[…, j, …]` (for a matrix `G`: `G·Gᵀ` along axis 0, `Gᵀ·G`
 * along axis 1). Shampoo accumulates these; SOAP averages them and takes their eigenbases.
 *
 * @param x - A gradient (block) of rank ≥ 1.
 * @param axis - The axis kept.
 * @returns A new `[d, d]` tensor, `d = x.shape[axis]`.
 *
 * @internal
 */
export function factorStatistic(x: Tensor, axis: number): Tensor {
  const b = x.backend;
  const rank = x.shape.length;
  if (rank === 1) {
    const col = b.reshape(x, [x.shape[0], 1]);
    return b.matmul(col, col, { transposeB: true });
  }
  if (rank === 2) return axis === 0 ? b.matmul(x, x, { transposeB: true }) : b.matmul(x, x, { transposeA: true });
  const d = x.shape[axis];
  const perm = [axis, ...x.shape.map((_, i) => i).filter((i) => i !== axis)];
  const a = b.reshape(axis === 0 ? x : b.transpose(x, perm), [d, x.size / d]);
  return b.matmul(a, a, { transposeB: true });
}

/**
 * The blocks of one side of length `n` split at `blockSize`: `[start, length]` pairs.
 *
 * @internal
 */
export function blockRanges(n: number, blockSize: number): (readonly [number, number])[] {
  return Array.from({ length: Math.ceil(n / blockSize) }, (_, i) => [i * blockSize, Math.min(blockSize, n - i * blockSize)] as const);
}
