import { InvalidArgumentError } from '@downhill/backend';
import { isTensorLike, type TensorLike } from '../traced.js';
import { flattenTree } from '../tree.js';
import { abs, add, mul, square } from './elementwise.js';
import { reduceAxes, sum, type ReduceArg } from './reduce.js';
import { sqrtSafe } from './statistics.js';

/**
 * The Euclidean norm over `axis` (every axis by default): `‖x‖₂ = √Σx²`. Its gradient at the zero
 * vector is 0 (not NaN).
 *
 * @example
 * ```ts
 * ops.l2Norm(w); // scalar
 * ops.l2Norm(rows, { axis: -1, keepDims: true });
 * ```
 */
export function l2Norm(x: TensorLike, axis?: ReduceArg): TensorLike {
  const { axes, keepDims } = reduceAxes(x, axis, 'l2Norm');
  return sqrtSafe(sum(square(x), { axis: axes, keepDims }));
}

/** The sum of absolute values over `axis` (every axis by default): `‖x‖₁ = Σ|x|`. */
export function l1Norm(x: TensorLike, axis?: ReduceArg): TensorLike {
  const { axes, keepDims } = reduceAxes(x, axis, 'l1Norm');
  return sum(abs(x), { axis: axes, keepDims });
}

/**
 * The squared Euclidean norm of every leaf of a tree together, `Σ_leaves Σ x²`.
 *
 * @example
 * ```ts
 * const l2Penalty = ops.mul(ops.globalSquaredNorm(params), 1e-4);
 * ```
 */
export function globalSquaredNorm(tree: unknown): TensorLike {
  let total: TensorLike | undefined;
  for (const [path, leaf] of flattenTree(tree)) {
    if (leaf === undefined || leaf === null) continue;
    if (!isTensorLike(leaf)) throw new InvalidArgumentError(`globalNorm: leaf '${path}' is not a tensor (${typeof leaf})`);
    const s = sum(square(leaf));
    total = total === undefined ? s : add(total, s);
  }
  if (total === undefined) throw new InvalidArgumentError('globalNorm: the tree holds no tensors');
  return total;
}

/**
 * The Euclidean norm of every leaf of a tree together (the norm used by clipping by global norm).
 *
 * Math: `‖θ‖ = √(Σ_leaves Σ x²)`.
 *
 * @example
 * ```ts
 * const gnorm = ops.globalNorm(grads);
 * ```
 * Pascanu, Mikolov and Bengio, "On the difficulty of training recurrent neural networks" (2013).
 */
export function globalNorm(tree: unknown): TensorLike {
  return sqrtSafe(globalSquaredNorm(tree));
}

/**
 * The inner product of two tensors of one shape, summed to a scalar: `Σ a·b`.
 *
 * @example
 * ```ts
 * ops.vdot(g, v);
 * ```
 */
export function vdot(a: TensorLike, b: TensorLike): TensorLike {
  return sum(mul(a, b));
}

/**
 * The inner product of two trees of one structure: `Σ_leaves Σ a·b` (used for Hessian-vector
 * products and directional derivatives).
 *
 * @example
 * ```ts
 * ops.treeVdot(grads, direction);
 * ```
 */
export function treeVdot(a: unknown, b: unknown): TensorLike {
  const la = flattenTree(a);
  const lb = new Map(flattenTree(b));
  let total: TensorLike | undefined;
  for (const [path, x] of la) {
    if (x === undefined || x === null) continue;
    const y = lb.get(path);
    if (!isTensorLike(x) || !isTensorLike(y)) throw new InvalidArgumentError(`treeVdot: leaf '${path}' must be a tensor in both trees`);
    const d = vdot(x, y);
    total = total === undefined ? d : add(total, d);
  }
  if (total === undefined) throw new InvalidArgumentError('treeVdot: the trees hold no tensors');
  return total;
}
