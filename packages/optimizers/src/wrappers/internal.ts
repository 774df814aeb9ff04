import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import { flatten, stateTensors, unflatten } from '../tree.js';
import type { GradientTransformation, OptState, Params, StateValue } from '../types.js';

/**
 * A new handle on the same storage (no copy): what a wrapper returns for an update it passes
 * through unchanged, since `update` returns new tensors only.
 */
export function alias(t: Tensor): Tensor {
  return t.backend.reshape(t, t.shape);
}

/** The subtree of `entries` whose names are in `names` (an empty record when none). */
export function pick(entries: readonly (readonly [string, Tensor])[], names: ReadonlySet<string>): Params {
  return unflatten(entries.filter(([n]) => names.has(n)));
}

/** The flattened leaves of a tree, or `undefined` for `undefined`. */
export function leavesOf(tree: Params | undefined, where: string): [string, Tensor][] | undefined {
  return tree === undefined ? undefined : flatten(tree, where);
}

/**
 * Runs `body`; when it throws, releases every tensor that `made()` holds and `inputs` does not,
 * then rethrows: a failed call leaves nothing behind.
 */
export function cleanOnError<T>(
  inputs: readonly (StateValue | Params | undefined)[],
  made: () => readonly (StateValue | Params | undefined)[],
  body: () => T,
): T {
  try {
    return body();
  } catch (e) {
    const keep = new Set<Tensor>();
    for (const c of inputs) for (const t of stateTensors(c)) keep.add(t);
    for (const c of made()) for (const t of stateTensors(c)) if (!keep.has(t) && !t.disposed) t.dispose();
    throw e;
  }
}

/** Releases the tensors of `consumed` that none of `keep` holds (intermediates a wrapper made and used up). */
export function releaseConsumed(consumed: StateValue | Params | undefined, ...keep: (StateValue | Params | undefined)[]): void {
  const alive = new Set<Tensor>();
  for (const c of keep) for (const t of stateTensors(c)) alive.add(t);
  for (const t of stateTensors(consumed)) if (!alive.has(t) && !t.disposed) t.dispose();
}

/** Throws unless `tx` has the shape of a gradient transformation. */
export function checkTransformation(tx: unknown, where: string): asserts tx is GradientTransformation {
  const t = tx as GradientTransformation | null;
  if (!t || typeof t !== 'object' || typeof t.init !== 'function' || typeof t.update !== 'function') {
    throw new InvalidArgumentError(`${where}: expected a gradient transformation { init, update }, got ${t === null ? 'null' : typeof t}`);
  }
}

/** The record a wrapper keeps as state, checked on the way in. */
export function stateRecord(state: OptState, keys: readonly string[], where: string): Record<string, OptState> {
  const rec = state as Record<string, OptState> | null;
  if (!rec || typeof rec !== 'object' || Array.isArray(rec) || keys.some((k) => !(k in rec))) {
    const got =
      rec && typeof rec === 'object' && !Array.isArray(rec)
        ? `keys [${Object.keys(rec).join(', ')}]`
        : Array.isArray(rec)
          ? 'an array'
          : String(rec);
    throw new InvalidArgumentError(
      `${where}: expected a state with keys [${keys.join(', ')}], got ${got}; was this state made by this wrapper's init?`,
    );
  }
  return rec;
}

/** Throws unless `v` is a finite number at least `min` (and an integer when `integer`). */
export function checkNumber(
  v: unknown,
  what: string,
  where: string,
  { min = -Infinity, integer = false, exclusiveMin = false } = {},
): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || (exclusiveMin ? v <= min : v < min)) {
    throw new InvalidArgumentError(
      `${where}: ${what} must be a${integer ? 'n integer' : ' finite number'} ${exclusiveMin ? '>' : '≥'} ${min}, got ${typeof v === 'number' ? v : typeof v}`,
    );
  }
  return v;
}
