import { DTypeError, InvalidArgumentError, ShapeError, Tensor, fmtShape, forEachTensor, shapesEqual } from '@downhill/backend';
import type { Params, StateValue } from './types.js';

/**
 * Whether a value is a tensor leaf (not a subtree).
 *
 * @example
 * ```ts
 * isTensor(backend.zeros([2])); // true
 * ```
 */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

/**
 * The leaves of a parameter tree as `[dottedName, tensor]` pairs, in a stable order: keys sorted
 * at every level (so two trees built in different insertion orders flatten alike).
 *
 * @param tree - A {@link Params} tree.
 * @param where - Who is asking, for error messages.
 * @returns The leaves, sorted by dotted name.
 * @throws InvalidArgumentError when a key is empty or holds a dot, or a leaf is not a tensor.
 *
 * @example
 * ```ts
 * flatten({ b: { k: t1 }, a: t2 }); // [['a', t2], ['b.k', t1]]
 * ```
 */
export function flatten(tree: Params, where = 'flatten'): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  if (!isRecord(tree)) throw new InvalidArgumentError(`${where}: expected a parameter tree (a plain object of tensors), got ${describe(tree)}`);
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const key of Object.keys(node).sort()) {
      if (key === '' || key.includes('.')) {
        throw new InvalidArgumentError(`${where}: parameter key ${JSON.stringify(key)} under '${prefix || '(root)'}' is empty or contains '.'; dotted names are the paths of nested records`);
      }
      const name = prefix ? `${prefix}.${key}` : key;
      const v = node[key];
      if (v instanceof Tensor) out.push([name, v]);
      else if (isRecord(v)) walk(v, name);
      else throw new InvalidArgumentError(`${where}: '${name}' must be a tensor or a record of tensors, got ${describe(v)}`);
    }
  };
  walk(tree as Record<string, unknown>, '');
  return out;
}

/**
 * The tree whose leaves are these `[dottedName, tensor]` pairs: the inverse of {@link flatten}.
 *
 * @example
 * ```ts
 * unflatten([['dense.kernel', w], ['dense.bias', b]]); // { dense: { kernel: w, bias: b } }
 * ```
 */
export function unflatten(entries: Iterable<readonly [string, Tensor]>): Params {
  const root: Params = {};
  for (const [name, t] of entries) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (next === undefined) node = node[parts[i]] = {};
      else if (next instanceof Tensor) throw new InvalidArgumentError(`unflatten: '${parts.slice(0, i + 1).join('.')}' is both a leaf and a subtree`);
      else node = next;
    }
    const last = parts[parts.length - 1];
    if (node[last] !== undefined) throw new InvalidArgumentError(`unflatten: '${name}' appears twice`);
    node[last] = t;
  }
  return root;
}

/** The leaf of a tree at a dotted name, or `undefined`. */
export function getLeaf(tree: Params, name: string): Tensor | undefined {
  let node: Tensor | Params | undefined = tree;
  for (const part of name.split('.')) {
    if (node === undefined || node instanceof Tensor) return undefined;
    node = node[part];
  }
  return node instanceof Tensor ? node : undefined;
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
 * Checks that trees have the reference's (the first tree's) names, shapes and, by default, dtypes,
 * and that no leaf was released. Returns the flattened trees, aligned by name.
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
        throw new ShapeError(`${where}: ${labels[0]} '${name}' has shape ${fmtShape(r.shape)} but its ${labels[k]} has shape ${fmtShape(t.shape)}`);
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
 * the returned tensor survives.
 *
 * @param trees - The trees; the first is the reference for names, shapes and dtypes.
 * @param fn - Called with the leaves at one name, and the name.
 * @returns A tree of the results, named like the reference.
 *
 * @example
 * ```ts
 * const sum = mapTrees([a, b], ([x, y]) => x.backend.add(x, y), { where: 'sum' });
 * ```
 */
export function mapTrees(trees: readonly Params[], fn: (leaves: Tensor[], name: string) => Tensor, options: TreeCheckOptions = {}): Params {
  const rows = checkTrees(trees, options);
  const backend = rows[0]?.[1][0].backend;
  if (!backend) return {};
  return backend.scope(() => unflatten(rows.map(([name, xs]) => [name, xs[0].backend.scope(() => fn(xs, name))] as const)));
}

/**
 * Like {@link mapTrees} for a function returning several tensors per name: returns one tree per
 * output (for example the update and the new moments of Adam).
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
  const rows = checkTrees(trees, options);
  const backend = rows[0]?.[1][0].backend;
  const outs: [string, Tensor][][] = Array.from({ length: outputs }, () => []);
  if (!backend) return outs.map(() => ({}));
  return backend.scope(() => {
    for (const [name, xs] of rows) {
      const r = backend.scope(() => fn(xs, name));
      if (r.length !== outputs) throw new InvalidArgumentError(`mapTreesN: expected ${outputs} outputs for '${name}', got ${r.length}`);
      for (let k = 0; k < outputs; k++) outs[k].push([name, r[k]]);
    }
    return outs.map((o) => unflatten(o));
  });
}

/**
 * Maps a function over the leaves of one tree, in a scope per leaf.
 *
 * @example
 * ```ts
 * const doubled = mapTree(params, (x) => x.backend.mul(x, 2));
 * ```
 */
export function mapTree(tree: Params, fn: (leaf: Tensor, name: string) => Tensor, where = 'mapTree'): Params {
  return mapTrees([tree], ([x], name) => fn(x, name), { where });
}

/**
 * A tree of zeros like `tree` (same names, shapes and dtypes), or filled with `value`.
 *
 * @example
 * ```ts
 * const mu = zerosLike(params);
 * ```
 */
export function zerosLike(tree: Params, value = 0): Params {
  return unflatten(flatten(tree, 'zerosLike').map(([n, t]) => [n, t.backend.full(t.shape, value, t.dtype)] as const));
}

/** Every tensor a state (or any container of tensors) holds, each once. */
export function stateTensors(state: StateValue | Params | undefined): Tensor[] {
  const seen = new Set<Tensor>();
  forEachTensor(state, (t) => seen.add(t));
  return [...seen];
}

/** Calls `fn` on every tensor a state holds, once per handle. */
export function forEachStateTensor(state: StateValue | Params | undefined, fn: (t: Tensor) => void): void {
  for (const t of stateTensors(state)) fn(t);
}

/**
 * Releases the tensors of `oldState` that `newState` (and any container in `keep`) no longer
 * holds: the step after an update, once nothing needs the old state.
 *
 * @param oldState - The state (or parameter tree) before the update.
 * @param newState - The state after it; its tensors stay alive.
 * @param keep - Other containers whose tensors must stay alive.
 * @returns How many tensors were released.
 *
 * @example
 * ```ts
 * const [updates, next] = tx.update(grads, state, params);
 * releaseReplaced(state, next);
 * state = next;
 * ```
 */
export function releaseReplaced(oldState: StateValue | Params | undefined, newState: StateValue | Params | undefined, ...keep: (StateValue | Params | undefined)[]): number {
  const alive = new Set<Tensor>();
  for (const c of [newState, ...keep]) forEachTensor(c, (t) => alive.add(t));
  let n = 0;
  for (const t of stateTensors(oldState)) {
    if (!alive.has(t) && !t.disposed) {
      t.dispose();
      n++;
    }
  }
  return n;
}

/**
 * The record at `key` of a state, checked to be a parameter tree (for transforms reading their
 * own state). Throws InvalidArgumentError naming the transformation when the state has another shape.
 */
export function stateTree(state: StateValue, key: string, where: string): Params {
  const rec = state as Record<string, unknown> | null;
  const v = isRecord(rec) ? rec[key] : undefined;
  if (!isRecord(v)) {
    throw new InvalidArgumentError(`${where}: expected a state record with a tree '${key}', got ${isRecord(rec) ? `keys [${Object.keys(rec).join(', ')}]` : describe(state)}; was this state made by this transformation's init?`);
  }
  return v as Params;
}

/** The number at `key` of a state record (a step count), checked. */
export function stateNumber(state: StateValue, key: string, where: string): number {
  const rec = state as Record<string, unknown> | null;
  const v = isRecord(rec) ? rec[key] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidArgumentError(`${where}: expected a number '${key}' in the state, got ${describe(v)}; was this state made by this transformation's init?`);
  }
  return v;
}
