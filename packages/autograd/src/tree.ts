import type { Tensor } from '@downhill/backend';
import type { TensorLike } from './traced.js';

/**
 * A named parameter tree: tensors (or traced values) in nested records and arrays, such as
 * `{ dense1: { kernel, bias }, dense2: { kernel, bias } }`. Leaves are addressed by dotted paths
 * (`dense1.kernel`, `layers.0.bias`).
 */
export type ParamTree<T = TensorLike> = T | readonly ParamTree<T>[] | { readonly [key: string]: ParamTree<T> };

/**
 * The gradient tree of a parameter tree: the same keys and nesting, with a `Tensor` for each
 * tensor leaf. (Inside an enclosing differentiation, such as the inner `grad` of `grad(grad(f))`,
 * the leaves are traced values of the enclosing trace: pass them to `ops`, not to backend methods.)
 */
export type Grads<T> = AsTensors<T>;

/**
 * A tree with every tensor-like leaf typed as a backend `Tensor`: what `grad`, `valueAndGrad` and
 * `vjp` return at the top level (inside an enclosing differentiation the leaves are traced values).
 */
export type AsTensors<T> = T extends TensorLike
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: AsTensors<T[K]> }
    : T extends object
      ? { -readonly [K in keyof T]: AsTensors<T[K]> }
      : T;

/** Whether `x` is a branch of a tree (an array or a plain object); everything else is a leaf. */
export function isBranch(x: unknown): x is readonly unknown[] | Record<string, unknown> {
  if (Array.isArray(x)) return true;
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Joins a parent path and a key into a dotted path. */
export function joinPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

/**
 * Every leaf of a tree with its dotted path, depth first, in key order.
 *
 * @example
 * ```ts
 * flattenTree({ a: { w: x }, b: [y] }); // [['a.w', x], ['b.0', y]]
 * ```
 */
export function flattenTree(tree: unknown, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, joinPath(path, i)));
    else if (isBranch(node)) for (const [k, v] of Object.entries(node)) walk(v, joinPath(path, k));
    else out.push([path, node]);
  };
  walk(tree, prefix);
  return out;
}

/**
 * A tree of the same structure with every leaf replaced by `fn(leaf, path)`. Leaves for which
 * `keep(path)` is false are left out when `keep` is given (branches with no kept leaf too;
 * in arrays a left-out leaf becomes `undefined`, so positions stay).
 *
 * @example
 * ```ts
 * mapTree({ a: x, b: [y] }, (t) => ops.mul(t, 2)); // { a: 2x, b: [2y] }
 * ```
 */
export function mapTree(tree: unknown, fn: (leaf: unknown, path: string) => unknown, keep?: (path: string) => boolean, prefix = ''): unknown {
  const kept = (v: unknown, p: string) => !keep || (isBranch(v) ? flattenTree(v, p).some(([q]) => keep(q)) : keep(p));
  const walk = (node: unknown, path: string): unknown => {
    if (Array.isArray(node)) {
      // Arrays keep their positions: a left-out leaf becomes undefined.
      return node.map((v, i) => (kept(v, joinPath(path, i)) ? walk(v, joinPath(path, i)) : undefined));
    }
    if (isBranch(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) if (kept(v, joinPath(path, k))) out[k] = walk(v, joinPath(path, k));
      return out;
    }
    return fn(node, path);
  };
  return walk(tree, prefix);
}

/** Whether two trees have the same branches and keys (leaves are not compared). */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameStructure(v, b[i]));
  }
  if (isBranch(a) || isBranch(b)) {
    if (!isBranch(a) || !isBranch(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && sameStructure((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return true;
}
