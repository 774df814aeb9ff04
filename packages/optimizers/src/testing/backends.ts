import type { Backend } from '@downhill/backend';

/** A backend the conformance kit runs on: a name and how to start it. */
export interface ConformanceBackend {
  /** Shown in the test names (`cpu`, `tfjs-cpu`). */
  readonly name: string;
  /** Starts the backend; throw (or reject) with the reason when it cannot run here. */
  readonly create: () => Backend | Promise<Backend>;
}

/**
 * Loads a module by a name known only at run time: the concrete backends are optional here (this
 * package depends on `@downhill/backend` alone), so they are looked up when the tests run, and a
 * backend that is not installed is skipped with the reason.
 */
const load = (specifier: string): Promise<Record<string, unknown>> =>
  import(/* @vite-ignore */ specifier) as Promise<Record<string, unknown>>;

function fromModule(specifier: string, exportName: string, args: unknown[], install: string): () => Promise<Backend> {
  return async () => {
    let mod: Record<string, unknown>;
    try {
      mod = await load(specifier);
    } catch (e) {
      throw new Error(`'${specifier}' cannot be imported here (${firstLine(e)}); ${install}`);
    }
    const make = mod[exportName];
    if (typeof make !== 'function') throw new Error(`'${specifier}' has no export '${exportName}'`);
    return (await (make as (...a: unknown[]) => Backend | Promise<Backend>)(...args)) as Backend;
  };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * The backends the kit tries when none are given: `cpu` (`@downhill/backend-cpu`, the reference)
 * and `tfjs-cpu` (`@downhill/backend-tfjs` over TensorFlow.js's CPU backend). Each is skipped,
 * with the reason printed, when its package cannot be imported from here; install it as a dev
 * dependency of your plugin, or pass `backends` explicitly.
 */
export function defaultConformanceBackends(): ConformanceBackend[] {
  return [
    { name: 'cpu', create: fromModule('@downhill/backend-cpu', 'cpu', [], 'add @downhill/backend-cpu to your devDependencies') },
    {
      name: 'tfjs-cpu',
      create: fromModule(
        '@downhill/backend-tfjs',
        'tfjs',
        [{ tfBackend: 'cpu' }],
        'add @downhill/backend-tfjs to your devDependencies to test on TensorFlow.js',
      ),
    },
  ];
}

/** Starts a backend, or returns why it cannot run here. */
export async function startBackend(candidate: ConformanceBackend): Promise<{ backend?: Backend; reason?: string }> {
  try {
    const backend = await candidate.create();
    if (!backend || typeof backend.tensor !== 'function') return { reason: `its create() returned ${typeof backend}, not a backend` };
    return { backend };
  } catch (e) {
    return { reason: firstLine(e) };
  }
}
