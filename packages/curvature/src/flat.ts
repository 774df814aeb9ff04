import { DTypeError, InvalidArgumentError, isFloatDType, type Backend, type DType, type Shape, type Tensor } from '@downhill/backend';
import { flattenTree, mapTree } from '@downhill/autograd';

/** One tensor leaf of a parameter tree and where its elements sit in the flat vector. @internal */
export interface FlatLeaf {
  readonly path: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly offset: number;
  readonly size: number;
}

/**
 * How a parameter tree maps onto one flat host vector: the leaves in `flattenTree` order, each
 * with its offset. Every tool of this package does its vector algebra (dot products,
 * reorthogonalization, probes) on the host in float64 over this layout, and goes to the backend
 * only for losses, gradients and Hessian-vector products. @internal
 */
export interface FlatLayout {
  readonly backend: Backend;
  readonly leaves: readonly FlatLeaf[];
  /** Total number of elements. */
  readonly size: number;
  /** The tree itself, as the template for {@link fromHost}. */
  readonly template: unknown;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'backend' in x && 'shape' in x && 'dtype' in x && 'size' in x;
}

/**
 * The layout of a parameter tree: every leaf a float tensor of one backend.
 *
 * @param params - the tree.
 * @param where - the caller's name, for errors.
 * @internal
 */
export function layoutOf(params: unknown, where: string): FlatLayout {
  const leaves: FlatLeaf[] = [];
  let backend: Backend | undefined;
  let offset = 0;
  for (const [path, leaf] of flattenTree(params)) {
    const at = path ? `'${path}'` : 'the parameter';
    if (!isTensor(leaf)) throw new InvalidArgumentError(`${where}: ${at} must be a tensor, got ${leaf === null ? 'null' : typeof leaf}`);
    if (!isFloatDType(leaf.dtype))
      throw new DTypeError(`${where}: ${at} has dtype ${leaf.dtype}; curvature needs float32 or float64 parameters`);
    if (backend === undefined) backend = leaf.backend;
    else if (leaf.backend !== backend) {
      throw new InvalidArgumentError(
        `${where}: ${at} lives on backend '${leaf.backend.name}' but earlier parameters on '${backend.name}'; put every parameter on one backend`,
      );
    }
    leaves.push({ path, shape: leaf.shape, dtype: leaf.dtype, offset, size: leaf.size });
    offset += leaf.size;
  }
  if (backend === undefined || offset === 0) throw new InvalidArgumentError(`${where}: the parameter tree holds no tensor elements`);
  return { backend, leaves, size: offset, template: params };
}

/**
 * Reads a tree laid out like `layout` into one float64 host vector.
 *
 * @internal
 */
export async function toHost(tree: unknown, layout: FlatLayout): Promise<Float64Array> {
  const out = new Float64Array(layout.size);
  const byPath = new Map(flattenTree(tree));
  for (const leaf of layout.leaves) {
    const t = byPath.get(leaf.path);
    if (!isTensor(t) || t.size !== leaf.size) throw new InvalidArgumentError(`toHost: '${leaf.path}' is missing or has the wrong size`);
    out.set(await t.read(), leaf.offset);
  }
  return out;
}

/**
 * A tree of new tensors (each leaf's own dtype, on the layout's backend) holding `vector`.
 *
 * @internal
 */
export function fromHost<P>(vector: Float64Array, layout: FlatLayout): P {
  const byPath = new Map(layout.leaves.map((l) => [l.path, l]));
  return mapTree(layout.template, (_leaf, path) => {
    const l = byPath.get(path)!;
    return layout.backend.tensor(vector.subarray(l.offset, l.offset + l.size), l.shape, l.dtype);
  }) as P;
}

/** Releases every tensor of a tree made by {@link fromHost} or returned by autograd. @internal */
export function disposeTree(backend: Backend, tree: unknown): void {
  backend.dispose(
    flattenTree(tree)
      .map(([, t]) => t)
      .filter(isTensor),
  );
}

/** `Σ aᵢbᵢ` in float64. @internal */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** `‖a‖₂`, scaled against overflow. @internal */
export function norm(a: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/** `y ← y + a·x` in place. @internal */
export function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}
