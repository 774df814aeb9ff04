import { mapTrees, zerosLike } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { checkNumber, checkTransformation, cleanOnError, releaseConsumed, stateRecord } from './internal.js';

/** State of {@link multiSteps}. */
export interface MultiStepsState<S extends OptState = OptState> {
  readonly [key: string]: OptState;
  /** Gradients accumulated since the last inner step (0 … k−1). */
  readonly miniStep: number;
  /** Inner steps taken. */
  readonly gradientStep: number;
  /** The running mean of the gradients since the last inner step, per parameter. */
  readonly acc: Params;
  /** The inner transformation's state. */
  readonly inner: S;
}

/**
 * Gradient accumulation (optax's `MultiSteps`): averages the gradients of `k` consecutive calls
 * and applies the inner transformation to the average every `k`-th call; the calls in between
 * return zero updates and leave the inner state as it was. Training with batches of `B` and
 * `k` steps behaves like batches of `k·B` in a fraction of the memory.
 *
 * ```text
 * accₙ = accₙ₋₁ + (gₙ − accₙ₋₁) / n          (n = 1 … k, the running mean)
 * uₙ = 0                                     n < k
 * u_k, s' = inner.update(acc_k, s, params)   then acc ← 0, n ← 0
 * ```
 *
 * Update programs: passes them through. The boundary test is on the host step count, so each
 * step is traced as what it is: an accumulating step (one program adding the gradient into the
 * accumulator, parameters unchanged) or an applying one (the average fed to the inner program).
 *
 * @param inner - The transformation applied to the averaged gradients.
 * @param k - How many calls to accumulate (an integer ≥ 1; 1 is the inner transformation itself).
 * @returns A transformation with state {@link MultiStepsState}.
 *
 * @example
 * ```ts
 * const tx = multiSteps(adam(1e-3), 4);
 * let state = tx.init(params);
 * for (const batch of batches) ({ params, state } = step(tx, params, gradsOf(batch), state));
 * ```
 */
export function multiSteps<S extends OptState>(inner: GradientTransformation<S>, k: number): GradientTransformation<MultiStepsState<S>> {
  checkTransformation(inner, 'multiSteps');
  checkNumber(k, 'k (the number of steps to accumulate)', 'multiSteps', { min: 1, integer: true });
  const name = `multiSteps(${inner.name ?? '?'}, ${k})`;
  return {
    name,
    init(params: Params) {
      const acc = zerosLike(params);
      let innerState: S | undefined;
      cleanOnError(
        [params],
        () => [acc, innerState as OptState],
        () => (innerState = inner.init(params)),
      );
      return { miniStep: 0, gradientStep: 0, acc, inner: innerState as S };
    },
    update(grads: Params, state: MultiStepsState<S>, params?: Params) {
      const rec = stateRecord(state, ['miniStep', 'gradientStep', 'acc', 'inner'], name);
      const n = (rec.miniStep as number) + 1;
      const mean = mapTrees([rec.acc as Params, grads], ([a, g]) => a.backend.add(a, a.backend.div(a.backend.sub(g, a), n)), {
        where: name,
        labels: ["accumulator 'acc'", 'gradient'],
      });
      if (n < k) {
        let zeros: Params | undefined;
        return cleanOnError(
          [grads, state, params],
          () => [mean, zeros],
          () => {
            zeros = zerosLike(grads);
            return [zeros, { miniStep: n, gradientStep: rec.gradientStep as number, acc: mean, inner: rec.inner as S }] as [
              Params,
              MultiStepsState<S>,
            ];
          },
        );
      }
      let updates: Params | undefined;
      let innerState: S | undefined;
      let acc: Params | undefined;
      return cleanOnError(
        [grads, state, params],
        () => [mean, updates, innerState as OptState, acc],
        () => {
          [updates, innerState] = inner.update(mean, rec.inner as S, params);
          acc = zerosLike(grads);
          // The mean was the inner step's input: released unless the inner step kept it.
          releaseConsumed(mean, updates, innerState as OptState);
          return [updates, { miniStep: 0, gradientStep: (rec.gradientStep as number) + 1, acc, inner: innerState }] as [
            Params,
            MultiStepsState<S>,
          ];
        },
      );
    },
  };
}
