import { Tensor } from '@downhill/backend';

function isPlainRecord(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a parameter tree or state (plain records and arrays, nested) with every tensor leaf
 * replaced by `fn(leaf, path)`; numbers, strings and other values are kept. The path is the
 * leaf's keys and indices from the root; it is reused between calls (copy it to keep it).
 *
 * @internal
 */
export function mapTensors<T>(value: T, fn: (t: Tensor, path: readonly (string | number)[]) => Tensor, options: MapTensorsOptions = {}): T {
  return walk(value, fn, options, []) as T;
}

function walk(
  value: unknown,
  fn: (t: Tensor, path: readonly (string | number)[]) => Tensor,
  options: MapTensorsOptions,
  path: (string | number)[],
): unknown {
  if (value instanceof Tensor) return fn(value, path);
  if (value === null || typeof value !== 'object') return value;
  let out: object;
  if (Array.isArray(value)) {
    const arr = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      arr[i] = walk(value[i], fn, options, path);
      path.pop();
    }
    out = arr;
  } else if (!isPlainRecord(value)) return value;
  else {
    const rec: Record<string, unknown> = {};
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      path.push(k);
      rec[k] = walk((value as Record<string, unknown>)[k], fn, options, path);
      path.pop();
    }
    out = rec;
  }
  const before = options.origins?.get(value);
  if (before !== undefined && sameEntries(out, before)) return before;
  options.made?.set(out, value);
  return out;
}

/** Options of {@link mapTensors}. @internal */
export interface MapTensorsOptions {
  /** Records each new container with the container it was made from. */
  readonly made?: Map<object, object>;
  /** Containers made from these: where the mapped entries are the original's, the original comes back (so identity survives a round trip). */
  readonly origins?: ReadonlyMap<object, object>;
}

function sameEntries(a: object, b: object): boolean {
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && ra[k] === rb[k]);
}

/**
 * Calls `fn` on every tensor leaf of a tree or state (plain records and arrays, nested, walked as
 * {@link mapTensors} walks them) with the value at the same place in `like` (another tree of the
 * same layout, or anything: `undefined` where it has no such place). Makes nothing.
 *
 * @internal
 */
export function forEachTensorWith(value: unknown, like: unknown, fn: (t: Tensor, old: unknown) => void): void {
  if (value instanceof Tensor) {
    fn(value, like);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const other =
    like !== null && typeof like === 'object' && !(like instanceof Tensor) ? (like as Record<string | number, unknown>) : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) forEachTensorWith(value[i], other?.[i], fn);
  } else if (isPlainRecord(value)) {
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      forEachTensorWith((value as Record<string, unknown>)[k], other?.[k], fn);
    }
  }
}

/**
 * A copy of a tree or state with every tensor leaf replaced by `fn(leaf)`, in the order
 * {@link mapTensors} walks; a container whose entries all come back the same is returned itself.
 *
 * @internal
 */
export function replaceTensors<T>(value: T, fn: (t: Tensor) => Tensor): T {
  return replaceWalk(value, fn) as T;
}

function replaceWalk(value: unknown, fn: (t: Tensor) => Tensor): unknown {
  const kind = kindOf(value);
  if (kind === TENSOR) return fn(value as Tensor);
  if (kind === OTHER) return value;
  if (kind === ARRAY) {
    const arr = value as unknown[];
    let out: unknown[] | undefined;
    for (let i = 0; i < arr.length; i++) {
      const v = replaceWalk(arr[i], fn);
      if (v !== arr[i] && out === undefined) out = arr.slice(0, i);
      if (out !== undefined) out.push(v);
    }
    return out ?? value;
  }
  let rec: Record<string, unknown> | undefined;
  const src = value as Record<string, unknown>;
  for (const k in src) {
    if (!Object.hasOwn(src, k)) continue;
    const v = replaceWalk(src[k], fn);
    if (v !== src[k] && rec === undefined) {
      rec = {};
      for (const j in src) {
        if (j === k) break;
        if (Object.hasOwn(src, j)) rec[j] = src[j];
      }
    }
    if (rec !== undefined) rec[k] = v;
  }
  return rec ?? value;
}

/** What {@link kindOf} says a value of a tree is: anything else, an array, a plain record, a tensor. @internal */
export const OTHER = 0;
/** @internal */
export const ARRAY = 1;
/** @internal */
export const RECORD = 2;
/** @internal */
export const TENSOR = 3;

/**
 * What a value of a tree or state is: a plain record, an array, a tensor (of any copy of
 * `@downhill/backend`), or anything else. Containers are told apart before the tensor check
 * (`Tensor[Symbol.hasInstance]` looks a symbol up), which the walks that run every step then make
 * on tensors only.
 *
 * @internal
 */
export function kindOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return OTHER;
  if (Array.isArray(v)) return ARRAY;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return RECORD;
  return v instanceof Tensor ? TENSOR : OTHER;
}
