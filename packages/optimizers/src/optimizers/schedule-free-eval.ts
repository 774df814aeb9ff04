import { InvalidArgumentError, isPlainRecord, Tensor } from '@downhill/backend';
import { flatten, unflatten } from '../tree.js';
import type { OptState, Params } from '../types.js';

/** The schedule-free records of a state (a chain, groups or wrappers may hold one or several). */
function scheduleFreeRecords(state: unknown, out: { b1: number; z: Params }[] = []): { b1: number; z: Params }[] {
  if (Array.isArray(state)) for (const s of state) scheduleFreeRecords(s, out);
  else if (isPlainRecord(state)) {
    const b1 = state.scheduleFreeB1;
    const z = state.z;
    if (typeof b1 === 'number' && (isPlainRecord(z) || Array.isArray(z))) out.push({ b1, z: z as Params });
    else for (const v of Object.values(state)) if (!(v instanceof Tensor)) scheduleFreeRecords(v, out);
  }
  return out;
}

/**
 * Whether a state holds the state of a schedule-free optimizer ({@link scheduleFreeSgd},
 * {@link scheduleFreeAdamw}), anywhere inside chains, parameter groups or wrappers: whether a
 * training loop should evaluate at {@link scheduleFreeEvalParams}.
 *
 * @param state - An optimizer state.
 * @returns `true` where a schedule-free state is found.
 *
 * @example
 * ```ts
 * hasScheduleFreeState(scheduleFreeAdamw(1e-3).init(params)); // true
 * hasScheduleFreeState(adam(1e-3).init(params)); // false
 * ```
 */
export function hasScheduleFreeState(state: OptState): boolean {
  return scheduleFreeRecords(state).length > 0;
}

/**
 * The evaluation view of the parameters of a schedule-free optimizer: the averaged iterate
 * `x = (y − (1 − β)·z) / β`, computed as the reference code's `eval()` does,
 * `x = y + (1 − 1/β)·(z − y)`, from the parameters `y` (the training view, which the optimizer
 * updates) and the base iterate `z` of its state.
 *
 * Use it for test loss and accuracy and for the weights you ship; keep training with `params`.
 * The result holds new tensors for the parameters optimized schedule-free and the very same
 * tensors as `params` for any others (release the new ones with `releaseReplaced(evalParams, params)`).
 *
 * @param state - The optimizer's state (its schedule-free part is found inside chains, groups and wrappers).
 * @param params - The parameters `y` the optimizer updates.
 * @returns The parameters `x`, with the structure of `params`.
 * @throws InvalidArgumentError where the state holds no schedule-free state, or its `z` names a parameter `params` lacks.
 *
 * @example
 * ```ts
 * const tx = scheduleFreeAdamw(2.5e-3);
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * const x = scheduleFreeEvalParams(state, params);
 * // ... evaluate the model at x ...
 * releaseReplaced(x, params);
 * ```
 */
export function scheduleFreeEvalParams<P extends Params>(state: OptState, params: P): P {
  const where = 'scheduleFreeEvalParams';
  const records = scheduleFreeRecords(state);
  if (records.length === 0)
    throw new InvalidArgumentError(`${where}: the state holds no schedule-free state (from scheduleFreeSgd or scheduleFreeAdamw)`);
  const leaves = flatten(params, where);
  const byName = new Map(leaves);
  const eval_ = new Map<string, Tensor>();
  for (const { b1, z } of records) {
    for (const [name, zt] of flatten(z, where)) {
      const y = byName.get(name);
      if (!y || y.shape.join() !== zt.shape.join())
        throw new InvalidArgumentError(
          `${where}: the state's z has '${name}' with shape [${zt.shape.join(', ')}], ${y ? `but the parameter has shape [${y.shape.join(', ')}]` : 'which the parameters lack'}`,
        );
      const b = y.backend;
      eval_.set(
        name,
        b.scope(() => b.add(y, b.mul(b.sub(zt, y), 1 - 1 / b1))),
      );
    }
  }
  return unflatten(
    leaves.map(([name, t]) => [name, eval_.get(name) ?? t] as const),
    params,
  );
}
