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
