import { DTypeError, InvalidArgumentError, ShapeError, getLeaf, shapesEqual, type Shape, type Tensor } from '@downhill/backend';
import type { Params } from '../types.js';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * The entry of parameter `name` in a per-parameter state tree whose tensors do not have the
 * parameter's shape (a rank-0 norm, per-axis accumulators), checked: present, of `shape`, of the
 * parameter's dtype, not released. Throws a typed error naming the transformation, the state key
 * and the parameter.
 *
 * @internal
 */
export function stateLeaf(where: string, tree: Params, key: string, name: string, shape: Shape, like: Tensor): Tensor {
  const t = getLeaf(tree, name);
  if (!t)
    throw new InvalidArgumentError(`${where}: state '${key}' has no entry for parameter '${name}' (was it made for other parameters?)`);
  if (!shapesEqual(t.shape, shape))
    throw new ShapeError(
      `${where}: state '${key}' of parameter '${name}' has shape ${fmt(t.shape)}, expected ${fmt(shape)} for a parameter of shape ${fmt(like.shape)}`,
    );
  if (t.dtype !== like.dtype)
    throw new DTypeError(`${where}: state '${key}' of parameter '${name}' has dtype ${t.dtype}, expected ${like.dtype}`);
  if (t.disposed) throw new InvalidArgumentError(`${where}: state '${key}' of parameter '${name}' was released`);
  return t;
}

/**
 * Throws when a per-parameter state tree names parameters the gradients do not (the state of
 * other parameters).
 *
 * @internal
 */
export function noExtraEntries(
  where: string,
  key: string,
  entries: readonly (readonly [string, unknown])[],
  names: ReadonlySet<string>,
): void {
  const extra = entries.map(([n]) => n).filter((n) => !names.has(n));
  if (extra.length)
    throw new InvalidArgumentError(
      `${where}: state '${key}' holds entries for ${extra.map((n) => `'${n}'`).join(', ')}, which the gradients do not name`,
    );
}
