import type { Backend } from '@downhill/backend';
import { createOptimizer, getHyperparams } from '@downhill/optimizers';

/**
 * Options the registry's optimizers take beyond the hyperparameters they hold in their state
 * (which {@link optimizerOptions} reads from the optimizer itself), with their defaults.
 */
const EXTRA_OPTIONS: Readonly<Record<string, Readonly<Record<string, number | boolean>>>> = {
  sgd: { momentum: 0, nesterov: false },
  rmsprop: { momentum: 0, centered: false },
};

const cache = new Map<string, Readonly<Record<string, number | boolean>>>();

/**
 * The options an optimizer takes, with their defaults: the hyperparameters it keeps in its state
 * (made once with `createOptimizer(name, { lr })` and read back with `getHyperparams`, so a
 * plugin's show up too) and the few structural ones listed above. The learning rate comes first.
 *
 * @param backend - Where to make the probe (a two-element float64 tensor, released at once).
 * @param name - A registered optimizer.
 * @returns `{ lr, ...options }` with the defaults (`lr` is the probe's 0.01).
 *
 * @example
 * ```ts
 * optimizerOptions(backend, 'adam'); // { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0 }
 * ```
 */
export function optimizerOptions(backend: Backend, name: string): Readonly<Record<string, number | boolean>> {
  const hit = cache.get(name);
  if (hit) return hit;
  const params = { point: backend.tensor(new Float64Array(2), [2], 'float64') };
  const state = createOptimizer(name, { lr: 0.01 }).init(params);
  const held = getHyperparams(state) ?? { lr: 0.01 };
  backend.dispose([params, state]);
  const out = { lr: 0.01, ...held, ...EXTRA_OPTIONS[name] };
  cache.set(name, out);
  return out;
}
