import { shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';
import { isPlainRecord, type Params } from './tree.js';

/**
 * The leaves of trees that have exactly the same layout (same record keys, same array lengths, no
 * empty branch) with the reference's shapes (and dtypes, when `dtype`), none released, aligned in
 * `flatten`'s order (sorted record keys, arrays in index order), with a function that builds a
 * tree of the reference's layout from one value per leaf (what `unflatten(rows, reference)`
 * gives, without dotted names). `undefined` for anything else: the caller then takes the full
 * check by names, which says what differs.
 *
 * @internal
 */
export function alignTrees(
  trees: readonly Params[],
  dtype: boolean,
): { readonly rows: [string, Tensor[]][]; readonly build: <T>(values: readonly T[]) => Params } | undefined {
  const ref = trees[0];
  if (!Array.isArray(ref) && !isPlainRecord(ref)) return undefined;
  const rows: [string, Tensor[]][] = [];
  const nodes: unknown[] = new Array(trees.length);
  const walk = (xs: unknown[], prefix: string): boolean => {
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
        const sub = xs.map((x) => (x as unknown[])[i]);
        if (!walk(sub, prefix === '' ? String(i) : `${prefix}.${i}`)) return false;
      }
      return true;
    }
    if (!isPlainRecord(r)) return false;
    const keys = Object.keys(r);
    if (keys.length === 0) return false;
    keys.sort();
    for (let k = 1; k < xs.length; k++) {
      const o = xs[k];
      if (!isPlainRecord(o) || Object.keys(o).length !== keys.length) return false;
    }
    for (const key of keys) {
      if (key === '' || key.includes('.')) return false;
      const sub: unknown[] = [];
      for (const x of xs) {
        if (!Object.hasOwn(x as object, key)) return false;
        sub.push((x as Record<string, unknown>)[key]);
      }
      if (!walk(sub, prefix === '' ? key : `${prefix}.${key}`)) return false;
    }
    return true;
  };
  for (let k = 0; k < trees.length; k++) nodes[k] = trees[k];
  if (!walk(nodes, '')) return undefined;
  const build = <T>(values: readonly T[]): Params => {
    let at = 0;
    const make = (r: unknown): unknown => {
      if (r instanceof Tensor) return values[at++];
      if (Array.isArray(r)) return r.map(make);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(r as object).sort()) out[key] = make((r as Record<string, unknown>)[key]);
      return out;
    };
    return make(ref) as Params;
  };
  return { rows, build };
}
