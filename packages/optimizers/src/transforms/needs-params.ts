import { InvalidArgumentError } from '@downhill/backend';
import type { Params } from '../types.js';

/** The `params` argument of `update`, which this transformation needs; throws a clear error without it. */
export function needParams(params: Params | undefined, where: string): Params {
  if (params === undefined || params === null) {
    throw new InvalidArgumentError(`${where}: update needs the parameters (call update(grads, state, params))`);
  }
  return params;
}
