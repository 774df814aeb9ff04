import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { mapTree, mapTrees } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { checkNumber, checkTransformation, cleanOnError, releaseConsumed, stateRecord } from './internal.js';

/** State of {@link lookahead}. */
export interface LookaheadState<S extends OptState = OptState> {
  readonly [key: string]: OptState;
  /** The fast optimizer's state. */
  readonly fast: S;
  /** The slow weights: use these for evaluation (between synchronisations they lag the fast ones). */
  readonly slow: Params;
  /** Fast steps since the last synchronisation (0 … syncPeriod−1). */
  readonly stepsSinceSync: number;
}

/** Options of {@link lookahead}. */
export interface LookaheadOptions {
  /** Fast steps between synchronisations, k (default 5). */
  readonly syncPeriod?: number;
  /** How far the slow weights move towards the fast ones at a synchronisation, α in (0, 1] (default 0.5). */
  readonly slowStepSize?: number;
  /** Re-initialise the fast optimizer's state after each synchronisation (default false). */
  readonly resetState?: boolean;
}

/**
 * Lookahead (Zhang et al. 2019): `k` steps forward with a fast optimizer, then one step back: the
 * slow weights move a fraction `α` of the way to the fast weights, and the fast weights restart
 * from there. The slow weights live in the state; the parameters you hold are the fast weights.
 *
 * ```text
 * every step:        u = fast.update(g)                  (the fast weights become p + u)
 * every k-th step:   slow ← slow + α·(p + u − slow);  u = slow − p   (the fast weights become slow)
 * ```
 *
 * `update` needs `params` (the current fast weights).
 *
 * Update programs: passes them through. The synchronisation every `k` steps is decided on the host
 * step count, so a step is traced as a fast step or as a fast step followed by the slow
 * interpolation, and either is one fused pass per parameter.
 *
 * @param fast - The inner ("fast") optimizer.
 * @param options - {@link LookaheadOptions}: `syncPeriod` k (default 5), `slowStepSize` α (default 0.5), `resetState`.
 * @returns A transformation with state {@link LookaheadState}.
 *
 * @example
 * ```ts
 * const tx = lookahead(adam(1e-3), { syncPeriod: 5, slowStepSize: 0.5 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * const evalParams = (state as LookaheadState).slow;
 * ```
 *
 * Zhang, Lucas, Hinton and Ba, "Lookahead Optimizer: k steps forward, 1 step back" (NeurIPS 2019),
 * https://arxiv.org/abs/1907.08610
 */
export function lookahead<S extends OptState>(
  fast: GradientTransformation<S>,
  options: LookaheadOptions = {},
): GradientTransformation<LookaheadState<S>> {
  const {
    syncPeriod = 5,
    slowStepSize = 0.5,
    resetState = false,
  } = checkOptions('lookahead', options, { syncPeriod: true, slowStepSize: true, resetState: true });
  checkTransformation(fast, 'lookahead');
  checkNumber(syncPeriod, 'syncPeriod', 'lookahead', { min: 1, integer: true });
  checkNumber(slowStepSize, 'slowStepSize', 'lookahead', { min: 0, exclusiveMin: true });
  if (slowStepSize > 1) throw new InvalidArgumentError(`lookahead: slowStepSize must be in (0, 1], got ${slowStepSize}`);
  const name = `lookahead(${fast.name ?? '?'})`;
  return {
    name,
    init(params: Params) {
      // A copy (x·1 keeps -0 and NaN bit for bit): the slow weights must not share storage with the parameters.
      const slow = mapTree(params, (p) => p.backend.mul(p, 1), name);
      let fastState: S | undefined;
      cleanOnError(
        [params],
        () => [slow, fastState as OptState],
        () => (fastState = fast.init(params)),
      );
      return { fast: fastState as S, slow, stepsSinceSync: 0 };
    },
    update(grads: Params, state: LookaheadState<S>, params?: Params) {
      const rec = stateRecord(state, ['fast', 'slow', 'stepsSinceSync'], name);
      if (params === undefined)
        throw new InvalidArgumentError(`${name}: update needs the parameters (the fast weights); call update(grads, state, params)`);
      const steps = (rec.stepsSinceSync as number) + 1;
      let u: Params | undefined;
      let fastState: S | undefined;
      let slow: Params | undefined;
      let synced: Params | undefined;
      return cleanOnError(
        [grads, state, params],
        () => [u, fastState as OptState, slow, synced],
        () => {
          [u, fastState] = fast.update(grads, rec.fast as S, params);
          if (steps < syncPeriod)
            return [u, { fast: fastState, slow: rec.slow as Params, stepsSinceSync: steps }] as [Params, LookaheadState<S>];
          slow = mapTrees(
            [rec.slow as Params, params, u],
            ([s, p, du]) => {
              const b = s.backend;
              return b.add(s, b.mul(b.sub(b.add(p, du.dtype === p.dtype ? du : b.cast(du, p.dtype)), s), slowStepSize));
            },
            { where: name, labels: ["slow weights 'slow'", 'parameter', 'update'], dtype: false },
          );
          synced = mapTrees([slow, params], ([s, p]) => s.backend.sub(s, p), { where: name, labels: ['slow weights', 'parameter'] });
          if (resetState) {
            const fresh = fast.init(params);
            releaseConsumed(fastState as OptState, fresh, rec.fast as OptState);
            fastState = fresh;
          }
          releaseConsumed(u, synced, slow, fastState as OptState);
          return [synced, { fast: fastState, slow, stepsSinceSync: 0 }] as [Params, LookaheadState<S>];
        },
      );
    },
  };
}
