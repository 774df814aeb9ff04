import type { Params as BackendParams, Tensor } from '@downhill/backend';

/**
 * A named parameter tree: records and arrays whose leaves are tensors (the one tree type of
 * `@downhill/backend`). The dotted path of a leaf (`encoder.dense1.kernel`, `layers.0.w`) is its
 * name everywhere: in errors, in masks and parameter groups, and in saved state.
 *
 * @example
 * ```ts
 * const params = { dense1: { kernel: w1, bias: b1 }, layers: [{ w: w2 }] } satisfies Params;
 * ```
 */
export type Params = BackendParams;

/** A plain value a transformation's state may hold: tensors, numbers, booleans, strings, and records or arrays of them. */
export type StateValue = Tensor | number | boolean | string | null | readonly StateValue[] | { readonly [key: string]: StateValue };

/**
 * Optimizer state: a small named record per transformation (optax's `ScaleByAdamState(count, mu, nu)`),
 * holding per-parameter trees of tensors and host numbers. Plain data: saved and loaded by name.
 */
export type OptState = StateValue;

/**
 * A gradient transformation, the unit every optimizer is built from (after optax). Pure: `init`
 * and `update` never modify their inputs; `update` returns the updates to add to the parameters
 * and the new state.
 *
 * Ownership: `update` may return new tensors only; the caller releases the tensors of the old
 * state that the new state no longer holds (`releaseReplaced`), and the updates once applied.
 *
 * @example
 * ```ts
 * const tx = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 * let state = tx.init(params);
 * const [updates, next] = tx.update(grads, state, params);
 * params = applyUpdates(params, updates);
 * ```
 */
export interface GradientTransformation<S extends OptState = OptState> {
  /** The initial state for these parameters. */
  init(params: Params): S;
  /** The updates for these gradients, and the next state. `params` is needed by some transforms (weight decay, trust ratios). */
  update(grads: Params, state: S, params?: Params): [Params, S];
  /** A name for error messages (`'adam'`); optional. */
  readonly name?: string;
}

/**
 * A learning rate or other hyperparameter: a number, or a schedule from the step count (0-based)
 * to a number. Any `(step: number) => number` works, so `@downhill/schedulers` is optional.
 */
export type ScalarOrSchedule = number | ((step: number) => number);
