import { Tensor } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';

/**
 * A named parameter tree of backend tensors: nested records keyed by name, such as
 * `{ encoder: { dense1: { kernel, bias } } }`. The dotted path of a leaf (`encoder.dense1.kernel`)
 * is its name everywhere: in errors, in saved weights, in optimizer state. Structurally the same
 * type as `@downhill/optimizers`' `Params`, so the two interoperate without an import.
 */
export interface Params {
  [name: string]: Tensor | Params;
}

/**
 * A parameter tree whose leaves may also be traced values: what {@link Module.apply} accepts, so
 * the same call works on `model.parameters()` and on the traced tree inside `grad`.
 */
export interface ParamsLike {
  readonly [name: string]: TensorLike | ParamsLike;
}

/** Joins a parent path and a name into a dotted path. @internal */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** Every leaf of a tree with its dotted path, in key order. @internal */
export function leaves(tree: unknown, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (node: unknown, path: string) => {
    if (isRecord(node)) for (const [k, v] of Object.entries(node)) walk(v, joinPath(path, k));
    else out.push([path, node]);
  };
  if (isRecord(tree)) walk(tree, prefix);
  else if (tree !== undefined) out.push([prefix, tree]);
  return out;
}

/** A tree from dotted paths and leaves. @internal */
export function unflatten<T>(rows: readonly (readonly [string, T])[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, leaf] of rows) {
    const parts = path.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = leaf;
  }
  return root;
}

/** Whether `x` is a plain record (a branch of a tree); tensors and traced values are leaves. @internal */
export function isRecord(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || x instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Describes a value for an error message. @internal */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'object' && 'shape' in v && 'dtype' in v) {
    const t = v as { shape: readonly number[]; dtype: string };
    return `a ${v instanceof Tensor ? 'tensor' : 'traced value'} of shape [${t.shape.join(', ')}] (${t.dtype})`;
  }
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return 'a record';
  return `${typeof v} ${String(v)}`;
}
