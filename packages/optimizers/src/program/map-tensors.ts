import { Tensor } from '@downhill/backend';

function isPlainRecord(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a parameter tree or state (plain records and arrays, nested) with every tensor leaf
 * replaced by `fn(leaf, path)`; numbers, strings and other values are kept. The path is the
 * leaf's keys and indices from the root.
 *
 * @internal
 */
export function mapTensors<T>(value: T, fn: (t: Tensor, path: readonly (string | number)[]) => Tensor, path: (string | number)[] = []): T {
  if (value instanceof Tensor) return fn(value, path) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => mapTensors(v, fn, [...path, i])) as T;
  if (!isPlainRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapTensors(v, fn, [...path, k]);
  return out as T;
}

/** The value at a path of a tree or state, or `undefined`. @internal */
export function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let node = value;
  for (const k of path) {
    if (node === null || typeof node !== 'object' || node instanceof Tensor) return undefined;
    node = (node as Record<string | number, unknown>)[k];
  }
  return node;
}
