import { DownhillError, InvalidArgumentError, checkOptions } from '@downhill/backend';
import type { GradientTransformation, ScalarOrSchedule } from '../types.js';

/**
 * The options every optimizer factory takes: the learning rate (a number or a schedule) and the
 * optimizer's own hyperparameters by name.
 */
export interface OptimizerOptions {
  /** The learning rate, or a schedule from the step count to it. */
  readonly lr: ScalarOrSchedule;
  /** The optimizer's other hyperparameters (`b1`, `momentum`, `weightDecay`, ...). */
  readonly [option: string]: unknown;
}

/**
 * Makes a gradient transformation from options. Plugins register one under a name.
 *
 * @example
 * ```ts
 * const factory: OptimizerFactory = ({ lr, b1 = 0.9 }) => adam(lr, { b1: b1 as number });
 * ```
 */
export type OptimizerFactory = (options: OptimizerOptions) => GradientTransformation;

/** What `listOptimizers` tells about one registered optimizer. */
export interface OptimizerInfo {
  /** The name it is selected by. */
  readonly name: string;
  /** One line on what it is. */
  readonly description: string;
  /**
   * The option through which it needs a callback from the training loop (`'hessianEstimate'`,
   * `'value'`, ...), absent when the gradients alone suffice: made without it, its step fails with a typed error.
   */
  readonly callback?: string;
}

/** An optimizer name `createOptimizer` does not know. The message lists the known names. */
export class OptimizerNotFoundError extends DownhillError {
  constructor(message: string) {
    super('OPTIMIZER_NOT_FOUND', message);
  }
}

/** A second registration of an optimizer name. Registrations never silently overwrite. */
export class DuplicateOptimizerError extends DownhillError {
  constructor(message: string) {
    super('OPTIMIZER_ALREADY_REGISTERED', message);
  }
}

interface Registration {
  readonly factory: OptimizerFactory;
  readonly description: string;
  readonly callback?: string;
}

/**
 * The registry's contract: what a registration holds and what a factory is called with and must
 * return. Copies of this package that share the number share one registry; change the number
 * when the contract changes.
 */
const CONTRACT = 1;

/** The process-wide registry, shared by every copy of this package that speaks the same contract. */
interface Store {
  readonly contract: number;
  readonly registry: Map<string, Registration>;
  /** The registry name each transformation made by `createOptimizer` came from. */
  readonly madeBy: WeakMap<object, string>;
}

/** Which registry contracts copies of this package loaded in this process speak (to explain a name missing from another copy's registry). */
const CONTRACTS = Symbol.for('@downhill/optimizers/registry-contracts');

/** A copy of `@downhill/optimizers` that finds a registry it cannot share (another contract under the same key). */
export class RegistryContractError extends DownhillError {
  constructor(message: string) {
    super('OPTIMIZER_REGISTRY_CONTRACT', message);
  }
}

/**
 * One registry per process, kept on `globalThis` under `Symbol.for('@downhill/optimizers/registry@<contract>')`:
 * a plugin built and installed with its own copy of `@downhill/optimizers` (outside the
 * application's `node_modules`, or a second version) registers where the application's copy
 * looks. The key carries the contract, and the store its contract number, checked on every use.
 */
function store(): Store {
  const g = globalThis as Record<symbol, unknown>;
  const key = Symbol.for(`@downhill/optimizers/registry@${CONTRACT}`);
  let s = g[key] as Store | undefined;
  if (s === undefined) {
    s = { contract: CONTRACT, registry: new Map(), madeBy: new WeakMap() };
    Object.defineProperty(g, key, { value: s, enumerable: false, writable: false, configurable: false });
    const contracts = (g[CONTRACTS] ??= new Set<number>()) as Set<number>;
    contracts.add(CONTRACT);
  } else if (
    s === null ||
    typeof s !== 'object' ||
    s.contract !== CONTRACT ||
    !(s.registry instanceof Map) ||
    !(s.madeBy instanceof WeakMap)
  ) {
    throw new RegistryContractError(
      `@downhill/optimizers: the optimizer registry on globalThis (${String(key)}) does not speak registry contract ${CONTRACT} (it says ${JSON.stringify((s as { contract?: unknown } | null)?.contract ?? null)}); two incompatible copies of @downhill/optimizers are loaded: install one version`,
    );
  }
  return s;
}

/** Registry contracts other copies loaded in this process speak, besides this one's. */
function otherContracts(): number[] {
  const contracts = (globalThis as Record<symbol, unknown>)[CONTRACTS] as Set<number> | undefined;
  return contracts ? [...contracts].filter((c) => c !== CONTRACT) : [];
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/**
 * Registers an optimizer factory under a name, so `createOptimizer(name, options)` can make it.
 * A second registration of a name is a {@link DuplicateOptimizerError}; nothing is overwritten.
 * The built-in optimizers are registered by importing `@downhill/optimizers/register`.
 *
 * @param name - Letters, digits, `-` and `_`; case-sensitive (`adabelief`).
 * @param factory - `(options: { lr, ...rest }) => GradientTransformation`.
 * @param options - Options:
 * @param options.description - One line shown by `listOptimizers`.
 * @param options.callback - The option through which the optimizer needs a callback from the loop (a Hessian estimate, the objective), if any; shown by `listOptimizers`.
 * @throws {@link DuplicateOptimizerError} when the name is taken; `InvalidArgumentError` for a bad name or factory.
 *
 * @example
 * ```ts
 * import { registerOptimizer, createOptimizer } from '@downhill/optimizers';
 * registerOptimizer('adabelief', ({ lr, ...rest }) => adabelief(lr, rest), { description: 'AdaBelief (Zhuang et al. 2020)' });
 * const tx = createOptimizer('adabelief', { lr: 1e-3 });
 * ```
 */
export function registerOptimizer(
  name: string,
  factory: OptimizerFactory,
  options: { description?: string; callback?: string } = {},
): void {
  const { description = '', callback } = checkOptions('registerOptimizer', options, { description: true, callback: true });
  if (callback !== undefined && (typeof callback !== 'string' || callback === ''))
    throw new InvalidArgumentError(`registerOptimizer('${name}'): callback must be the name of an option, got ${JSON.stringify(callback)}`);
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(
      `registerOptimizer: a name is letters, digits, '-' and '_', starting with a letter or digit; got ${JSON.stringify(name)}`,
    );
  }
  if (typeof factory !== 'function') {
    throw new InvalidArgumentError(
      `registerOptimizer('${name}'): expected a factory function (options) => GradientTransformation, got ${typeof factory}`,
    );
  }
  const { registry } = store();
  if (registry.has(name)) {
    throw new DuplicateOptimizerError(
      `registerOptimizer: an optimizer named '${name}' is already registered${registry.get(name)!.description ? ` (${registry.get(name)!.description})` : ''}; choose another name, or unregisterOptimizer('${name}') first`,
    );
  }
  registry.set(name, { factory, description: String(description), ...(callback !== undefined ? { callback } : {}) });
}

/** Whether an optimizer of that name is registered. */
export function hasOptimizer(name: string): boolean {
  return store().registry.has(name);
}

/**
 * The registered optimizers, sorted by name, with their descriptions.
 *
 * @example
 * ```ts
 * import '@downhill/optimizers/register';
 * listOptimizers().map((o) => o.name); // ['adam', 'adamw', 'sgd', ...]
 * ```
 */
export function listOptimizers(): OptimizerInfo[] {
  return [...store().registry.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, r]) => ({ name, description: r.description, ...(r.callback !== undefined ? { callback: r.callback } : {}) }));
}

/**
 * Makes the optimizer registered under `name` with these options. Accepts either
 * `createOptimizer('adam', { lr: 1e-3, b1: 0.9 })` or one spec object
 * `createOptimizer({ name: 'adam', lr: 1e-3, b1: 0.9 })` (handy in configuration files).
 *
 * @param spec - The registered name, or `{ name, lr, ...rest }`.
 * @param options - `{ lr, ...rest }` when `spec` is a name.
 * @returns The factory's gradient transformation.
 * @throws {@link OptimizerNotFoundError} naming the registered optimizers when `name` is unknown;
 *   `InvalidArgumentError` when `lr` is missing.
 *
 * @example
 * ```ts
 * import '@downhill/optimizers/register';
 * import { createOptimizer } from '@downhill/optimizers';
 * const tx = createOptimizer({ name: 'adamw', lr: 1e-3, weightDecay: 1e-2 });
 * ```
 */
export function createOptimizer(
  spec: string | ({ readonly name: string } & OptimizerOptions),
  options?: OptimizerOptions,
): GradientTransformation {
  let name: string;
  let opts: OptimizerOptions;
  if (typeof spec === 'string') {
    name = spec;
    opts = options as OptimizerOptions;
  } else if (spec !== null && typeof spec === 'object' && typeof spec.name === 'string') {
    const { name: n, ...rest } = spec;
    name = n;
    opts = rest as OptimizerOptions;
  } else {
    throw new InvalidArgumentError(
      `createOptimizer: expected a name or { name, lr, ...options }, got ${spec === null ? 'null' : typeof spec}`,
    );
  }
  const { registry, madeBy } = store();
  const reg = registry.get(name);
  if (!reg) {
    const known = [...registry.keys()].sort();
    const others = otherContracts();
    throw new OptimizerNotFoundError(
      `createOptimizer: no optimizer named '${name}' is registered; registered: ${known.length ? known.join(', ') : 'none'}` +
        (known.length ? '' : " (import '@downhill/optimizers/register' for the built-in ones)") +
        (others.length
          ? `; a copy of @downhill/optimizers with another registry contract (${others.join(', ')}, this one speaks ${CONTRACT}) is loaded too, and its registrations are not shared: install one version`
          : ''),
    );
  }
  if (opts === undefined || opts === null || typeof opts !== 'object') {
    throw new InvalidArgumentError(`createOptimizer('${name}'): expected options { lr, ... }, got ${opts === null ? 'null' : typeof opts}`);
  }
  if (typeof opts.lr !== 'number' && typeof opts.lr !== 'function') {
    throw new InvalidArgumentError(
      `createOptimizer('${name}'): options.lr must be a number or a schedule (step) => number, got ${typeof opts.lr}`,
    );
  }
  const tx = reg.factory(opts);
  if (!tx || typeof tx.init !== 'function' || typeof tx.update !== 'function') {
    throw new InvalidArgumentError(
      `createOptimizer('${name}'): the registered factory returned ${describe(tx)}, not a gradient transformation { init, update }`,
    );
  }
  madeBy.set(tx, name);
  return tx;
}

/** The registry name a transformation was made under by `createOptimizer`, if it was. */
export function optimizerNameOf(tx: GradientTransformation): string | undefined {
  return store().madeBy.get(tx);
}

/**
 * Removes a registration (for tests and hot reloading); returns whether there was one.
 * @internal
 */
export function unregisterOptimizer(name: string): boolean {
  return store().registry.delete(name);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object with keys [${Object.keys(v as object).join(', ')}]`;
  return typeof v;
}
