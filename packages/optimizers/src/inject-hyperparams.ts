import { DownhillError, InvalidArgumentError, checkOptions } from '@downhill/backend';
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
  return (
    typeof s.count === 'number' &&
    s.hyperparams !== null &&
    typeof s.hyperparams === 'object' &&
    Array.isArray(s.overridden) &&
    'inner' in s
  );
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
 * `build` is called with plain numbers, again whenever a value changes (a schedule's step, a
 * value set by hand; not at every update), so the inner state's layout must not depend on their
 * values, and the transformation it returns must be reusable across updates (as every
 * transformation is). Fused plans of the built transformation pass through.
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
  // biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
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
        if (typeof s !== 'number')
          throw new InvalidArgumentError(
            `${name}: the state has no value for hyperparameter '${k}' (it holds ${Object.keys(state.hyperparams).join(', ') || 'none'})`,
          );
        h[k] = s;
      }
    }
    return h;
  };

  // The inner transformation of the latest values: rebuilt only when a value changes (a schedule,
  // setHyperparams), not at every step, so a constant configuration costs no rebuild.
  let last: { values: number[]; tx: GradientTransformation<OptState> } | undefined;
  const built = (h: Readonly<Record<string, number>>): GradientTransformation<OptState> => {
    if (last !== undefined) {
      let same = true;
      for (let i = 0; i < names.length; i++) {
        if (!Object.is(last.values[i], h[names[i]])) {
          same = false;
          break;
        }
      }
      if (same) return last.tx;
    }
    const tx = build(h);
    last = { values: names.map((k) => h[k]), tx };
    return tx;
  };

  return {
    name,
    hyperparamNames: names,
    init(params) {
      const h: Record<string, number> = {};
      for (const k of names) h[k] = resolveScalar(name, k, hyper[k], 0);
      return { count: 0, hyperparams: h, overridden: [], inner: built(h).init(params) };
    },
    update(grads, state, params) {
      const h = current(state);
      const [updates, inner] = built(h).update(grads, state.inner, params);
      return [updates, { count: state.count + 1, hyperparams: h, overridden: state.overridden, inner }];
    },
    hostStep(state, context) {
      const h = current(state);
      const tx = built(h);
      // The inner transformation fixes the ops (rebuilt when a value changes): a part.
      context.parts.push(tx);
      const inner = tx.hostStep?.(state.inner, context);
      return inner === undefined ? undefined : { count: state.count + 1, hyperparams: h, overridden: state.overridden, inner };
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
  // biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
  factory: (lr: any, options?: O) => GradientTransformation<any>,
  config: InjectHyperparamsOptions = {},
  // biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
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
 * Several injected hyperparameter sets in one state (parameter groups: `multiTransform` of named
 * optimizers), read or written without saying which group. Name the group:
 * `setHyperparams(state, { lr }, { group: 'decay' })`, `opt.hyperparams.groups.decay.lr`.
 *
 * @example
 * ```ts
 * try { opt.hyperparams.lr = 1; } catch (e) { if (e instanceof AmbiguousHyperparameterError) console.log(e.groups); }
 * ```
 */
export class AmbiguousHyperparameterError extends DownhillError {
  /** The groups the state holds. */
  readonly groups: readonly string[];
  constructor(message: string, groups: readonly string[]) {
    super('AMBIGUOUS_HYPERPARAMETER', message);
    this.groups = groups;
  }
}

/**
 * The injected hyperparameter sets of a state by group name: the dotted path of record keys to
 * each (array positions of chains left out while that keeps names distinct; `''` for the root).
 * An injected set inside another belongs to the outer one.
 */
function findGroups(state: unknown): Map<string, InjectHyperparamsState> {
  const found: [string[], string[], InjectHyperparamsState][] = [];
  const walk = (node: unknown, keys: string[], full: string[]): void => {
    if (isInjectHyperparamsState(node)) {
      found.push([keys, full, node]);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, keys, [...full, String(i)]));
    else for (const [k, v] of Object.entries(node)) walk(v, [...keys, k], [...full, k]);
  };
  walk(state, [], []);
  const short = found.map(([k]) => k.join('.'));
  const distinct = new Set(short).size === short.length;
  return new Map(found.map(([k, f, n]) => [distinct ? k.join('.') : f.join('.'), n]));
}

/**
 * The hyperparameters of each parameter group a state holds, by group name (see
 * {@link setHyperparams}); one entry, named `''`, for an optimizer without groups.
 *
 * @example
 * ```ts
 * hyperparamGroups(multiTransform({ decay: adamw(1e-3), noDecay: adam(1e-3) }, labels).init(params));
 * // { decay: { lr: 0.001, ... }, noDecay: { lr: 0.001, ... } }
 * ```
 */
export function hyperparamGroups(state: StateValue): Record<string, Readonly<Record<string, number>>> {
  return Object.fromEntries([...findGroups(state)].map(([g, n]) => [g, { ...n.hyperparams }]));
}

/**
 * The current hyperparameters held in a state, or `undefined` when the state holds none.
 *
 * @throws {@link AmbiguousHyperparameterError} when the state holds several groups (use
 *   {@link hyperparamGroups}).
 *
 * @example
 * ```ts
 * getHyperparams(adam(1e-3).init(params)); // { lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0 }
 * ```
 */
export function getHyperparams(state: StateValue): Readonly<Record<string, number>> | undefined {
  const groups = findGroups(state);
  if (groups.size > 1) throw ambiguous('getHyperparams', [...groups.keys()], 'read');
  const found = [...groups.values()][0];
  return found ? { ...found.hyperparams } : undefined;
}

function ambiguous(where: string, groups: string[], what: string): AmbiguousHyperparameterError {
  return new AmbiguousHyperparameterError(
    `${where}: this state holds ${groups.length} parameter groups with their own hyperparameters (${groups.map((g) => `'${g}'`).join(', ')}); name the group to ${what} (setHyperparams(state, values, { group: '${groups[0]}' }), opt.hyperparams.groups.${groups[0]}.lr)`,
    groups,
  );
}

/** Options of {@link setHyperparams}. */
export interface SetHyperparamsOptions {
  /** The parameter group to change (see {@link hyperparamGroups}); required when the state has several. */
  readonly group?: string;
}

/**
 * A new state with some hyperparameters changed. A state with parameter groups (`multiTransform`
 * of named optimizers, each with its own hyperparameters) needs `{ group }`: a write that does not
 * name one is refused with {@link AmbiguousHyperparameterError} rather than changing one group. Values are checked against each hyperparameter's range; a scheduled
 * hyperparameter set here stops following its schedule. The old state is not modified; the new
 * one shares its tensors.
 *
 * @throws InvalidArgumentError for a state without hyperparameters, an unknown name or group, or a value out of range;
 *   {@link AmbiguousHyperparameterError} for a state with several groups and no `group`.
 *
 * @example
 * ```ts
 * state = setHyperparams(state, { lr: 1e-4, b1: 0.95 });
 * state = setHyperparams(groupedState, { lr: 1e-4 }, { group: 'decay' });
 * ```
 */
export function setHyperparams<S extends StateValue>(
  state: S,
  values: Readonly<Record<string, number>>,
  options: SetHyperparamsOptions = {},
): S {
  const { group } = checkOptions('setHyperparams', options, { group: true });
  const groups = findGroups(state);
  if (groups.size === 0)
    throw new InvalidArgumentError(
      'setHyperparams: this state holds no hyperparameters (build the optimizer with injectHyperparams or use a named optimizer)',
    );
  let found: InjectHyperparamsState;
  if (group !== undefined) {
    const g = groups.get(group);
    if (!g)
      throw new InvalidArgumentError(
        `setHyperparams: no parameter group '${group}'; this state has ${[...groups.keys()].map((k) => `'${k}'`).join(', ')}`,
      );
    found = g;
  } else if (groups.size > 1) throw ambiguous('setHyperparams', [...groups.keys()], 'change');
  else found = [...groups.values()][0];
  for (const [k, v] of Object.entries(values)) {
    if (!(k in found.hyperparams)) {
      throw new InvalidArgumentError(
        `setHyperparams: no hyperparameter '${k}'; this optimizer has ${Object.keys(found.hyperparams).join(', ')}`,
      );
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
