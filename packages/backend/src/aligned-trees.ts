import { shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';
import { isPlainRecord, type Params } from './tree.js';

/** Trees aligned by {@link alignTrees}: the rows, and a builder of trees of the reference's layout. @internal */
export class AlignedTrees {
  constructor(
    /** Per leaf of the reference, in `flatten`'s order: its dotted name and the leaves of every tree there. */
    readonly rows: [string, Tensor[]][],
    private readonly ref: unknown,
  ) {}

  /** A tree of the reference's layout with one value per row (what `unflatten(rows, reference)` gives). */
  build<T>(values: readonly T[]): Params {
    return make(this.ref, values, { at: 0 }) as Params;
  }
}

/**
 * The leaves of trees that have exactly the same layout (same record keys, same array lengths, no
 * empty branch) with the reference's shapes (and dtypes, when `dtype`), none released, aligned in
 * `flatten`'s order (sorted record keys, arrays in index order), with a builder of trees of the
 * reference's layout that needs no dotted names. `undefined` for anything else: the caller then
 * takes the full check by names, which says what differs.
 *
 * @internal
 */
export function alignTrees(trees: readonly Params[], dtype: boolean): AlignedTrees | undefined {
  const ref = trees[0];
  if (!Array.isArray(ref) && !isPlainRecord(ref)) return undefined;
  const rows: [string, Tensor[]][] = [];
  if (!walk(trees as readonly unknown[], '', dtype, rows)) return undefined;
  return new AlignedTrees(rows, ref);
}

function walk(xs: readonly unknown[], prefix: string, dtype: boolean, rows: [string, Tensor[]][]): boolean {
  const r = xs[0];
  if (r instanceof Tensor) {
    if (r.disposed) return false;
    const leaves: Tensor[] = [r];
    for (let k = 1; k < xs.length; k++) {
      const t = xs[k];
      if (!(t instanceof Tensor) || t.disposed || !shapesEqual(t.shape, r.shape) || (dtype && t.dtype !== r.dtype)) return false;
      leaves.push(t);
    }
    rows.push([prefix, leaves]);
    return true;
  }
  if (Array.isArray(r)) {
    if (r.length === 0) return false;
    for (let k = 1; k < xs.length; k++) if (!Array.isArray(xs[k]) || (xs[k] as unknown[]).length !== r.length) return false;
    for (let i = 0; i < r.length; i++) {
      const sub = new Array<unknown>(xs.length);
      for (let k = 0; k < xs.length; k++) sub[k] = (xs[k] as unknown[])[i];
      if (!walk(sub, prefix === '' ? String(i) : `${prefix}.${i}`, dtype, rows)) return false;
    }
    return true;
  }
  if (!isPlainRecord(r)) return false;
  const keys = Object.keys(r);
  if (keys.length === 0) return false;
  if (keys.length > 1) keys.sort();
  for (let k = 1; k < xs.length; k++) {
    const o = xs[k];
    if (!isPlainRecord(o) || Object.keys(o).length !== keys.length) return false;
  }
  for (const key of keys) {
    if (key === '' || key.includes('.')) return false;
    const sub = new Array<unknown>(xs.length);
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k] as Record<string, unknown>;
      if (!Object.hasOwn(x, key)) return false;
      sub[k] = x[key];
    }
    if (!walk(sub, prefix === '' ? key : `${prefix}.${key}`, dtype, rows)) return false;
  }
  return true;
}

function make<T>(r: unknown, values: readonly T[], cursor: { at: number }): unknown {
  if (r instanceof Tensor) return values[cursor.at++];
  if (Array.isArray(r)) {
    const out = new Array<unknown>(r.length);
    for (let i = 0; i < r.length; i++) out[i] = make(r[i], values, cursor);
    return out;
  }
  const keys = Object.keys(r as object);
  if (keys.length > 1) keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = make((r as Record<string, unknown>)[key], values, cursor);
  return out;
}
