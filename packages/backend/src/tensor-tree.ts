import { alignTrees, type AlignedTrees } from './aligned-trees.js';
import { DTypeError, InvalidArgumentError, ShapeError, fmtShape } from './errors.js';
import { shapesEqual } from './shape.js';
import { checkOptions } from './options.js';
import { Tensor } from './tensor.js';
import { describeValue, isPlainRecord, joinPath, unflattenTree, type Params } from './tree.js';

/**
 * The tensor leaves of a parameter tree as `[dottedPath, tensor]` pairs, checked: record keys in
 * sorted order at every level (so two trees built in different insertion orders flatten alike),
 * arrays in index order.
 *
 * @param tree - A {@link Params} tree (records and arrays of tensors).
 * @param where - Who is asking, for error messages.
 * @returns The leaves, in that order.
 * @throws InvalidArgumentError when the root is not a record or an array, a key is empty or holds
 * a dot, or a leaf is not a tensor; each names the path.
 *
 * @example
 * ```ts
 * flatten({ b: { k: t1 }, a: [t2] }); // [['a.0', t2], ['b.k', t1]]
 * ```
 */
export function flatten(tree: Params, where = 'flatten'): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  if (!Array.isArray(tree) && !isPlainRecord(tree)) {
    throw new InvalidArgumentError(`${where}: expected a parameter tree (a record or an array of tensors), got ${describeValue(tree)}`);
  }
  const walk = (node: unknown, prefix: string): void => {
    const keys = Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node as object).sort();
    for (const key of keys) {
      if (key === '' || key.includes('.')) {
        throw new InvalidArgumentError(
          `${where}: parameter key ${JSON.stringify(key)} under '${prefix || '(root)'}' is empty or contains '.'; dotted names are the paths of nested records`,
        );
      }
      const name = joinPath(prefix, key);
      const v = (node as Record<string, unknown>)[key];
      if (v instanceof Tensor) out.push([name, v]);
      else if (Array.isArray(v) || isPlainRecord(v)) walk(v, name);
      else throw new InvalidArgumentError(`${where}: '${name}' must be a tensor or a record or array of tensors, got ${describeValue(v)}`);
    }
  };
  walk(tree, '');
  return out;
}

/**
 * The parameter tree whose leaves are these `[dottedPath, tensor]` pairs: the inverse of
 * {@link flatten}. With `like`, arrays come back where `like` has them (see
 * {@link unflattenTree}); without, every branch is a record.
 *
 * @example
 * ```ts
 * unflatten([['dense.kernel', w], ['dense.bias', b]]); // { dense: { kernel: w, bias: b } }
 * unflatten([['layers.0.w', w]], { layers: [{ w: old }] }); // { layers: [{ w }] }
 * ```
 */
export function unflatten<P extends Params = Params>(entries: Iterable<readonly [string, Tensor]>, like?: P): P {
  return unflattenTree(entries, like) as unknown as P;
}

/** How {@link checkTrees} and {@link mapTrees} compare trees. */
export interface TreeCheckOptions {
  /** Who is asking, for error messages (`'adam'`, `'applyUpdates'`). */
  readonly where?: string;
  /** What each tree is, for error messages (`['parameter', 'gradient', "state 'mu'"]`); the first is the reference. */
  readonly labels?: readonly string[];
  /** Whether dtypes must match the reference's (default true). */
  readonly dtype?: boolean;
}

/**
 * Checks that trees have the reference's (the first tree's) dotted names, shapes and, by default,
 * dtypes, and that no leaf was released. Trees are compared by name, so a record keyed `'0'` and
 * an array match alike. Returns the leaves aligned by name, in {@link flatten}'s order.
 *
 * @throws InvalidArgumentError for a missing or extra entry or a released tensor, ShapeError for a
 * shape mismatch, DTypeError for a dtype mismatch; each names the parameter.
 *
 * @example
 * ```ts
 * checkTrees([params, grads], { where: 'adam', labels: ['parameter', 'gradient'] });
 * ```
 */
export function checkTrees(trees: readonly Params[], options: TreeCheckOptions = {}): [string, Tensor[]][] {
  checkOptions('checkTrees', options, { where: true, labels: true, dtype: true });
  const where = options.where ?? 'tree';
  const labels = options.labels ?? trees.map((_, i) => (i === 0 ? 'parameter' : `tree ${i}`));
  const flat = trees.map((t, i) => flatten(t, `${where} (${labels[i]} tree)`));
  const ref = flat[0];
  const rows: [string, Tensor[]][] = ref.map(([name, t]) => [name, [t]]);
  for (let k = 1; k < flat.length; k++) {
    const other = flat[k];
    const byName = new Map(other);
    const missing = ref.filter(([n]) => !byName.has(n)).map(([n]) => n);
    if (missing.length || other.length !== ref.length) throw treeNamesDiffer(where, labels[0], labels[k], ref, other, missing);
    for (const [name, r] of ref) {
      const t = byName.get(name)!;
      if (!shapesEqual(t.shape, r.shape)) {
        throw new ShapeError(
          `${where}: ${labels[0]} '${name}' has shape ${fmtShape(r.shape)} but its ${labels[k]} has shape ${fmtShape(t.shape)}`,
        );
      }
      if (options.dtype !== false && t.dtype !== r.dtype) {
        throw new DTypeError(`${where}: ${labels[0]} '${name}' has dtype ${r.dtype} but its ${labels[k]} has dtype ${t.dtype}`);
      }
    }
    for (let i = 0; i < ref.length; i++) rows[i][1].push(byName.get(ref[i][0])!);
  }
  for (let k = 0; k < flat.length; k++) {
    for (const [name, t] of flat[k]) {
      if (t.disposed) throw new InvalidArgumentError(`${where}: the ${labels[k]} of '${name}' (${t}) was released`);
    }
  }
  return rows;
}

/**
 * The trees' aligned leaves by the fast walk ({@link alignTrees}) when their layouts are identical,
 * after the same options check as {@link checkTrees}; otherwise `undefined` (the full check runs).
 */
function alignedOrUndefined(trees: readonly Params[], options: TreeCheckOptions): AlignedTrees | undefined {
  checkOptions('checkTrees', options, { where: true, labels: true, dtype: true });
  return alignTrees(trees, options.dtype !== false);
}

/** The names one tree lacks and the names it has in excess, against the reference, in one message. */
function treeNamesDiffer(
  where: string,
  refLabel: string,
  label: string,
  ref: readonly [string, Tensor][],
  other: readonly [string, Tensor][],
  missing: readonly string[],
): InvalidArgumentError {
  const refNames = new Set(ref.map(([n]) => n));
  const extra = other.filter(([n]) => !refNames.has(n)).map(([n]) => n);
  const list = (names: readonly string[]) => {
    const shown = names.slice(0, 10).map((n) => `'${n}'`);
    return shown.join(', ') + (names.length > shown.length ? ` and ${names.length - shown.length} more` : '');
  };
  const parts: string[] = [];
  if (missing.length) parts.push(`missing from the ${label} tree: ${list(missing)}`);
  if (extra.length) parts.push(`in the ${label} tree but not in the ${refLabel} tree: ${list(extra)}`);
  const hint = /state/.test(label) ? ' (was the state made by init() for other parameters?)' : '';
  return new InvalidArgumentError(`${where}: the ${refLabel} and ${label} trees have different names; ${parts.join('; ')}${hint}`);
}

/**
 * Maps a function over the aligned leaves of one or several trees (checked with
 * {@link checkTrees}). Each call runs in its own backend scope, so intermediates never leak: only
 * the returned tensor survives. The result has the first tree's structure (its arrays stay arrays).
 *
 * @param trees - The trees; the first is the reference for names, shapes, dtypes and structure.
 * @param fn - Called with the leaves at one name, and the name.
 * @returns A tree of the results, shaped like the reference.
 *
 * @example
 * ```ts
 * const sum = mapTrees([a, b], ([x, y]) => x.backend.add(x, y), { where: 'sum' });
 * ```
 */
export function mapTrees<P extends Params>(
  trees: readonly [P, ...Params[]],
  fn: (leaves: Tensor[], name: string) => Tensor,
  options?: TreeCheckOptions,
): P;
export function mapTrees(trees: readonly Params[], fn: (leaves: Tensor[], name: string) => Tensor, options?: TreeCheckOptions): Params;
export function mapTrees(trees: readonly Params[], fn: (leaves: Tensor[], name: string) => Tensor, options: TreeCheckOptions = {}): Params {
  const aligned = alignedOrUndefined(trees, options);
  if (aligned) {
    const rows = aligned.rows;
    const backend = rows[0][1][0].backend;
    return backend.scope(() => aligned.build(rows.map(([name, xs]) => xs[0].backend.scope(() => fn(xs, name)))));
  }
  const rows = checkTrees(trees, options);
  const backend = rows[0]?.[1][0].backend;
  if (!backend) return unflatten([], trees[0]);
  return backend.scope(() =>
    unflatten(
      rows.map(([name, xs]) => [name, xs[0].backend.scope(() => fn(xs, name))] as const),
      trees[0],
    ),
  );
}

/**
 * Like {@link mapTrees} for a function returning several tensors per name: returns one tree per
 * output (for example the update and the new moments of Adam), each shaped like the first tree.
 *
 * @example
 * ```ts
 * const [updates, mu] = mapTreesN(2, [grads, state.mu], ([g, m]) => { ... return [u, m2]; });
 * ```
 */
export function mapTreesN(
  outputs: number,
  trees: readonly Params[],
  fn: (leaves: Tensor[], name: string) => readonly Tensor[],
  options: TreeCheckOptions = {},
): Params[] {
  const aligned = alignedOrUndefined(trees, options);
  if (aligned) {
    const rows = aligned.rows;
    const backend = rows[0][1][0].backend;
    return backend.scope(() => {
      const cols: Tensor[][] = Array.from({ length: outputs }, () => []);
      for (const [name, xs] of rows) {
        const r = backend.scope(() => fn(xs, name));
        if (r.length !== outputs) throw new InvalidArgumentError(`mapTreesN: expected ${outputs} outputs for '${name}', got ${r.length}`);
        for (let k = 0; k < outputs; k++) cols[k].push(r[k]);
      }
      return cols.map((c) => aligned.build(c));
    });
  }
  const rows = checkTrees(trees, options);
  const backend = rows[0]?.[1][0].backend;
  const outs: [string, Tensor][][] = Array.from({ length: outputs }, () => []);
  if (!backend) return outs.map(() => unflatten([], trees[0]));
  return backend.scope(() => {
    for (const [name, xs] of rows) {
      const r = backend.scope(() => fn(xs, name));
      if (r.length !== outputs) throw new InvalidArgumentError(`mapTreesN: expected ${outputs} outputs for '${name}', got ${r.length}`);
      for (let k = 0; k < outputs; k++) outs[k].push([name, r[k]]);
    }
    return outs.map((o) => unflatten(o, trees[0]));
  });
}

/**
 * A tree of zeros like `tree` (same structure, names, shapes and dtypes), or filled with `value`.
 *
 * @example
 * ```ts
 * const mu = zerosLike(params);
 * ```
 */
export function zerosLike<P extends Params>(tree: P, value = 0): P {
  return unflatten(
    flatten(tree, 'zerosLike').map(([n, t]) => [n, t.backend.full(t.shape, value, t.dtype)] as const),
    tree,
  );
}
