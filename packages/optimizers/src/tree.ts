import { InvalidArgumentError, Tensor, describeValue, flatten, forEachTensor, isPlainRecord, mapTrees } from '@downhill/backend';
import type { Params, StateValue } from './types.js';

// The parameter-tree helpers live in @downhill/backend (one tree module for autograd, layers and
// the optimizers); they are re-exported here so the optimizers' public names stay put.
export { checkTrees, flatten, getLeaf, mapTrees, mapTreesN, unflatten, zerosLike, type TreeCheckOptions } from '@downhill/backend';

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

/**
 * Maps a function over the tensor leaves of one parameter tree (checked, one backend scope per
 * leaf, arrays kept): {@link mapTrees} over one tree.
 *
 * @example
 * ```ts
 * const doubled = mapTree(params, (x) => x.backend.mul(x, 2));
 * ```
 */
export function mapTree<P extends Params>(tree: P, fn: (leaf: Tensor, name: string) => Tensor, where = 'mapTree'): P {
  return mapTrees([tree], ([x], name) => fn(x, name), { where });
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
export function releaseReplaced(
  oldState: StateValue | Params | undefined,
  newState: StateValue | Params | undefined,
  ...keep: (StateValue | Params | undefined)[]
): number {
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
  const v = isPlainRecord(rec) ? rec[key] : undefined;
  if (!isPlainRecord(v) && !Array.isArray(v)) {
    throw new InvalidArgumentError(
      `${where}: expected a state record with a tree '${key}', got ${isPlainRecord(rec) ? `keys [${Object.keys(rec).join(', ')}]` : describeValue(state)}; was this state made by this transformation's init?`,
    );
  }
  return v as Params;
}

/** The number at `key` of a state record (a step count), checked. */
export function stateNumber(state: StateValue, key: string, where: string): number {
  const rec = state as Record<string, unknown> | null;
  const v = isPlainRecord(rec) ? rec[key] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidArgumentError(
      `${where}: expected a number '${key}' in the state, got ${describeValue(v)}; was this state made by this transformation's init?`,
    );
  }
  return v;
}

/**
 * The rank-0 tensor at `key` of a state record (state kept as scalars on the device), checked.
 * Throws InvalidArgumentError naming the transformation and the key otherwise.
 *
 * @internal
 */
export function stateScalar(state: StateValue, key: string, where: string): Tensor {
  const v = (state as Record<string, unknown>)[key] as Tensor | undefined;
  if (!v || typeof v !== 'object' || !('shape' in v) || v.shape.length !== 0)
    throw new InvalidArgumentError(
      `${where}: expected a rank-0 tensor '${key}' in the state; was this state made by this transformation's init?`,
    );
  return v;
}

/**
 * Makes rank-0 tensors on the backend and in the dtype of the first leaf of `params` (for state
 * kept as scalars on the device, such as a distance estimate); `null` for every value when the
 * tree has no leaves.
 *
 * @internal
 */
export function rank0Like(params: Params, where: string): (value: number) => Tensor | null {
  const leaves = flatten(params, where);
  if (leaves.length === 0) return () => null;
  const first = leaves[0][1];
  return (value) => first.backend.scalar(value, first.dtype);
}
