import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import { isTraced } from './program/tracing-backend.js';
import { stateTensors } from './tree.js';
import type { GradientTransformation, HostStepContext, OptState, Params } from './types.js';

/**
 * Composes transformations: each one's updates feed the next (optax's `chain`).
 *
 * ```text
 * u₀ = g,  uᵢ, sᵢ' = txᵢ.update(uᵢ₋₁, sᵢ, params),  updates = uₙ
 * ```
 *
 * The state is the array of the components' states, in order. Intermediate updates are released
 * as soon as the next component has consumed them (unless a state holds them).
 *
 * @param txs - The transformations, applied left to right.
 * @returns One transformation.
 *
 * @example
 * ```ts
 * const tx = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 * const state = tx.init(params);
 * const [updates, next] = tx.update(grads, state, params);
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
export function chain(...txs: GradientTransformation<any>[]): GradientTransformation<OptState[]> {
  txs.forEach((tx, i) => {
    if (!tx || typeof tx.init !== 'function' || typeof tx.update !== 'function') {
      throw new InvalidArgumentError(`chain: argument ${i} is not a gradient transformation ({ init, update })`);
    }
  });
  return {
    name: `chain(${txs.map((t) => t.name ?? '?').join(', ')})`,
    init: (params) => txs.map((tx) => tx.init(params)),
    update(grads, state, params) {
      if (!Array.isArray(state) || state.length !== txs.length) {
        throw new InvalidArgumentError(
          `chain: expected a state array of ${txs.length} entries (one per transformation), got ${Array.isArray(state) ? `${state.length}` : typeof state}`,
        );
      }
      const next: OptState[] = [];
      let updates: Params = grads;
      // While step traces the update, intermediates are recorded ops, not storage: nothing to release.
      if (isTraced(grads)) {
        for (let i = 0; i < txs.length; i++) {
          const [u, s] = txs[i].update(updates, state[i], params);
          next.push(s);
          updates = u;
        }
        return [updates, next];
      }
      // The caller's tensors: never released here.
      const inputs = new Set<Tensor>([...stateTensors(grads), ...stateTensors(params), ...stateTensors(state)]);
      try {
        for (let i = 0; i < txs.length; i++) {
          const [u, s] = txs[i].update(updates, state[i], params);
          next.push(s);
          if (updates !== grads) {
            // The previous intermediate updates are consumed: release those no state or output holds.
            const alive = new Set<Tensor>([...stateTensors(next), ...stateTensors(u)]);
            for (const t of stateTensors(updates)) if (!inputs.has(t) && !alive.has(t)) t.dispose();
          }
          updates = u;
        }
      } catch (e) {
        // A failed call leaves nothing behind: release what this call made.
        for (const t of [...stateTensors(updates), ...stateTensors(next)]) if (!inputs.has(t)) t.dispose();
        throw e;
      }
      return [updates, next];
    },
    // Declared where every component declares: each maps the same parameters, one after the other.
    ...(txs.every((tx) => tx.hostStep)
      ? {
          hostStep(state: OptState[], context: HostStepContext): OptState[] | undefined {
            if (!Array.isArray(state) || state.length !== txs.length) return undefined;
            const next: OptState[] = [];
            for (let i = 0; i < txs.length; i++) {
              const s = txs[i].hostStep!(state[i], context);
              if (s === undefined) return undefined;
              next.push(s);
            }
            return next;
          },
        }
      : {}),
  };
}
