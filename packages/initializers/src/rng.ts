import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { ROOT, TAG, derive, splitInteger, stringWords, type State } from './mix.js';
import { fillNormal, fillUniform } from './sampling.js';

/**
 * An immutable random key, in the manner of JAX's PRNG keys: it never changes, the same key always
 * gives the same numbers, and new keys come from it by {@link Rng.split} (n independent children)
 * or {@link Rng.fold} (a child named by a number or a string, such as a layer's name).
 *
 * The numbers come from pure-rand's xoroshiro128+ generator, started from the key's 128-bit
 * state. Children are derived by a keyed mixing function (ten ARX rounds over the state, see
 * `mix.ts`), not by pure-rand's `jump()`: jumping is a fixed shift along one stream, so the first
 * child's first child would be the parent's second child; hashing keeps every path distinct.
 *
 * Discipline, as with JAX keys: use one key for one purpose. To draw twice, split first.
 *
 * @example
 * ```ts
 * import { rng, heNormal } from '@downhill/initializers';
 * const root = rng(42);
 * const [kernelKey, biasKey] = root.fold('dense1').split(2);
 * const w = heNormal()(backend, [784, 256], { rng: kernelKey });
 * ```
 */
export class Rng {
  readonly #state: State;

  /** @internal use {@link rng} or {@link Rng.fromState}. */
  constructor(state: State) {
    this.#state = state;
  }

  /**
   * A key back from the four uint32 words of {@link Rng.state} (for checkpoints).
   *
   * @param state - Four integers in [0, 2³²).
   * @returns The key that has this state.
   */
  static fromState(state: readonly number[]): Rng {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new InvalidArgumentError(`Rng.fromState: state must be four integers in [0, 2^32), got ${JSON.stringify(state)}`);
    }
    return new Rng([state[0], state[1], state[2], state[3]]);
  }

  /** The key's 128 bits as four uint32 words, for saving; {@link Rng.fromState} restores it. */
  get state(): readonly [number, number, number, number] {
    return [...this.#state] as [number, number, number, number];
  }

  /**
   * `n` independent child keys. Prefix-stable: `split(3)` begins with the two keys of `split(2)`.
   *
   * @param n - How many keys; a non-negative integer, default 2.
   * @returns The child keys.
   */
  split(n = 2): Rng[] {
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(`Rng.split: n must be a non-negative integer, got ${String(n)}`);
    }
    return Array.from({ length: n }, (_, i) => new Rng(derive(this.#state, TAG.split, [i])));
  }

  /**
   * The child key named by `data`: a safe integer (a step, a layer index) or a string (a parameter
   * name). The same key and data always give the same child; different data give unrelated ones.
   *
   * @param data - A safe integer or a string.
   * @returns The child key.
   */
  fold(data: number | string): Rng {
    if (typeof data === 'string') return new Rng(derive(this.#state, TAG.foldString, stringWords(data)));
    if (!Number.isSafeInteger(data)) {
      throw new InvalidArgumentError(`Rng.fold: data must be a safe integer or a string, got ${String(data)}`);
    }
    return new Rng(derive(this.#state, TAG.foldNumber, splitInteger(data)));
  }

  /**
   * A fresh pure-rand generator started from this key (mutable; the key is untouched), for use
   * with pure-rand's distributions.
   */
  generator(): JumpableRandomGenerator {
    const [a, b, c, d] = this.#state;
    // xoroshiro128+ never leaves the all-zero state; the mixing permutation reaches it from one
    // input in 2^128, and then the key's stream starts from 1 instead.
    return xoroshiro128plusFromState(a === 0 && b === 0 && c === 0 && d === 0 ? [0, 1, 0, 0] : [a | 0, b | 0, c | 0, d | 0]);
  }

  /**
   * `count` uniform samples in `[min, max)` as float64, from this key's stream.
   *
   * @param count - A non-negative integer.
   * @param options - `min` (default 0) and `max` (default 1).
   * @returns A new Float64Array.
   */
  uniform(count: number, options: { min?: number; max?: number } = {}): Float64Array {
    const { min = 0, max = 1 } = checkOptions('Rng.uniform', options, { min: true, max: true });
    const out = new Float64Array(checkCount(count, 'Rng.uniform'));
    fillUniform(this.generator(), out, min, max);
    return out;
  }

  /**
   * `count` normal samples with mean `mean` and standard deviation `std`, as float64.
   *
   * @param count - A non-negative integer.
   * @param options - `mean` (default 0) and `std` (default 1).
   * @returns A new Float64Array.
   */
  normal(count: number, options: { mean?: number; std?: number } = {}): Float64Array {
    const { mean = 0, std = 1 } = checkOptions('Rng.normal', options, { mean: true, std: true });
    const out = new Float64Array(checkCount(count, 'Rng.normal'));
    fillNormal(this.generator(), out, mean, std);
    return out;
  }

  /** `Rng(0x…)`, the state in hex. */
  toString(): string {
    return `Rng(${this.#state.map((w) => w.toString(16).padStart(8, '0')).join('')})`;
  }
}

function checkCount(count: number, where: string): number {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`${where}: count must be a non-negative integer, got ${String(count)}`);
  }
  return count;
}

/**
 * A root key from a seed, like JAX's `random.key(seed)`. Any safe integer (negative too) is a
 * seed; nearby seeds give unrelated keys.
 *
 * @param seed - A safe integer.
 * @returns The key.
 *
 * @example
 * ```ts
 * import { rng } from '@downhill/initializers';
 * const key = rng(0);
 * key.normal(3); // the same three numbers on every run, engine and backend
 * ```
 */
export function rng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`rng: seed must be a safe integer, got ${String(seed)}`);
  }
  return new Rng(derive(ROOT, TAG.seed, splitInteger(seed)));
}
