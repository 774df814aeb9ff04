import { checkOptions } from './options.js';
import { SPECIFICATION_VERSION, type Backend } from './backend.js';
import { BackendNotFoundError, BackendUnavailableError, InvalidArgumentError } from './errors.js';

/**
 * How a backend is registered: a factory and what auto-selection needs to rank it.
 *
 * @example
 * ```ts
 * registerBackend({ name: 'cpu', priority: 150, description: 'TypeScript with WebAssembly SIMD kernels', create: () => cpu() });
 * ```
 */
export interface BackendRegistration {
  /** The name users select it by. */
  readonly name: string;
  /** Makes the backend; may be asynchronous (WebAssembly and GPU backends start asynchronously). Throw `BackendUnavailableError` with the reason when it cannot start here. */
  readonly create: () => Backend | Promise<Backend>;
  /** Higher is preferred by `selectBackend`. Conventions: CUDA 300, WebGPU 200, fast CPU 100 to 150 (`cpu` 150, `tfjs-wasm` 100), software GPU 50 (see `rank`), slow CPU below 10. */
  readonly priority: number;
  /** One line on what it is, shown in the reason of a selection. */
  readonly description?: string;
  /**
   * After the backend started: a lower priority for this instance and why, or `undefined` to keep
   * `priority`. A WebGPU backend on a software adapter (Mesa's llvmpipe, SwiftShader) says so here,
   * and `selectBackend` then prefers the CPU backend over it. Only auto-selection consults it: a
   * backend named in code or by `DOWNHILL_BACKEND` is used as named.
   */
  readonly rank?: (backend: Backend) => { readonly priority: number; readonly reason: string } | undefined;
}

/** The result of `selectBackend`: the backend, and why it was chosen. */
export interface BackendSelection {
  /** The backend chosen, started. */
  readonly backend: Backend;
  /** Its registry name. */
  readonly name: string;
  /** A sentence saying why this backend was chosen and what was tried before it. */
  readonly reason: string;
  /** Every backend tried, in order, with the reason each one failed or was ranked lower than registered. */
  readonly tried: readonly { name: string; error?: string; demoted?: string }[];
}

const registrations = new Map<string, BackendRegistration>();
const instances = new Map<string, Promise<Backend>>();

/**
 * Registers a backend under a name. A second registration of a name is an error.
 *
 * @example
 * ```ts
 * registerBackend({ name: 'cpu', priority: 150, create: () => cpu() });
 * ```
 */
export function registerBackend(registration: BackendRegistration): void {
  const { name } = checkOptions('registerBackend', registration, {
    name: true,
    create: true,
    priority: true,
    description: true,
    rank: true,
  });
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new InvalidArgumentError(`registerBackend: a name is lowercase letters, digits and dashes, got ${JSON.stringify(name)}`);
  }
  if (registrations.has(name)) {
    throw new InvalidArgumentError(`registerBackend: a backend named '${name}' is already registered`);
  }
  registrations.set(name, registration);
}

/** Whether a backend of that name is registered. */
export function hasBackend(name: string): boolean {
  return registrations.has(name);
}

/** Names of the registered backends, by descending priority. */
export function listBackends(): string[] {
  return [...registrations.values()].sort((a, b) => b.priority - a.priority).map((r) => r.name);
}

/**
 * The backend registered under `name`, started on first use and shared after that.
 *
 * @example
 * ```ts
 * const backend = await getBackend('cpu');
 * ```
 */
export function getBackend(name: string): Promise<Backend> {
  const reg = registrations.get(name);
  if (!reg) {
    const known = listBackends();
    return Promise.reject(
      new BackendNotFoundError(
        `no backend named '${name}' is registered; registered: ${known.length ? known.join(', ') : 'none'} (import a backend's register entry point, such as '@downhill/backend-cpu/register')`,
      ),
    );
  }
  let p = instances.get(name);
  if (!p) {
    p = Promise.resolve()
      .then(reg.create)
      .then((b) => {
        if (b.specificationVersion !== SPECIFICATION_VERSION) {
          throw new BackendUnavailableError(`backend '${name}' implements ${String(b.specificationVersion)}, not ${SPECIFICATION_VERSION}`);
        }
        return b;
      });
    instances.set(name, p);
    p.catch(() => instances.delete(name));
  }
  return p;
}

/**
 * Chooses a backend: the one named in `name`, else the one named by the environment variable
 * `DOWNHILL_BACKEND`, else the registered backend of highest priority that starts here. Returns the
 * choice with a sentence saying why.
 *
 * @example
 * ```ts
 * const { backend, reason } = await selectBackend();
 * console.log(reason); // "cpu: the highest-priority backend that started (tried: webgpu: no adapter)"
 * ```
 */
export async function selectBackend(options: { name?: string; env?: Record<string, string | undefined> } = {}): Promise<BackendSelection> {
  checkOptions('selectBackend', options, { name: true, env: true });
  const env = options.env ?? (typeof process !== 'undefined' ? process.env : {});
  const named = options.name ?? env.DOWNHILL_BACKEND;
  if (named) {
    const backend = await getBackend(named);
    const why = options.name ? 'named in code' : 'named by DOWNHILL_BACKEND';
    return { backend, name: named, reason: `${named}: ${why}`, tried: [{ name: named }] };
  }
  const tried: { name: string; error?: string; demoted?: string }[] = [];
  // Backends that started but ranked themselves lower (a software adapter): chosen only when
  // nothing of a higher priority starts.
  const deferred: { name: string; backend: Backend; priority: number; reason: string }[] = [];
  const choose = (name: string, backend: Backend): BackendSelection => {
    const failed = tried.filter((t) => t.error).map((t) => `${t.name}: ${t.error}`);
    const demoted = tried.filter((t) => t.demoted && t.name !== name).map((t) => `${t.name}: ${t.demoted}`);
    const desc = registrations.get(name)?.description;
    const own = tried.find((t) => t.name === name)?.demoted;
    return {
      backend,
      name,
      reason:
        `${name}${desc ? ` (${desc})` : ''}: the highest-priority backend that started here` +
        `${own ? ` (${own}, but nothing ranked higher started)` : ''}` +
        `${demoted.length ? `; ranked below it: ${demoted.join('; ')}` : ''}` +
        `${failed.length ? `; tried first: ${failed.join('; ')}` : ''}`,
      tried,
    };
  };
  for (const name of listBackends()) {
    const reg = registrations.get(name)!;
    const best = deferred.reduce<(typeof deferred)[number] | undefined>((a, d) => (a && a.priority >= d.priority ? a : d), undefined);
    if (best && best.priority >= reg.priority) return choose(best.name, best.backend);
    try {
      const backend = await getBackend(name);
      const ranked = reg.rank?.(backend);
      if (ranked && ranked.priority < reg.priority) {
        tried.push({ name, demoted: `${ranked.reason} (priority ${ranked.priority} instead of ${reg.priority})` });
        deferred.push({ name, backend, priority: ranked.priority, reason: ranked.reason });
        continue;
      }
      tried.push({ name });
      return choose(name, backend);
    } catch (e) {
      tried.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const best = deferred.reduce<(typeof deferred)[number] | undefined>((a, d) => (a && a.priority >= d.priority ? a : d), undefined);
  if (best) return choose(best.name, best.backend);
  throw new BackendNotFoundError(
    tried.length
      ? `no registered backend could start: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`
      : `no backend is registered; import one, such as '@downhill/backend-cpu/register'`,
  );
}

/** @internal for tests: forget a registration and its instance. */
export function unregisterBackend(name: string): boolean {
  instances.delete(name);
  return registrations.delete(name);
}
