import type { FusedHyperparameters, FusedUpdateKind, Tensor } from '@downhill/backend';
import type { OptState, Params } from './types.js';

/**
 * How one update of a transformation runs as a fused backend kernel (see `FusedUpdateKind` in
 * `@downhill/backend`): which kernel, its hyperparameters per parameter, the per-parameter state
 * tensors it reads and writes, and how the next state is built from what the kernel returns.
 *
 * A transformation offers a plan through its optional `fused(state)` method; `step` uses it when
 * the backend declares the kind, and the composed `update` otherwise. The plan must give the same
 * results as `update` followed by `applyUpdates` (within the dtype's rounding), and the same next
 * state (host numbers exactly).
 *
 * @example
 * ```ts
 * const plan = tx.fused?.(state);
 * if (plan && backend.capabilities.fusedUpdates.includes(plan.kind)) {
 *   // one backend.fusedUpdate(plan.kind, { param, grad, state: slots }, plan.hyper(name, param)) per parameter
 * }
 * ```
 */
export interface FusedPlan<S extends OptState = OptState, K extends FusedUpdateKind = FusedUpdateKind> {
  /** The kernel. */
  readonly kind: K;
  /** The kernel's hyperparameters for the parameter at this dotted name (weight-decay masks make them differ). */
  hyper(name: string, param: Tensor): FusedHyperparameters[K];
  /** The per-parameter state trees the kernel reads, in the kernel's order (`[mu, nu]` for `adam`); each mirrors the parameters. */
  readonly slots: readonly Params[];
  /** The next state, given the kernel's new slot trees in the same order. */
  next(slots: Params[]): S;
}
