import { Tensor, fmtShape } from '@downhill/backend';
import type { OptState } from '../types.js';

/**
 * The structure of a state, as `{ dottedPath: description }`: tensors by dtype and shape
 * (`float32 [2, 3]`), host values by type (`number`, `boolean`, `string`, `null`, lists of host
 * values as `list`). Two states of one optimizer for one set of parameters have the same structure
 * at every step; that is what makes saved state loadable.
 *
 * @example
 * ```ts
 * stateStructure(adam(1e-3).init({ w }));
 * // { count: 'number', 'inner.0.mu.w': 'float32 [2, 3]', ... }
 * ```
 */
export function stateStructure(state: OptState): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string): void => {
    const at = path || '(root)';
    if (v instanceof Tensor) out[at] = `${v.dtype} ${fmtShape(v.shape)}`;
    else if (v === null) out[at] = 'null';
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[at] = typeof v;
    else if (Array.isArray(v)) {
      if (v.every((x) => x === null || ['number', 'boolean', 'string'].includes(typeof x))) out[at] = 'list';
      else if (v.length === 0) out[at] = 'list';
      else v.forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i)));
    } else if (typeof v === 'object') {
      const keys = Object.keys(v as object);
      if (keys.length === 0) out[at] = 'record {}';
      for (const k of keys) walk((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else out[at] = `not state: ${typeof v}`;
  };
  walk(state, '');
  return out;
}
