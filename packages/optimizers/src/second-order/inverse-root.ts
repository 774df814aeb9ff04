import type { Backend, DType, Tensor } from '@downhill/backend';

/**
 * `A^(−1/p)` of a symmetric positive definite matrix by the coupled Newton iteration (Guo and
 * Higham 2006, as in Anil et al.'s distributed Shampoo): matmuls only, so it runs on any backend
 * (no host read, no eigendecomposition).
 *
 * ```text
 * z = (1 + p) / (2·‖A‖_F);   M₀ = z·A;   H₀ = z^(1/p)·I
 * Tₖ = (1 + 1/p)·I − Mₖ/p;   Mₖ₊₁ = Tₖᵖ·Mₖ;   Hₖ₊₁ = Hₖ·Tₖ        (Hₖ → A^(−1/p), Mₖ → I)
 * ```
 *
 * The Frobenius norm bounds the largest eigenvalue, so the eigenvalues of `M₀` lie in (0, (1+p)/2]
 * and the iteration converges; it needs about log₂ of the condition number iterations before its
 * quadratic phase.
 *
 * @param a - A square symmetric positive definite matrix.
 * @param p - The root (a positive integer: 4 for Shampoo's matrices, 2 for vectors).
 * @param iterations - Newton steps.
 * @returns A new tensor, `A^(−1/p)`.
 *
 * @internal
 */
export function inverseRoot(a: Tensor, p: number, iterations: number): Tensor {
  const b = a.backend;
  return b.scope(() => {
    const eye = identity(b, a.shape[0], a.dtype);
    const z = b.div((1 + p) / 2, b.unary('sqrt', b.reduce('sum', b.unary('square', a))));
    let m = b.mul(a, z);
    let h = b.mul(eye, b.binary('pow', z, 1 / p));
    for (let k = 0; k < iterations; k++) {
      const t = b.sub(b.mul(eye, 1 + 1 / p), b.mul(m, 1 / p));
      m = b.matmul(power(t, p), m);
      h = b.matmul(h, t);
    }
    return h;
  });
}

/** The n×n identity, scaled by `value`. */
export function identity(b: Backend, n: number, dtype: DType, value = 1): Tensor {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = value;
  return b.tensor(data, [n, n], dtype);
}

/** `tᵖ` for a positive integer p, by squaring. */
function power(t: Tensor, p: number): Tensor {
  const b = t.backend;
  let result: Tensor | undefined;
  let base = t;
  let e = p;
  while (e > 0) {
    if (e & 1) result = result ? b.matmul(result, base) : base;
    e >>= 1;
    if (e > 0) base = b.matmul(base, base);
  }
  return result!;
}
