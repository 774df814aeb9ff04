import { hvp } from '@downhill/autograd';
import type { Params } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';
import type { Rng } from '@downhill/initializers';
import { flatten, mapTrees, unflatten } from '@downhill/optimizers';

/**
 * One probe of Hutchinson's estimate of the Hessian diagonal, `z ⊙ (H z)` for a Rademacher `z`
 * (independent ±1 entries): unbiased, since `E[zᵢ·(Hz)ᵢ] = Hᵢᵢ`. `H z` is a Hessian-vector
 * product by `@downhill/autograd` (reverse over reverse, about two gradients' cost). This is the
 * estimate Sophia-H and AdaHessian take (`hessianEstimate` of `sophia` and `adahessian` in
 * `@downhill/optimizers`, which computes no derivatives itself).
 *
 * @param loss - The scalar loss of the parameters on the current batch.
 * @param params - The point θ.
 * @param key - The randomness of the probe (one key per call, e.g. `key.fold(step)`).
 * @returns A tree like `params` (new tensors, the caller's to dispose).
 *
 * @example
 * ```ts
 * const tx = createOptimizer('sophia', {
 *   lr: 1e-3,
 *   hessianEstimate: (p, step) => hutchinsonDiagonal((q) => lossOn(q, x, y), p, key.fold(step)),
 * });
 * ```
 *
 * Hutchinson, 1989; Bekas, Kokiopoulou and Saad, 2007, "An estimator for the diagonal of a matrix".
 */
export function hutchinsonDiagonal(loss: (p: Params) => TensorLike, params: Params, key: Rng): Params {
  const leaves = flatten(params);
  const z = unflatten(
    leaves.map(([name, t]) => {
      const signs = Array.from(key.fold(name).uniform(t.size), (u) => (u < 0.5 ? -1 : 1));
      return [name, t.backend.tensor(signs, t.shape, t.dtype)] as const;
    }),
    params,
  );
  const hz = hvp(loss, params, z);
  const d = mapTrees([z, hz], ([a, b]) => a.backend.mul(a, b));
  for (const [, t] of [...flatten(z), ...flatten(hz)]) t.dispose();
  return d;
}
