import { InvalidArgumentError } from '@downhill/backend';
import type { Rng } from '@downhill/initializers';

/**
 * The visiting order of one epoch: a Fisher–Yates shuffle of `0 … count − 1` driven by `key`
 * (one uniform draw per position, from `key.uniform(count)`). The same key gives the same order on
 * every run, engine and machine; `key.fold(epoch)` gives each epoch its own.
 *
 * Math: for `i = count − 1 … 1`, `j = ⌊uᵢ · (i + 1)⌋`, swap `order[i]` and `order[j]`.
 *
 * @param count - How many rows; a non-negative integer.
 * @param key - The epoch's key (from `@downhill/initializers`).
 * @returns A new permutation of `0 … count − 1`.
 * @throws InvalidArgumentError when `count` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { rng } from '@downhill/initializers';
 * epochOrder(5, rng(0).fold(1)); // the same permutation of [0, 1, 2, 3, 4] on every run
 * ```
 */
export function epochOrder(count: number, key: Rng): Uint32Array {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new InvalidArgumentError(`epochOrder: count must be a non-negative integer, got ${String(count)}`);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const u = key.uniform(count);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
