import { InvalidArgumentError, type Backend, checkOptions } from '@downhill/backend';
import { getHyperparams, hyperparamGroups, setHyperparams } from '../inject-hyperparams.js';
import { createOptimizer, optimizerNameOf, type OptimizerOptions } from '../plugins/registry.js';
import { step as functionalStep } from '../step.js';
import { flatten, releaseReplaced, stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import {
  STATE_FORMAT,
  STATE_FORMAT_VERSION,
  StateMismatchError,
  checkHeader,
  encodeState,
  type OptimizerStateDict,
  type ParamSpec,
} from './state-format.js';
import { checkStateValues } from './state-check.js';
import { checkParamSpecs, loadStateLike } from './state-match.js';

/** Options of {@link Optimizer}. */
export interface OptimizerConfig {
  /** The name saved in `stateDict()` and checked by a strict `loadStateDict` (default: the registry name, else `tx.name`, else `custom`). */
  readonly name?: string;
  /** Which path `step` runs (see `StepOptions.fused`): default fused where the backend compiles programs, composed elsewhere. */
  readonly fused?: boolean;
}

/** Options of {@link Optimizer.loadStateDict}. */
export interface LoadStateOptions {
  /**
   * Require the saved state to be for exactly these parameters and this optimizer (default true):
   * a missing, extra or mis-shaped entry is a {@link StateMismatchError}. With `false`, entries
   * the saved state lacks keep their current values and extra ones are ignored; mis-shaped ones
   * are still errors.
   */
  readonly strict?: boolean;
}

/**
 * A stateful optimizer, for people who expect PyTorch's shape: it holds the optimizer state and
 * the step count, and `step(params, grads)` returns the new parameters. Underneath it is the
 * functional `step(tx, params, grads, state, { inPlace: true })`, so the update runs as fused
 * programs where the backend compiles them.
 *
 * Ownership: `step` CONSUMES the parameter tensors you pass (their storage is updated in place
 * where the backend can, else they are released): use only the parameters it returns. Gradients
 * stay yours. The optimizer owns its state tensors; `dispose()` releases them.
 *
 * State saves and loads by parameter name, never by position: see {@link OptimizerStateDict} for
 * the format, {@link serializeState} and {@link deserializeState} for text and bytes.
 *
 * @example
 * ```ts
 * import { Optimizer, adam } from '@downhill/optimizers';
 * const opt = new Optimizer(adam(1e-3), params);
 * for (const batch of batches) {
 *   params = opt.step(params, gradsOf(params, batch));
 *   if (opt.stepCount === 1000) opt.hyperparams.lr = 1e-4;
 * }
 * const saved = serializeState(await opt.stateDict());
 * ```
 */
export class Optimizer<S extends OptState = OptState> {
  /** The gradient transformation. */
  readonly tx: GradientTransformation<S>;
  /** The name saved with the state. */
  readonly name: string;
  private readonly fused: boolean | undefined;
  private readonly specs: Readonly<Record<string, ParamSpec>>;
  private readonly backend: Backend | undefined;
  private _state: S;
  private _stepCount = 0;

  /**
   * @param tx - A gradient transformation, a registered optimizer's name, or `{ name, lr, ...options }` (see `createOptimizer`).
   * @param params - The parameters to optimize (named tree); only their names, shapes and dtypes are kept.
   * @param config - See {@link OptimizerConfig}.
   */
  constructor(
    tx: GradientTransformation<S> | string | ({ readonly name: string } & OptimizerOptions),
    params: Params,
    config: OptimizerConfig = {},
  ) {
    checkOptions('Optimizer', config, { name: true, fused: true });
    let made: GradientTransformation<S>;
    const given = tx as unknown as Record<string, unknown> | null;
    if (typeof tx === 'string')
      throw new InvalidArgumentError(`Optimizer: give the options with the name: new Optimizer({ name: '${tx}', lr: 1e-3 }, params)`);
    if (given && typeof given === 'object' && typeof given.init === 'function') made = tx as GradientTransformation<S>;
    else if (given && typeof given === 'object' && typeof given.name === 'string')
      made = createOptimizer(given as { name: string } & OptimizerOptions) as unknown as GradientTransformation<S>;
    else
      throw new InvalidArgumentError(
        `Optimizer: expected a gradient transformation { init, update } or { name, lr, ... }, got ${given === null ? 'null' : typeof tx}`,
      );
    const leaves = flatten(params, 'Optimizer');
    this.tx = made;
    this.name = config.name ?? optimizerNameOf(made as unknown as GradientTransformation) ?? made.name ?? 'custom';
    this.fused = config.fused;
    this.specs = Object.fromEntries(leaves.map(([n, t]) => [n, { dtype: t.dtype, shape: [...t.shape] }]));
    this.backend = leaves[0]?.[1].backend;
    this._state = made.init(params);
    this.keepState();
  }

  /** The current optimizer state (plain data; the optimizer owns its tensors). */
  get state(): S {
    return this._state;
  }

  /**
   * Calls of {@link Optimizer.step} so far (restored by `loadStateDict`). It counts calls, not
   * parameter updates: under `multiSteps(tx, k)` (gradient accumulation) the parameters change on
   * every `k`-th call only, so after 100 calls `stepCount` is 100 while 25 updates (k = 4) were
   * applied. The count of updates is the wrapper's state field `gradientStep`
   * (`(opt.state as MultiStepsState).gradientStep` when the optimizer is `multiSteps(...)` itself),
   * and a schedule of the inner transformation sees updates, not calls.
   */
  get stepCount(): number {
    return this._stepCount;
  }

  /** The parameters' dotted names, dtypes and shapes, as given to the constructor. */
  get paramSpecs(): Readonly<Record<string, ParamSpec>> {
    return this.specs;
  }

  /**
   * The hyperparameters held in the state, live: read `opt.hyperparams.lr`, or set it
   * (`opt.hyperparams.lr = 1e-4`) to change it from the next step on. Only for transformations
   * built with injected hyperparameters (every named optimizer is); setting one otherwise, or an
   * unknown name, or a value out of range, throws `InvalidArgumentError` and changes nothing.
   * With parameter groups (`multiTransform` of named optimizers), address a group:
   * `opt.hyperparams.groups.decay.lr = 1e-4`; `opt.hyperparams.lr` then throws
   * `AmbiguousHyperparameterError` naming the groups, rather than touching one of them.
   */
  get hyperparams(): Record<string, number> & { readonly groups: Readonly<Record<string, Record<string, number>>> } {
    const groupView = (group: string | undefined): Record<string, number> =>
      new Proxy({} as Record<string, number>, {
        get: (_, key) => (group === undefined && key === 'groups' ? groups : typeof key === 'string' ? view(group)?.[key] : undefined),
        set: (_, key, value) => {
          this.setHyperparams({ [String(key)]: value as number }, group);
          return true;
        },
        has: (_, key) => typeof key === 'string' && key in (view(group) ?? {}),
        ownKeys: () => Object.keys(view(group) ?? {}),
        getOwnPropertyDescriptor: (_, key) => {
          const h = view(group);
          return h && typeof key === 'string' && key in h
            ? { value: h[key], writable: true, enumerable: true, configurable: true }
            : undefined;
        },
        deleteProperty: (_, key) => {
          throw new InvalidArgumentError(`Optimizer: hyperparameter '${String(key)}' cannot be deleted`);
        },
        defineProperty: (_, key) => {
          throw new InvalidArgumentError(`Optimizer: set hyperparameters by assignment (opt.hyperparams.${String(key)} = value)`);
        },
      });
    const view = (group: string | undefined) => (group === undefined ? getHyperparams(this._state) : hyperparamGroups(this._state)[group]);
    const groups: Record<string, Record<string, number>> = new Proxy({} as Record<string, Record<string, number>>, {
      get: (_, key) => (typeof key === 'string' && key in hyperparamGroups(this._state) ? groupView(key) : undefined),
      has: (_, key) => typeof key === 'string' && key in hyperparamGroups(this._state),
      ownKeys: () => Object.keys(hyperparamGroups(this._state)),
      getOwnPropertyDescriptor: (_, key) =>
        typeof key === 'string' && key in hyperparamGroups(this._state)
          ? { value: groupView(key), enumerable: true, configurable: true }
          : undefined,
    });
    return groupView(undefined) as Record<string, number> & { readonly groups: Readonly<Record<string, Record<string, number>>> };
  }

  /**
   * Changes hyperparameters from the next step on (checked against their ranges; a scheduled one
   * stops following its schedule).
   *
   * @throws InvalidArgumentError when the transformation holds no hyperparameters, for an unknown name, or a value out of range.
   */
  setHyperparams(values: Readonly<Record<string, number>>, group?: string): void {
    if (Object.keys(hyperparamGroups(this._state)).length === 0) {
      throw new InvalidArgumentError(
        `Optimizer '${this.name}': this transformation holds no hyperparameters in its state; build it with injectHyperparams (the named optimizers are) to change ${Object.keys(values).join(', ')} mid-training`,
      );
    }
    this._state = setHyperparams(this._state, values, group === undefined ? {} : { group });
  }

  /**
   * One optimization step: returns the new parameters. CONSUMES `params` (see the class notes);
   * `grads` stay yours. A step that throws (mismatched trees, a released tensor, ...) changes
   * nothing: parameters, state and step count stay as they were.
   *
   * @param params - The current parameters (those the previous step returned).
   * @param grads - Gradients with the parameters' names, shapes and dtypes.
   * @returns The parameters after the update, a tree shaped (and typed) like `params`.
   */
  step<P extends Params>(params: P, grads: Params): P {
    const r = functionalStep(this.tx, params, grads, this._state, { inPlace: true, fused: this.fused });
    this._state = r.state;
    this._stepCount++;
    return r.params;
  }

  /**
   * The state as plain JSON data with tensors in base64, keyed by parameter name (see
   * {@link OptimizerStateDict}). Asynchronous because tensors are read back from the backend; on
   * backends with synchronous reads the snapshot is taken before the first `await`.
   *
   * @example
   * ```ts
   * fs.writeFileSync('opt.json', serializeState(await opt.stateDict()));
   * ```
   */
  async stateDict(): Promise<OptimizerStateDict> {
    const hyperparams = hyperparamsOf(this._state);
    const step = this._stepCount;
    const encoded = await encodeState(this._state);
    return {
      format: STATE_FORMAT,
      version: STATE_FORMAT_VERSION,
      optimizer: this.name,
      hyperparams,
      step,
      params: structuredClone(this.specs) as Record<string, ParamSpec>,
      state: encoded,
    };
  }

  /**
   * Replaces the state with a saved one. Everything is checked first (format, optimizer name,
   * parameter names, dtypes and shapes, the structure of every state entry); on any mismatch it
   * throws {@link StateMismatchError} naming the parameters and entries at fault, and the
   * optimizer is unchanged. Continuing after a load gives bitwise the same results as continuing
   * the run that saved (same backend, same dtype).
   *
   * @param dict - From `stateDict()` or `deserializeState()`.
   * @param options - `{ strict }`, default true; see {@link LoadStateOptions}.
   */
  loadStateDict(dict: OptimizerStateDict, options: LoadStateOptions = {}): void {
    const { strict = true } = checkOptions('Optimizer.loadStateDict', options, { strict: true });
    const where = `Optimizer '${this.name}'.loadStateDict`;
    checkHeader(dict, where);
    if (strict && dict.optimizer !== this.name) {
      throw new StateMismatchError(
        `${where}: the state was saved by optimizer '${dict.optimizer}', this is '${this.name}' (pass { strict: false } to load it anyway)`,
      );
    }
    checkParamSpecs(dict.params, this.specs, strict, where);
    const old = this._state;
    const next = this.backend
      ? (loadStateLike(dict.state, old, this.backend, { strict, paramNames: Object.keys(this.specs), where }) as S)
      : (loadStateLike(dict.state, old, undefined as never, { strict, where }) as S);
    try {
      checkStateValues(next, dict.step, dict.hyperparams, hyperparamsOf(next), strict, where);
    } catch (e) {
      releaseReplaced(next, old);
      throw e;
    }
    releaseReplaced(old, next);
    this._state = next;
    this._stepCount = dict.step;
    this.keepState();
  }

  /** Releases the state's tensors. The optimizer cannot step after this. */
  dispose(): void {
    for (const t of stateTensors(this._state)) if (!t.disposed) t.dispose();
  }

  /** State tensors outlive the caller's scopes: the optimizer owns them. */
  private keepState(): void {
    for (const t of stateTensors(this._state)) if (!t.disposed) t.backend.keep(t);
  }
}

/** The hyperparameters a state dict shows: those held in the state. */
function hyperparamsOf(state: OptState): Record<string, number> {
  const groups = Object.entries(hyperparamGroups(state));
  if (groups.length <= 1) return { ...(groups[0]?.[1] ?? {}) };
  // Parameter groups: `group.name` keys, so that each group's values are shown.
  return Object.fromEntries(groups.flatMap(([g, h]) => Object.entries(h).map(([k, v]) => [`${g}.${k}`, v])));
}
