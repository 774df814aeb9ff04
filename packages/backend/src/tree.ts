import { InvalidArgumentError } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * A parameter tree: leaves (backend tensors by default) in nested records and arrays, such as
 * `{ dense1: { kernel, bias }, layers: [{ w }, { w }] }`. A leaf's dotted path is its name
 * everywhere (in errors, masks, saved weights and optimizer state): record keys and array indices
 * joined by dots (`dense1.kernel`, `layers.0.w`). Autograd, the optimizers and the layers all
 * read and write trees through this one module, so every tree `grad` returns is one `step` takes.
 *
 * @typeParam L - The leaf type (`Tensor`; autograd's trees also hold traced values).
 *
 * @example
 * ```ts
 * const params: ParamTree = { layers: [{ w: backend.zeros([2, 2]) }, { w: backend.zeros([2, 1]) }] };
 * flattenTree(params).map(([path]) => path); // ['layers.0.w', 'layers.1.w']
 * ```
 */
export type ParamTree<L = Tensor> = L | readonly ParamTree<L>[] | { readonly [key: string]: ParamTree<L> };

/**
 * The root of a parameter tree of tensors: a record of subtrees, which may hold arrays at any depth
 * below it (`{ layers: [{ w }, { w }] }`). This is what optimizers' `init`, `update` and `step`
 * take; functions that keep a tree's own type are generic over `P extends Params`, so
 * `step(...).params.layers[0].w` is a `Tensor` again. (At run time an array root is accepted too.)
 *
 * @example
 * ```ts
 * const params = { w: backend.zeros([3]), layers: [{ b: backend.zeros([1]) }] } satisfies Params;
 * ```
 */
export interface Params {
  readonly [name: string]: ParamTree;
}

/**
 * Whether `x` is a branch of a tree: an array or a plain object (prototype `Object.prototype` or
 * `null`). Everything else (tensors, traced values, numbers) is a leaf.
 *
 * @example
 * ```ts
 * isBranch({ w }); // true
 * isBranch([w]);   // true
 * isBranch(w);     // false
 * ```
 */
export function isBranch(x: unknown): x is readonly unknown[] | Record<string, unknown> {
  return Array.isArray(x) || isPlainRecord(x);
}

/**
 * Whether `x` is a plain record (an object literal or `Object.create(null)`), not an array, a
 * tensor or a class instance.
 *
 * @example
 * ```ts
 * isPlainRecord({ a: 1 }); // true
 * isPlainRecord([1]);      // false
 * ```
 */
export function isPlainRecord(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Joins a parent path and a record key or array index into a dotted path.
 *
 * @example
 * ```ts
 * joinPath('layers', 0); // 'layers.0'
 * joinPath('', 'w');     // 'w'
 * ```
 */
export function joinPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

/** Options of {@link flattenTree}. */
export interface FlattenTreeOptions {
  /** Visit record keys in sorted order (so trees built in different insertion orders flatten alike); default false: insertion order. Arrays are always in index order. */
  readonly sorted?: boolean;
  /** A path to put before every leaf's path. Default `''`. */
  readonly prefix?: string;
}

/**
 * Every leaf of a tree with its dotted path, depth first. A tree that is itself a leaf gives one
 * entry whose path is the prefix.
 *
 * @example
 * ```ts
 * flattenTree({ a: { w: x }, b: [y] }); // [['a.w', x], ['b.0', y]]
 * ```
 */
export function flattenTree<L = unknown>(tree: unknown, options: FlattenTreeOptions = {}): [string, L][] {
  const out: [string, L][] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, joinPath(path, i)));
    else if (isPlainRecord(node)) {
      const keys = Object.keys(node);
      if (options.sorted) keys.sort();
      for (const k of keys) walk(node[k], joinPath(path, k));
    } else out.push([path, node as L]);
  };
  walk(tree, options.prefix ?? '');
  return out;
}

/** Options of {@link mapTree}. */
export interface MapTreeOptions {
  /** Keep only the leaves whose path passes (branches with no kept leaf go too; in arrays a left-out leaf becomes `undefined`, so positions stay). Default: every leaf. */
  readonly keep?: (path: string) => boolean;
  /** A path to put before every leaf's path. Default `''`. */
  readonly prefix?: string;
}

/**
 * A tree of the same structure (records stay records, arrays stay arrays) with every leaf
 * replaced by `fn(leaf, path)`.
 *
 * @example
 * ```ts
 * mapTree({ a: x, b: [y] }, (t) => backend.mul(t as Tensor, 2)); // { a: 2x, b: [2y] }
 * ```
 */
export function mapTree(tree: unknown, fn: (leaf: unknown, path: string) => unknown, options: MapTreeOptions = {}): unknown {
  const { keep } = options;
  const kept = (v: unknown, p: string) => !keep || (isBranch(v) ? flattenTree(v, { prefix: p }).some(([q]) => keep(q)) : keep(p));
  const walk = (node: unknown, path: string): unknown => {
    if (Array.isArray(node)) return node.map((v, i) => (kept(v, joinPath(path, i)) ? walk(v, joinPath(path, i)) : undefined));
    if (isPlainRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) if (kept(v, joinPath(path, k))) out[k] = walk(v, joinPath(path, k));
      return out;
    }
    return fn(node, path);
  };
  return walk(tree, options.prefix ?? '');
}

/**
 * Whether two trees have the same branches (records with the same keys, arrays of the same
 * lengths); leaves are not compared.
 *
 * @example
 * ```ts
 * sameStructure({ a: [x] }, { a: [y] }); // true
 * sameStructure({ a: [x] }, { a: { 0: y } }); // false
 * ```
 */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameStructure(v, b[i]));
  }
  if (isPlainRecord(a) || isPlainRecord(b)) {
    if (!isPlainRecord(a) || !isPlainRecord(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameStructure(a[k], b[k]));
  }
  return true;
}

/**
 * The tree whose leaves are these `[dottedPath, leaf]` pairs: the inverse of {@link flattenTree}.
 *
 * With `like`, branches follow its structure: where `like` has an array and the entries give
 * every one of its positions, the result has an array; where they give only some positions, a
 * record keyed by index (so the dotted paths stay the same). Without `like`, every branch is a
 * record.
 *
 * @throws InvalidArgumentError when a path appears twice, or is both a leaf and a subtree.
 *
 * @example
 * ```ts
 * unflattenTree([['layers.0.w', a], ['layers.1.w', b]]);               // { layers: { 0: { w: a }, 1: { w: b } } }
 * unflattenTree([['layers.0.w', a], ['layers.1.w', b]], { layers: [{ w }, { w }] }); // { layers: [{ w: a }, { w: b }] }
 * ```
 */
export function unflattenTree<L = unknown>(
  entries: Iterable<readonly [string, L]>,
  like?: unknown,
): { [key: string]: unknown } | unknown[] {
  const root: Record<string, unknown> = {};
  const branches = new Set<object>([root]);
  for (const [name, leaf] of entries) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (next === undefined) {
        const made: Record<string, unknown> = {};
        branches.add(made);
        node = node[parts[i]] = made;
      } else if (typeof next === 'object' && next !== null && branches.has(next)) node = next as Record<string, unknown>;
      else throw new InvalidArgumentError(`unflattenTree: '${parts.slice(0, i + 1).join('.')}' is both a leaf and a subtree`);
    }
    const last = parts[parts.length - 1];
    if (Object.hasOwn(node, last)) {
      const prev = node[last];
      throw new InvalidArgumentError(
        `unflattenTree: '${name}' ${typeof prev === 'object' && prev !== null && branches.has(prev) ? 'is both a leaf and a subtree' : 'appears twice'}`,
      );
    }
    node[last] = leaf;
  }
  return shape(root, like, branches) as { [key: string]: unknown } | unknown[];
}

function shape(node: unknown, like: unknown, branches: Set<object>): unknown {
  if (typeof node !== 'object' || node === null || !branches.has(node)) return node;
  const rec = node as Record<string, unknown>;
  const keys = Object.keys(rec);
  if (Array.isArray(like) && keys.length === like.length && like.every((_, i) => String(i) in rec)) {
    return like.map((sub, i) => shape(rec[String(i)], sub, branches));
  }
  const out: Record<string, unknown> = {};
  const sub = (k: string) => (Array.isArray(like) ? like[Number(k)] : isPlainRecord(like) ? like[k] : undefined);
  // Keys in the entries' order (not `like`'s), so equal entries give equal trees.
  for (const k of keys) out[k] = shape(rec[k], sub(k), branches);
  return out;
}

/**
 * The leaf at a dotted path, or `undefined` where there is none (or a branch is there).
 *
 * @example
 * ```ts
 * getLeaf({ layers: [{ w }] }, 'layers.0.w'); // w
 * ```
 */
export function getLeaf<L = Tensor>(tree: unknown, path: string): L | undefined {
  let node: unknown = tree;
  for (const part of path.split('.')) {
    if (Array.isArray(node)) node = /^\d+$/.test(part) ? node[Number(part)] : undefined;
    else if (isPlainRecord(node)) node = Object.hasOwn(node, part) ? node[part] : undefined;
    else return undefined;
  }
  return node === undefined || isBranch(node) ? undefined : (node as L);
}

/**
 * Describes a value for an error message: a tensor by shape and dtype, an array by length, a
 * record, a class instance by class, a primitive by type and value.
 *
 * @example
 * ```ts
 * describeValue(backend.zeros([2, 3])); // 'a tensor of shape [2, 3] (float32)'
 * describeValue([1, 2]);                // 'an array of length 2'
 * ```
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (undefined)';
  if (v instanceof Tensor) return `a tensor of shape [${v.shape.join(', ')}] (${v.dtype})`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') {
    if ('shape' in v && 'dtype' in v) {
      const t = v as { shape: readonly number[]; dtype: string };
      return `a traced value of shape [${t.shape.join(', ')}] (${t.dtype})`;
    }
    return isPlainRecord(v) ? 'a record' : `an object (${(v as object).constructor?.name ?? 'Object'})`;
  }
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}
