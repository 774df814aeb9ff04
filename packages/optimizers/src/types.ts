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
  /**
   * Optional: one step's host side alone, for `step`'s steady steps. Where a transformation's
   * elementwise ops depend only on the trees' layout (never on the numbers of the step), a step
   * that replays a recorded one needs from `update` only the numbers it passes to those ops and the
   * next state's numbers; `hostStep` computes exactly these, without calling the per-parameter
   * closures, so `step` runs the recorded programs at once.
   *
   * Appends to `context.literals` every number `update` would pass to the backend's ops, in the
   * order it passes them over `context.leaves` parameters (a closure's numbers once per parameter),
   * and to `context.parts` every object whose identity fixes which ops `update` makes (an inner
   * transformation rebuilt for new hyperparameters). Returns the next state with the old state's
   * tensors at the places of the new ones, or `undefined` where it cannot tell (`update` then runs
   * as usual). `step` checks the declaration against `update` on two steps before it trusts it,
   * and again after any change of `parts`, of the trees' layout or of the state's keys.
   */
  hostStep?(state: S, context: HostStepContext): S | undefined;
}

/**
 * What {@link GradientTransformation.hostStep} appends to: the step's numbers and the objects that
 * fix its ops.
 *
 * @example
 * ```ts
 * const context: HostStepContext = { leaves: 1, literals: [], parts: [] };
 * const next = scaleByAdam().hostStep?.({ count: 0, mu: { w }, nu: { w: v } }, context);
 * // context.literals: b1, 1 − b1, b2, 1 − b2, 1/(1 − b1), 1/(1 − b2), eps
 * ```
 */
export interface HostStepContext {
  /** How many parameter tensors the step updates. */
  readonly leaves: number;
  /** The numbers passed to the elementwise ops, in call order. */
  readonly literals: number[];
  /** Objects whose identity pins the ops made (compared by identity between steps). */
  readonly parts: object[];
}

/**
 * A learning rate or other hyperparameter: a number, or a schedule from the step count (0-based)
 * to a number. Any `(step: number) => number` works, so `@downhill/schedulers` is optional.
 */
export type ScalarOrSchedule = number | ((step: number) => number);
