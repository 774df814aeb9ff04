import { InvalidArgumentError } from '@downhill/backend';
import { Rng, rng } from '@downhill/initializers';

/**
 * Where the random numbers of a tool come from: a key of `@downhill/initializers` (the project's
 * one random-number design: immutable, splittable keys) or a seed for a root key. A tool folds its
 * own name into the key, so one key can be handed to several tools without their probes agreeing.
 */
export interface RandomOptions {
  /** The key to draw from. Takes precedence over `seed`. */
  readonly key?: Rng;
  /** A seed for `rng(seed)` when no key is given. Default 0. */
  readonly seed?: number;
}

/** The key named by `options`, folded with the tool's name. @internal */
export function keyFrom({ key, seed = 0 }: RandomOptions, where: string): Rng {
  if (key !== undefined) {
    if (!(key instanceof Rng))
      throw new InvalidArgumentError(`${where}: key must be an Rng from @downhill/initializers (rng(seed)), got ${typeof key}`);
    return key.fold(where);
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`${where}: seed must be a safe integer, got ${String(seed)}`);
  return rng(seed).fold(where);
}

/** `n` independent signs ±1 with probability ½ each (a Rademacher vector) from `key`. @internal */
export function rademacher(key: Rng, n: number): Float64Array {
  const u = key.uniform(n);
  for (let i = 0; i < n; i++) u[i] = u[i] < 0.5 ? -1 : 1;
  return u;
}
