import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTrees, stateNumber } from '../tree.js';
import type { GradientTransformation } from '../types.js';

/** The state of {@link addNoise}: the step count (the noise of step t and parameter i is a function of the seed, t and i). */
export type AddNoiseState = {
  /** Updates made so far. */
  readonly count: number;
};

/** Options of {@link addNoise}. */
export interface AddNoiseOptions {
  /** The variance at the first step (default 0.01). */
  readonly eta?: number;
  /** How fast the variance decays (default 0.55). */
  readonly gamma?: number;
  /** The seed of the noise, an integer (default 0). */
  readonly seed?: number;
}

/** A 32-bit integer hash (the finalizer of MurmurHash3). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * `n` standard normal numbers for (seed, step, stream), by Box–Muller over a counter-based hash:
 * the same arguments give the same numbers on every machine, with no generator state to save.
 */
export function gaussianNoise(seed: number, step: number, stream: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const key = mix(mix(mix(seed >>> 0) ^ step) ^ Math.imul(stream + 1, 0x9e3779b9));
  for (let i = 0; i < n; i += 2) {
    const a = mix(key ^ mix(i + 1));
    const c = mix(a ^ 0x68e31da4);
    const u1 = (a + 1) / 4294967297; // in (0, 1)
    const u2 = c / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Defaults of {@link addNoise}'s options, shared with {@link noisySgd}. */
export const ADD_NOISE_DEFAULTS = { eta: 0.01, gamma: 0.55, seed: 0 } as const;

/**
 * Adds annealed Gaussian noise to the updates (optax's `add_noise`): the noisy SGD of
 * Neelakantan et al.
 *
 * ```text
 * t ← t + 1
 * σₜ² = η / tᵞ
 * u ← u + σₜ · N(0, I)
 * ```
 *
 * The noise is drawn on the host from a counter-based hash of (seed, t, the parameter's position),
 * so a saved state restarts with the same noise and no generator state; it enters the fused
 * update program as an input tensor. Conventions: optax draws from JAX's PRNG (other numbers, the
 * same distribution); its `count` starts at 0 and the variance uses `count + 1`, as `t` here.
 *
 * @param options - See {@link AddNoiseOptions}.
 * @returns A transformation whose state is `{ count }`.
 *
 * @example
 * ```ts
 * const tx = chain(addNoise({ eta: 0.01, seed: 42 }), scaleByLearningRate(1e-2));
 * ```
 *
 * Neelakantan et al., 2015, "Adding Gradient Noise Improves Learning for Very Deep Networks" (https://arxiv.org/abs/1511.06807).
 */
export function addNoise(options: AddNoiseOptions = {}): GradientTransformation<AddNoiseState> {
  const where = 'addNoise';
  const {
    eta = ADD_NOISE_DEFAULTS.eta,
    gamma = ADD_NOISE_DEFAULTS.gamma,
    seed = ADD_NOISE_DEFAULTS.seed,
  } = checkOptions(where, options, { eta: true, gamma: true, seed: true });
  checkHyperparam(where, 'eps', eta);
  if (!(gamma >= 0 && Number.isFinite(gamma)))
    throw new InvalidArgumentError(`${where}: option 'gamma' must be a finite number ≥ 0, got ${gamma}`);
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`${where}: option 'seed' must be an integer, got ${seed}`);
  return {
    name: where,
    init: () => ({ count: 0 }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      const sd = Math.sqrt(eta / count ** gamma);
      let stream = 0;
      const updates = mapTrees(
        [grads],
        ([g]) => {
          const b = g.backend;
          const z = gaussianNoise(seed, count, stream++, g.size);
          return b.add(g, b.mul(b.tensor(z, g.shape, g.dtype), sd));
        },
        { where, labels: ['update'] },
      );
      return [updates, { count }];
    },
  };
}
