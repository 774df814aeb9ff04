import {
  BackendMismatchError,
  DTypeError,
  InvalidArgumentError,
  fusedStateCount,
  isFloatDType,
  type Backend,
  type FusedHyperparameters,
  type Tensor,
} from '@downhill/backend';
import { applyUpdates } from './apply-updates.js';
import type { FusedPlan } from './fused-plan.js';
import { checkTrees, releaseReplaced, stateTensors, unflatten } from './tree.js';
import type { GradientTransformation, OptState, Params } from './types.js';

/** Options of {@link step}. */
export interface StepOptions {
  /**
   * Consume `params` and `state`: write the new values into their storage where the backend can
   * (`capabilities.inPlace`), so the same handles come back; otherwise new handles come back and
   * the old ones are released. Either way, after the call only the returned `params` and `state`
   * are valid, and their tensors are exempt from the caller's scopes (`backend.keep`). Default
   * false: a pure call.
   */
  readonly inPlace?: boolean;
  /** Use the transformation's fused kernel where the backend offers it (default true); false forces the composed path. */
  readonly fused?: boolean;
}

/** What {@link step} returns. */
export interface StepResult<S extends OptState = OptState> {
  /** The parameters after the update. */
  readonly params: Params;
  /** The optimizer state after the update. */
  readonly state: S;
  /** Which path ran: one fused kernel per parameter, or `update` then `applyUpdates`. */
  readonly path: 'fused' | 'composed';
}

const ADD: FusedHyperparameters['sgd'] = { lr: -1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 };

/**
 * One full optimization step: the new parameters and state from the gradients.
 *
 * ```text
 * updates, state' = tx.update(grads, state, params);   params' = params + updates
 * ```
 *
 * Where the transformation has a fused form (`tx.fused`) and the backend declares its kind, runs
 * one fused kernel per parameter instead, with the same results.
 *
 * Checks first: the gradients must have exactly the parameters' names, shapes and (float) dtypes,
 * on one backend, and no tensor may be released; the state is checked by each transformation (and,
 * on the fused path, before any kernel runs). A call that throws changes nothing: parameters and
 * state are as they were, and nothing it made stays alive.
 *
 * Ownership: `grads` are the caller's, never modified or released. In a pure call (the default),
 * `params` and `state` are untouched too; the result may share tensors with the old state (parts
 * that did not change), so release old values with `releaseReplaced(old, new)`. With `inPlace`,
 * `params` and `state` are consumed (see {@link StepOptions.inPlace}): a training loop holds only
 * what the call returns.
 *
 * @param tx - The optimizer.
 * @param params - The parameters.
 * @param grads - Gradients with the parameters' names, shapes and dtypes.
 * @param state - The optimizer state (from `tx.init(params)` or the previous step).
 * @param options - See {@link StepOptions}.
 * @returns The new parameters and state, and which path ran.
 *
 * @example
 * ```ts
 * const tx = adam(1e-3);
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state, { inPlace: true }));
 * ```
 */
export function step<S extends OptState>(
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
  options: StepOptions = {},
): StepResult<S> {
  const { inPlace = false, fused = true } = options;
  const where = tx.name ?? 'step';
  const rows = checkTrees([params, grads], { where, labels: ['parameter', 'gradient'] });
  if (rows.length === 0) {
    const [, next] = tx.update(grads, state, params);
    return { params, state: next, path: 'composed' };
  }
  const backend = rows[0][1][0].backend;
  for (const [name, [p, g]] of rows) {
    if (!isFloatDType(p.dtype)) throw new DTypeError(`${where}: parameter '${name}' must be float32 or float64, got ${p.dtype}`);
    for (const [what, t] of [['parameter', p], ['gradient', g]] as const) {
      if (t.backend !== backend) {
        const of = what === 'parameter' ? `the parameter '${name}'` : `the gradient of '${name}'`;
        throw new BackendMismatchError(`${where}: ${of} lives on backend '${t.backend.label}' but the parameter '${rows[0][0]}' lives on '${backend.label}'; keep one optimizer's tensors on one backend`);
      }
    }
  }
  for (const t of stateTensors(state)) {
    if (t.disposed) throw new InvalidArgumentError(`${where}: the optimizer state holds a released tensor (${t}); was it consumed by an earlier in-place step?`);
  }

  const plan = fused && tx.fused ? tx.fused(state) : undefined;
  const result =
    plan && backend.capabilities.fusedUpdates.includes(plan.kind)
      ? fusedStep(backend, plan, rows, where, inPlace)
      : composedStep(backend, tx, params, grads, state, inPlace);

  if (inPlace) {
    releaseReplaced(params, result.params, result.state, grads);
    releaseReplaced(state, result.state, result.params, grads);
    for (const t of [...stateTensors(result.params), ...stateTensors(result.state)]) if (!t.disposed) backend.keep(t);
  }
  return result;
}

function fusedStep<S extends OptState>(
  backend: Backend,
  plan: FusedPlan<S>,
  rows: [string, Tensor[]][],
  where: string,
  inPlace: boolean,
): StepResult<S> {
  const params = unflatten(rows.map(([n, [p]]) => [n, p] as const));
  const slotLabels = plan.slots.map((_, i) => `optimizer state (${plan.kind} slot ${i})`);
  const slotRows = checkTrees([params, ...plan.slots], { where, labels: ['parameter', ...slotLabels] });
  const hypers = rows.map(([name, [p]]) => {
    const h = plan.hyper(name, p);
    for (const [k, v] of Object.entries(h)) {
      if (typeof v !== 'number' || Number.isNaN(v)) throw new InvalidArgumentError(`${where}: fused hyperparameter '${k}' for '${name}' is ${String(v)}`);
    }
    const count = fusedStateCount(plan.kind, h);
    if (count !== plan.slots.length) {
      throw new InvalidArgumentError(`${where}: the '${plan.kind}' kernel needs ${count} state tensors per parameter, the plan gives ${plan.slots.length}`);
    }
    return h;
  });
  const out = backend.scope(() =>
    rows.map(([name, [p, g]], i) => {
      const r = backend.fusedUpdate(plan.kind, { param: p, grad: g, state: slotRows[i][1].slice(1) }, hypers[i], { inPlace });
      return [name, r] as const;
    }),
  );
  const newParams = unflatten(out.map(([n, r]) => [n, r.param] as const));
  const newSlots = plan.slots.map((_, k) => unflatten(out.map(([n, r]) => [n, r.state[k]] as const)));
  return { params: newParams, state: plan.next(newSlots), path: 'fused' };
}

function composedStep<S extends OptState>(
  backend: Backend,
  tx: GradientTransformation<S>,
  params: Params,
  grads: Params,
  state: S,
  inPlace: boolean,
): StepResult<S> {
  const where = tx.name ?? 'step';
  return backend.scope(() => {
    const [updates, next] = tx.update(grads, state, params);
    const rows = checkTrees([params, updates], { where, labels: ['parameter', 'update'], dtype: false });
    let newParams: Params;
    // In place: p ← p − (−1)·u through the fused 'sgd' kernel, exact in floating point.
    if (inPlace && backend.capabilities.inPlace && backend.capabilities.fusedUpdates.includes('sgd')) {
      newParams = unflatten(
        rows.map(([name, [p, u]]) => {
          const np = u.dtype === p.dtype ? backend.fusedUpdate('sgd', { param: p, grad: u, state: [] }, ADD, { inPlace: true }).param : backend.add(p, backend.cast(u, p.dtype));
          return [name, np] as const;
        }),
      );
    } else newParams = applyUpdates(params, updates);
    return { params: newParams, state: next, path: 'composed' as const };
  });
}
