import { InvalidArgumentError, ShapeError, fmtShape, shapesEqual, type Tensor } from '@downhill/backend';
import { describe } from './differentiate.js';
import { grad } from './grad.js';
import { concat, reshape } from './ops/layout.js';
import { treeVdot } from './ops/norms.js';
import { isTracing } from './trace.js';
import { isTensorLike, rawTensor, type TensorLike } from './traced.js';
import { flattenTree, sameStructure, type Grads } from './tree.js';
import { vjp } from './vjp.js';

/**
 * A Hessian-vector product, `∇²f(θ)·v`, without forming the Hessian: the gradient of
 * `⟨∇f(θ), v⟩` (reverse over reverse). `v` has the structure and shapes of `params`.
 *
 * Math: `hvp(f, θ, v) = ∇_θ (∇f(θ) · v)`; costs about two gradient evaluations.
 *
 * @param f - a scalar function of a parameter tree.
 * @param params - the point θ.
 * @param v - the direction, a tree like `params`.
 * @returns `∇²f(θ)·v`, a tree like `params` (fresh tensors, the caller's to dispose).
 *
 * @example
 * ```ts
 * const hv = hvp((p) => loss(p, batch), params, direction);
 * ```
 * Pearlmutter, "Fast exact multiplication by the Hessian" (1994).
 */
export function hvp<P>(f: (params: P) => TensorLike, params: P, v: Grads<P> | P): Grads<P> {
  if (!sameStructure(params, v)) throw new InvalidArgumentError(`hvp: v must have the structure of params; got ${describe(v)}`);
  const vs = new Map(flattenTree(v));
  for (const [path, p] of flattenTree(params)) {
    const d = vs.get(path);
    if (isTensorLike(p) && (!isTensorLike(d) || !shapesEqual(p.shape, d.shape))) {
      throw new ShapeError(
        `hvp: v${path ? ` at '${path}'` : ''} has ${isTensorLike(d) ? `shape ${fmtShape(d.shape)}` : describe(d)} but the parameter has shape ${fmtShape(p.shape)}`,
      );
    }
  }
  return grad((p: P) => treeVdot(grad(f)(p), v))(params) as Grads<P>;
}

/**
 * The Hessian of a scalar function of one tensor, for small inputs: one reverse pass of the
 * gradient per element (reverse over reverse).
 *
 * Math: `H[i, j] = ∂²f / ∂xᵢ∂xⱼ`; for `x` of shape `S` the result has shape `[...S, ...S]`.
 *
 * @param f - a scalar function of a tensor.
 * @param x - the point.
 * @returns the Hessian (a fresh tensor).
 *
 * @example
 * ```ts
 * const h = hessian((x) => ops.sum(ops.pow(x, 3)), x); // diag(6x)
 * ```
 */
export function hessian(f: (x: TensorLike) => TensorLike, x: TensorLike): Tensor {
  if (!isTensorLike(x)) throw new InvalidArgumentError(`hessian: expected a tensor, got ${describe(x)}`);
  const body = () => {
    const n = x.size;
    const backend = rawTensor(x).backend;
    if (n === 0) return backend.zeros([...x.shape, ...x.shape], x.dtype);
    const [, pullback] = vjp((p: TensorLike) => grad(f)(p) as TensorLike, x);
    const rows: TensorLike[] = [];
    for (let j = 0; j < n; j++) {
      const e = new Array<number>(n).fill(0);
      e[j] = 1;
      rows.push(reshape(pullback(backend.tensor(e, x.shape, x.dtype) as never) as TensorLike, [1, n]));
    }
    const h = reshape(concat(rows, 0), [...x.shape, ...x.shape]);
    pullback.dispose();
    return h as Tensor;
  };
  return isTracing() ? body() : rawTensor(x).backend.scope(body);
}
