import {
  BackendMismatchError,
  DTypeError,
  InvalidArgumentError,
  Tensor,
  isFloatDType,
  isPlainRecord,
  shapesEqual,
  type Backend,
  type ElementwiseProgram,
  checkOptions,
} from '@downhill/backend';
import { applyUpdates } from './apply-updates.js';
import { FusionUnavailableError } from './program/fusion-unavailable-error.js';
import { runFusedStep } from './program/fused-step.js';
import { ARRAY, OTHER, RECORD, TENSOR, kindOf } from './program/map-tensors.js';
import { checkTrees, unflatten } from './tree.js';
import type { GradientTransformation, OptState, Params } from './types.js';

/** Options of {@link step}. */
export interface StepOptions {
  /**
   * Consume `params` and `state`: write the new values into their storage where the backend can
   * (`capabilities.inPlace`, on the fused path), so the same handles come back; otherwise new
   * handles come back and the old ones are released. Either way, after the call only the returned
   * `params` and `state` are valid, and their tensors are exempt from the caller's scopes
   * (`backend.keep`). Default false: a pure call.
   */
  readonly inPlace?: boolean;
  /**
   * Which path runs. `true`: the update programs, run by the backend's compiled programs
   * (`capabilities.programs`); where the backend has none, a {@link FusionUnavailableError} says so
   * (never a silent fallback). `false`: the composed path (`update` with real tensors, then
   * `applyUpdates`). Default: fused where the backend declares `capabilities.programs`, composed
   * elsewhere.
   */
  readonly fused?: boolean;
}

/** What {@link step} returns. */
export interface StepResult<S extends OptState = OptState, P extends Params = Params> {
  /** The parameters after the update, with the structure and type of the parameters given. */
  readonly params: P;
  /** The optimizer state after the update. */
  readonly state: S;
  /**
   * Which path ran: `'fused'`, the traced update programs through the backend's compiled
   * `runProgram` (one call per program structure over all parameters), or `'composed'`, `update`
   * then `applyUpdates` through the backend's primitives.
   */
  readonly path: 'fused' | 'composed';
}

/**
 * One full optimization step: the new parameters and state from the gradients.
 *
 * ```text
 * updates, state' = tx.update(grads, state, params);   params' = params + updates
 * ```
 *
 * Where the backend compiles elementwise programs (`capabilities.programs`), the update runs fused:
 * `tx.update` is traced with symbolic tensors (every elementwise op the transformations write is
 * recorded, reductions such as a global norm run first and enter as scalars), and the recorded
 * math, `applyUpdates` included, runs as one `backend.runProgram` call per program structure over
 * all parameters (a plain `adam` is one call for the whole model). The same closures run with
 * real tensors on the composed path, so the two paths cannot drift.
 *
 * Checks first: the gradients must have exactly the parameters' names, shapes and (float) dtypes,
 * on one backend, and no tensor may be released; the state is checked by each transformation (and,
 * on the fused path, before any program runs). A call that throws changes nothing: parameters and
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
 * @throws FusionUnavailableError with `fused: true` where the backend compiles no programs.
 *
 * @example
 * ```ts
 * const tx = adam(1e-3);
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state, { inPlace: true }));
 * ```
 */
export function step<S extends OptState, P extends Params = Params>(
  tx: GradientTransformation<S>,
  params: P,
  grads: Params,
  state: S,
  options: StepOptions = {},
): StepResult<S, P> {
  const { inPlace = false, fused } = checkOptions('step', options, { inPlace: true, fused: true });
  const where = tx.name ?? 'step';
  const backend = matchingTrees(params, grads) ?? checkedBackend(where, params, grads);
  if (backend === undefined) {
    const [, next] = tx.update(grads, state, params);
    return { params, state: next, path: 'composed' };
  }
  const gone = released(state);
  if (gone)
    throw new InvalidArgumentError(
      `${where}: the optimizer state holds a released tensor (${gone}); was it consumed by an earlier in-place step?`,
    );

  let result: StepResult<S, P>;
  if (chooseFused(backend, fused, where)) {
    const r = runFusedStep(backend, tx, params, grads, state, inPlace);
    result = { params: r.params as P, state: r.state, path: 'fused' }; // traced and resolved tree by tree: params' structure
  } else result = composedStep(backend, tx, params, grads, state, inPlace);

  if (inPlace) consume(backend, params, state, grads, result);
  return result;
}

/**
 * The backend of a step whose trees are well formed, by the full check (every name, shape and
 * dtype, float parameters, one backend, nothing released), or `undefined` for empty trees; throws
 * the typed error that names what is wrong.
 */
function checkedBackend(where: string, params: Params, grads: Params): Backend | undefined {
  const rows = checkTrees([params, grads], { where, labels: ['parameter', 'gradient'] });
  if (rows.length === 0) return undefined;
  const backend = rows[0][1][0].backend;
  for (const [name, [p, g]] of rows) {
    if (!isFloatDType(p.dtype)) throw new DTypeError(`${where}: parameter '${name}' must be float32 or float64, got ${p.dtype}`);
    for (const [what, t] of [
      ['parameter', p],
      ['gradient', g],
    ] as const) {
      if (t.backend !== backend) {
        const of = what === 'parameter' ? `the parameter '${name}'` : `the gradient of '${name}'`;
        throw new BackendMismatchError(
          `${where}: ${of} lives on backend '${t.backend.label}' but the parameter '${rows[0][0]}' lives on '${backend.label}'; keep one optimizer's tensors on one backend`,
        );
      }
    }
  }
  return backend;
}

/**
 * The common case of {@link checkedBackend} in one walk over both trees, making nothing: the
 * backend when the trees have the same keys, every leaf pair the same shape and one float dtype,
 * all on one backend and none released; `undefined` otherwise (the full check then runs and says
 * what is wrong, so errors are the same whichever way the call goes).
 */
function matchingTrees(params: unknown, grads: unknown): Backend | undefined {
  if (params instanceof Tensor) return undefined; // not a tree: the full check says so
  const found: { backend?: Backend } = {};
  return sameTrees(params, grads, found) ? found.backend : undefined;
}

function sameTrees(p: unknown, g: unknown, found: { backend?: Backend }): boolean {
  if (p instanceof Tensor) {
    if (!(g instanceof Tensor) || p.disposed || g.disposed || p.dtype !== g.dtype || !isFloatDType(p.dtype)) return false;
    const b = (found.backend ??= p.backend);
    return p.backend === b && g.backend === b && shapesEqual(p.shape, g.shape);
  }
  if (Array.isArray(p)) {
    if (!Array.isArray(g) || p.length !== g.length) return false;
    for (let i = 0; i < p.length; i++) if (!sameTrees(p[i], g[i], found)) return false;
    return true;
  }
  if (!isPlainRecord(p) || !isPlainRecord(g) || Array.isArray(g)) return false;
  let n = 0;
  for (const k in p) {
    if (!Object.hasOwn(p, k)) continue;
    if (k === '' || k.includes('.') || !Object.hasOwn(g, k)) return false;
    if (!sameTrees((p as Record<string, unknown>)[k], (g as Record<string, unknown>)[k], found)) return false;
    n++;
  }
  for (const k in g) if (Object.hasOwn(g, k)) n--;
  return n === 0;
}

/**
 * After an in-place step: the old parameters and state that the result no longer holds are
 * released (what releaseReplaced does, in one pass over each tree); the result's tensors are kept.
 */
function consume(backend: Backend, params: Params, state: OptState, grads: Params, result: StepResult<OptState, Params>): void {
  // The common case of an in-place step: every tensor came back at its place, so nothing is released
  // and no set of the live tensors is needed (a step over hundreds of small tensors spent a sixth
  // of its time on that set).
  if (keptInPlace(backend, params, result.params) && keptInPlace(backend, state, result.state)) return;
  // (no closures made per step: this runs on every step)
  const alive = new Set<Tensor>();
  keepAll(backend, result.params, alive);
  keepAll(backend, result.state, alive);
  collect(grads, alive);
  releaseOthers(params, alive);
  releaseOthers(state, alive);
}

// The walks of a step over its trees (plain records and arrays, nested: the plain data a state is),
// in place of `forEachTensor`, which also walks maps and guards against cycles with a set made per
// call: these run on every step.

/** Keeps every tensor of `value` alive past the caller's scopes, and adds it to `alive`. */
function keepAll(backend: Backend, value: unknown, alive: Set<Tensor>): void {
  const kind = kindOf(value);
  if (kind === TENSOR) {
    const t = value as Tensor;
    alive.add(t);
    if (!t.disposed && !t._kept) backend.keep(t);
  } else if (kind === ARRAY) for (const v of value as unknown[]) keepAll(backend, v, alive);
  else if (kind === RECORD) {
    const rec = value as Record<string, unknown>;
    for (const k in rec) if (Object.hasOwn(rec, k)) keepAll(backend, rec[k], alive);
  }
}

/**
 * Whether `now` holds the very tensors of `old` at the same places (and no tensor of `old` is gone),
 * keeping each past the caller's scopes as it goes; false at the first difference (the tensors
 * walked so far stay kept, which the full walk of `consume` does anyway).
 */
function keptInPlace(backend: Backend, old: unknown, now: unknown): boolean {
  const kind = kindOf(now);
  if (kind === TENSOR) {
    if (old !== now) return false;
    const t = now as Tensor;
    if (!t.disposed && !t._kept) backend.keep(t);
    return true;
  }
  if (kind === ARRAY) {
    const a = now as unknown[];
    if (!Array.isArray(old) || old.length !== a.length) return false;
    for (let i = 0; i < a.length; i++) if (!keptInPlace(backend, old[i], a[i])) return false;
    return true;
  }
  if (kind === RECORD) {
    if (kindOf(old) !== RECORD) return false;
    const rec = now as Record<string, unknown>;
    const was = old as Record<string, unknown>;
    let n = 0;
    for (const k in rec) {
      if (!Object.hasOwn(rec, k)) continue;
      if (!Object.hasOwn(was, k) || !keptInPlace(backend, was[k], rec[k])) return false;
      n++;
    }
    for (const k in was) if (Object.hasOwn(was, k)) n--;
    return n === 0;
  }
  // a value that is no tensor and holds none: the same only where the old value held none either
  // (a tensor, or a record or array of them, replaced by a number must be released: the full walk)
  return kindOf(old) === OTHER;
}

/** Adds every tensor of `value` to `alive`. */
function collect(value: unknown, alive: Set<Tensor>): void {
  const kind = kindOf(value);
  if (kind === TENSOR) alive.add(value as Tensor);
  else if (kind === ARRAY) for (const v of value as unknown[]) collect(v, alive);
  else if (kind === RECORD) {
    const rec = value as Record<string, unknown>;
    for (const k in rec) if (Object.hasOwn(rec, k)) collect(rec[k], alive);
  }
}

/** Releases every tensor of `value` not in `alive`. */
function releaseOthers(value: unknown, alive: ReadonlySet<Tensor>): void {
  const kind = kindOf(value);
  if (kind === TENSOR) {
    const t = value as Tensor;
    if (!alive.has(t) && !t.disposed) t.dispose();
  } else if (kind === ARRAY) for (const v of value as unknown[]) releaseOthers(v, alive);
  else if (kind === RECORD) {
    const rec = value as Record<string, unknown>;
    for (const k in rec) if (Object.hasOwn(rec, k)) releaseOthers(rec[k], alive);
  }
}

/** The first released tensor of `value`, if any. */
function released(value: unknown): Tensor | undefined {
  const kind = kindOf(value);
  if (kind === TENSOR) return (value as Tensor).disposed ? (value as Tensor) : undefined;
  if (kind === ARRAY) {
    for (const v of value as unknown[]) {
      const t = released(v);
      if (t) return t;
    }
  } else if (kind === RECORD) {
    const rec = value as Record<string, unknown>;
    for (const k in rec) {
      if (!Object.hasOwn(rec, k)) continue;
      const t = released(rec[k]);
      if (t) return t;
    }
  }
  return undefined;
}

function chooseFused(backend: Backend, fused: boolean | undefined, where: string): boolean {
  if (fused === false) return false;
  if (backend.capabilities.programs) return true;
  if (fused === true) {
    throw new FusionUnavailableError(
      `${where}: fused: true, but backend '${backend.name}' declares no capabilities.programs (it runs elementwise programs only through its primitives); pass fused: false, or leave fused unset to take the composed path where programs are not compiled`,
    );
  }
  return false;
}

/** `p + u`, written into `p` (input 0) by `applyInPlace`. */
const ADD: ElementwiseProgram = Object.freeze({
  inputs: 2,
  scalars: 0,
  nodes: Object.freeze([
    { op: 'input', index: 0 },
    { op: 'input', index: 1 },
    { op: 'binary', fn: 'add', a: 0, b: 1 },
  ] as const),
  outputs: Object.freeze([2]),
});

function composedStep<S extends OptState, P extends Params>(
  backend: Backend,
  tx: GradientTransformation<S>,
  params: P,
  grads: Params,
  state: S,
  inPlace: boolean,
): StepResult<S, P> {
  return backend.scope(() => {
    const [updates, next] = tx.update(grads, state, params);
    const newParams =
      inPlace && backend.capabilities.programs && backend.capabilities.inPlace
        ? applyInPlace(backend, params, updates, tx.name ?? 'step')
        : applyUpdates(params, updates);
    return { params: newParams, state: next, path: 'composed' as const };
  });
}

/** `applyUpdates` writing into the parameters' storage: one program run over every parameter. */
function applyInPlace<P extends Params>(backend: Backend, params: P, updates: Params, where: string): P {
  const rows = checkTrees([params, updates], { where, labels: ['parameter', 'update'], dtype: false });
  const groups = rows.map(([, [p, u]]) => ({ inputs: [p, u.dtype === p.dtype ? u : backend.cast(u, p.dtype)], scalars: [] }));
  const out = backend.runProgram(ADD, groups, { inPlace: [0] });
  return unflatten(
    rows.map(([name], i) => [name, out[i][0]] as const),
    params,
  );
}
