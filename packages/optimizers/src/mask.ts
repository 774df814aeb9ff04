import { InvalidArgumentError, type Tensor } from '@downhill/backend';

/** A tree of booleans mirroring the parameters; a boolean at a subtree applies to every leaf below it. */
export interface MaskTree {
  [name: string]: boolean | MaskTree;
}

/**
 * Which parameters a transformation applies to: a predicate on the dotted name (and the tensor),
 * or a tree of booleans mirroring the parameters (a prefix is enough: `{ encoder: false }`).
 *
 * @example
 * ```ts
 * const noBiases: Mask = (name) => !name.endsWith('bias');
 * const onlyDense: Mask = { dense: true, norm: false };
 * ```
 */
export type Mask = ((name: string, param: Tensor) => boolean) | MaskTree;

/**
 * Whether a mask selects the parameter at a dotted name (every parameter when `mask` is undefined).
 *
 * @throws InvalidArgumentError when a mask tree has no entry for the name, or a predicate returns a non-boolean.
 *
 * @example
 * ```ts
 * maskSelects({ dense: { bias: false } }, 'dense.bias', t, 'adamw'); // false
 * ```
 */
export function maskSelects(mask: Mask | undefined, name: string, param: Tensor, where: string): boolean {
  if (mask === undefined) return true;
  if (typeof mask === 'function') {
    const r = mask(name, param);
    if (typeof r !== 'boolean') throw new InvalidArgumentError(`${where}: the mask predicate returned ${String(r)} for '${name}'; expected true or false`);
    return r;
  }
  let node: boolean | MaskTree | undefined = mask;
  for (const part of name.split('.')) {
    if (typeof node === 'boolean') return node;
    node = node?.[part];
    if (node === undefined) throw new InvalidArgumentError(`${where}: the mask tree has no entry for parameter '${name}'`);
  }
  if (typeof node !== 'boolean') throw new InvalidArgumentError(`${where}: the mask tree holds a subtree, not a boolean, at parameter '${name}'`);
  return node;
}
