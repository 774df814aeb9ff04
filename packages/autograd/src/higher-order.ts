import { InvalidArgumentError, ShapeError, fmtShape, shapesEqual, type Tensor } from '@downhill/backend';
import { describe } from './differentiate.js';
import { grad } from './grad.js';
import { concat, reshape } from './ops/layout.js';
import { treeVdot } from './ops/norms.js';
import { isTracing } from './trace.js';
import { isTensorLike, rawTensor, type TensorLike } from './traced.js';
import { flattenTree, mapTree, sameStructure, type AsTensors, type Grads } from './tree.js';
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
 * The Hessian of a function of a parameter tree: a tree of trees, JAX's layout. For `params` of
 * structure `P`, `H[a][b]` (the leaf at path `a` of the outer tree, then `b` of the inner one) is
 * the block `∂²f / ∂a ∂b`, of shape `[...a.shape, ...b.shape]`. For one tensor, one tensor.
 */
export type Hessian<P> = P extends TensorLike ? Tensor : LeavesAs<P, AsTensors<P>>;

/** `T` with every tensor-like leaf replaced by `L`. */
export type LeavesAs<T, L> = T extends TensorLike
  ? L
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: LeavesAs<T[K], L> }
    : T extends object
      ? { -readonly [K in keyof T]: LeavesAs<T[K], L> }
      : T;

/**
 * The Hessian of a scalar function of a tensor or of a parameter tree, for small inputs: one
 * reverse pass of the gradient per element (reverse over reverse), `n` passes for `n` scalars in
 * all. For curvature of large models use {@link hvp} (one direction at a time) or
 * `@downhill/curvature`.
 *
 * Math: `H[i, j] = ∂²f / ∂xᵢ∂xⱼ`; for `x` of shape `S` the result has shape `[...S, ...S]`. For a
 * tree, `H[a][b]` is the block of leaves `a` and `b`, shape `[...a.shape, ...b.shape]`, and
 * `H[a][b]` is the transpose of `H[b][a]` (JAX's `jax.hessian` layout; PyTorch's
 * `torch.autograd.functional.hessian` over a tuple of inputs gives the same blocks as nested tuples).
 *
 * @param f - a scalar function of a tensor or of a parameter tree.
 * @param x - the point: a tensor, or a tree of tensors (records and arrays).
 * @returns the Hessian: a fresh tensor, or a tree of trees of fresh tensors (see {@link Hessian}).
 *
 * @example
 * ```ts
 * const h = hessian((x) => ops.sum(ops.pow(x, 3)), x); // diag(6x)
 * const H = hessian((p) => ops.sum(ops.mul(ops.square(p.w), p.b)), { w, b }); // H.w.b: [...w.shape, ...b.shape]
 * ```
 */
export function hessian<P>(f: (x: P) => TensorLike, x: P): Hessian<P> {
  if (isTensorLike(x)) return hessianOfTensor(f as unknown as (x: TensorLike) => TensorLike, x) as Hessian<P>;
  const leaves = flattenTree(x).filter((e): e is [string, TensorLike] => isTensorLike(e[1]));
  if (leaves.length === 0) throw new InvalidArgumentError(`hessian: expected a tensor or a tree of tensors, got ${describe(x)}`);
  const backend = rawTensor(leaves[0][1]).backend;
  const body = () => {
    const [, pullback] = vjp((p: P) => grad(f)(p) as unknown, x);
    const pull = pullback as unknown as (ct: unknown) => unknown;
    const blocks = new Map<string, Map<string, TensorLike>>();
    for (const [pa, a] of leaves) {
      const rows = new Map<string, TensorLike[]>(leaves.map(([pb]) => [pb, []]));
      for (let i = 0; i < a.size; i++) {
        const ct = mapTree(x, (leaf, path) => {
          if (!isTensorLike(leaf)) return leaf;
          const e = new Array<number>(leaf.size).fill(0);
          if (path === pa) e[i] = 1;
          return backend.tensor(e, leaf.shape, leaf.dtype);
        });
        const r = new Map(flattenTree(pull(ct)));
        for (const [pb, b] of leaves) rows.get(pb)!.push(reshape(r.get(pb) as TensorLike, [1, b.size]));
      }
      const row = new Map<string, TensorLike>();
      for (const [pb, b] of leaves) {
        const shape = [...a.shape, ...b.shape];
        row.set(pb, a.size === 0 || b.size === 0 ? backend.zeros(shape, b.dtype) : reshape(concat(rows.get(pb)!, 0), shape));
      }
      blocks.set(pa, row);
    }
    pullback.dispose();
    return mapTree(x, (leaf, pa) =>
      isTensorLike(leaf) ? mapTree(x, (inner, pb) => (isTensorLike(inner) ? blocks.get(pa)!.get(pb) : inner)) : leaf,
    );
  };
  return (isTracing() ? body() : backend.scope(body as () => never)) as Hessian<P>;
}

/** {@link hessian} of a function of one tensor. */
function hessianOfTensor(f: (x: TensorLike) => TensorLike, x: TensorLike): Tensor {
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
