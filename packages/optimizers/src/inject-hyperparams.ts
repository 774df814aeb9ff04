import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { checkNamedHyperparam, checkScalarOrSchedule, resolveScalar } from './hyperparams.js';
import type { GradientTransformation, OptState, ScalarOrSchedule, StateValue } from './types.js';

/**
 * The state of a transformation with injected hyperparameters: the step count, the current
 * hyperparameter values (plain numbers, readable and changeable), which of them were set by hand
 * (a scheduled one set by hand stops following its schedule), and the inner state.
 */
export type InjectHyperparamsState = {
  /** Updates made so far: the step schedules are evaluated at. */
  readonly count: number;
  /** The hyperparameter values in force, as plain numbers. */
  readonly hyperparams: Readonly<Record<string, number>>;
  /** Hyperparameters set by hand, which no longer follow their schedule. */
  readonly overridden: readonly string[];
  /** The state of the inner transformation. */
  readonly inner: OptState;
};

/** A transformation whose hyperparameters live in its state (see {@link withHyperparams}). */
export interface InjectedTransformation extends GradientTransformation<InjectHyperparamsState> {
  /** The names of the hyperparameters held in the state. */
  readonly hyperparamNames: readonly string[];
}

/** Whether a value is the state of an {@link InjectedTransformation}. */
export function isInjectHyperparamsState(x: unknown): x is InjectHyperparamsState {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const s = x as Record<string, unknown>;
  return typeof s.count === 'number' && s.hyperparams !== null && typeof s.hyperparams === 'object' && Array.isArray(s.overridden) && 'inner' in s;
}

/**
 * A transformation whose numeric hyperparameters live in its state, built from a factory of
 * plain numbers (the engine of {@link injectHyperparams}, and of every named optimizer).
 *
 * ```text
 * hₜ[k] = schedule_k(t) if k is scheduled and not overridden, else state.hyperparams[k]
 * updates, inner' = build(hₜ).update(g, inner, params);   state' = (t + 1, hₜ, inner')
 * ```
 *
 * `build` is called with plain numbers at every update, so the inner state's layout must not
 * depend on their values. Fused plans of the built transformation pass through.
 *
 * Update programs: passes them through. The hyperparameters are host numbers read from the state
 * each step and enter the traced program as scalars, so changing one (by a schedule or
 * `setHyperparams`) changes a scalar, not the program: the backend's compiled program is reused.
 *
 * @param name - For error messages (`'adam'`).
 * @param hyper - The hyperparameters: numbers or schedules of the step count.
 * @param build - Makes the inner transformation from numbers.
 * @returns An {@link InjectedTransformation}; its state is an {@link InjectHyperparamsState}.
 *
 * @example
 * ```ts
 * const tx = withHyperparams('mySgd', { lr: 0.1 }, ({ lr }) => scale(-lr));
 * let state = tx.init(params);
 * state = setHyperparams(state, { lr: 0.01 });
 * ```
 */
export function withHyperparams(
  name: string,
  hyper: Readonly<Record<string, ScalarOrSchedule>>,
  build: (h: Readonly<Record<string, number>>) => GradientTransformation<any>,
): InjectedTransformation {
  for (const [k, v] of Object.entries(hyper)) checkScalarOrSchedule(name, k, v);
  const names = Object.keys(hyper);

  const current = (state: InjectHyperparamsState): Record<string, number> => {
    if (!isInjectHyperparamsState(state)) {
      throw new InvalidArgumentError(`${name}: expected a state { count, hyperparams, overridden, inner } made by this optimizer's init`);
    }
    const h: Record<string, number> = {};
    for (const k of names) {
      const v = hyper[k];
      if (typeof v === 'function' && !state.overridden.includes(k)) h[k] = resolveScalar(name, k, v, state.count);
      else {
        const s = state.hyperparams[k];
        if (typeof s !== 'number') throw new InvalidArgumentError(`${name}: the state has no value for hyperparameter '${k}' (it holds ${Object.keys(state.hyperparams).join(', ') || 'none'})`);
        h[k] = s;
      }
    }
    return h;
  };

  return {
    name,
    hyperparamNames: names,
    init(params) {
      const h: Record<string, number> = {};
      for (const k of names) h[k] = resolveScalar(name, k, hyper[k], 0);
      return { count: 0, hyperparams: h, overridden: [], inner: build(h).init(params) };
    },
    update(grads, state, params) {
      const h = current(state);
      const [updates, inner] = build(h).update(grads, state.inner, params);
      return [updates, { count: state.count + 1, hyperparams: h, overridden: state.overridden, inner }];
    },
  };
}

/** Options of {@link injectHyperparams}. */
export interface InjectHyperparamsOptions {
  /** For error messages; defaults to the factory's name. */
  readonly name?: string;
  /**
   * Which options are hyperparameters (besides `lr`, always one). By default, the options whose
   * values are numbers; list an option here to inject it and to let it be a schedule.
   */
  readonly hyperparams?: readonly string[];
}

/**
 * Makes an optimizer factory's hyperparameters readable and changeable mid-training (optax's
 * `inject_hyperparams`): the returned factory takes the same arguments, numbers or schedules,
 * and its state holds `hyperparams: { lr, ... }` as plain numbers, which {@link setHyperparams}
 * changes. A scheduled hyperparameter follows its schedule until set by hand.
 *
 * The named optimizers of this package already hold their hyperparameters this way;
 * `injectHyperparams(adam)` returns a factory that builds `adam` itself.
 *
 * Update programs: passes them through (see {@link withHyperparams}): hyperparameters enter the
 * traced program as scalars, so a schedule never recompiles it.
 *
 * @param factory - `(lr, options) => transformation`, taking plain numbers.
 * @param config - See {@link InjectHyperparamsOptions}.
 * @returns A factory `(lr, options)` that accepts numbers or schedules.
 *
 * @example
 * ```ts
 * const tx = injectHyperparams(adam)(1e-3, { b1: 0.9 });
 * let state = tx.init(params);
 * getHyperparams(state)?.lr; // 0.001
 * state = setHyperparams(state, { lr: 1e-4 });
 * ```
 */
export function injectHyperparams<O extends object>(
  factory: (lr: any, options?: O) => GradientTransformation<any>,
  config: InjectHyperparamsOptions = {},
): (lr: ScalarOrSchedule, options?: { [K in keyof O]?: O[K] | ScalarOrSchedule }) => GradientTransformation<any> {
  checkOptions('injectHyperparams', config, { name: true, hyperparams: true });
  const name = config.name ?? (factory.name || 'injectHyperparams');
  return (lr, options = {}) => {
    const opts = options as Record<string, unknown>;
    const listed = new Set(config.hyperparams ?? []);
    const hyper: Record<string, ScalarOrSchedule> = { lr: checkScalarOrSchedule(name, 'lr', lr) };
    const fixed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opts)) {
      if (listed.has(k) || (config.hyperparams === undefined && typeof v === 'number')) hyper[k] = checkScalarOrSchedule(name, k, v);
      else fixed[k] = v;
    }
    // A factory that already injects (the named optimizers) is used as it is.
    const probe = factory(resolveScalar(name, 'lr', hyper.lr, 0), { ...fixed, ...numbersAt(name, hyper, 0) } as O);
    if ('hyperparamNames' in probe) return factory(lr, options as O);
    return withHyperparams(name, hyper, (h) => {
      const { lr: l, ...rest } = h;
      return factory(l, { ...fixed, ...rest } as O);
    });
  };
}

function numbersAt(where: string, hyper: Record<string, ScalarOrSchedule>, step: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(hyper)) if (k !== 'lr') out[k] = resolveScalar(where, k, v, step);
  return out;
}

/**
 * The current hyperparameters held in a state (the first injected ones found, searching nested
 * states depth-first), or `undefined` when the state holds none.
 *
 * @example
 * ```ts
 * getHyperparams(adam(1e-3).init(params)); // { lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0 }
 * ```
 */
export function getHyperparams(state: StateValue): Readonly<Record<string, number>> | undefined {
  const found = findInject(state);
  return found ? { ...found.hyperparams } : undefined;
}

function findInject(state: unknown): InjectHyperparamsState | undefined {
  if (isInjectHyperparamsState(state)) return state;
  if (state === null || typeof state !== 'object') return undefined;
  for (const v of Array.isArray(state) ? state : Object.values(state)) {
    const f = findInject(v);
    if (f) return f;
  }
  return undefined;
}

/**
 * A new state with some hyperparameters changed (the first injected ones found, as in
 * {@link getHyperparams}). Values are checked against each hyperparameter's range; a scheduled
 * hyperparameter set here stops following its schedule. The old state is not modified; the new
 * one shares its tensors.
 *
 * @throws InvalidArgumentError for a state without hyperparameters, an unknown name, or a value out of range.
 *
 * @example
 * ```ts
 * state = setHyperparams(state, { lr: 1e-4, b1: 0.95 });
 * ```
 */
export function setHyperparams<S extends StateValue>(state: S, values: Readonly<Record<string, number>>): S {
  const found = findInject(state);
  if (!found) throw new InvalidArgumentError('setHyperparams: this state holds no hyperparameters (build the optimizer with injectHyperparams or use a named optimizer)');
  for (const [k, v] of Object.entries(values)) {
    if (!(k in found.hyperparams)) {
      throw new InvalidArgumentError(`setHyperparams: no hyperparameter '${k}'; this optimizer has ${Object.keys(found.hyperparams).join(', ')}`);
    }
    checkNamedHyperparam('setHyperparams', k, v);
  }
  const replaced: InjectHyperparamsState = {
    ...found,
    hyperparams: { ...found.hyperparams, ...values },
    overridden: [...new Set([...found.overridden, ...Object.keys(values)])],
  };
  return replaceNode(state, found, replaced) as S;
}

function replaceNode(node: unknown, target: unknown, replacement: unknown): unknown {
  if (node === target) return replacement;
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    const out = node.map((v) => replaceNode(v, target, replacement));
    return out.some((v, i) => v !== node[i]) ? out : node;
  }
  if (Object.getPrototypeOf(node) !== Object.prototype && Object.getPrototypeOf(node) !== null) return node;
  const rec = node as Record<string, unknown>;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    out[k] = replaceNode(v, target, replacement);
    if (out[k] !== v) changed = true;
  }
  return changed ? out : node;
}
