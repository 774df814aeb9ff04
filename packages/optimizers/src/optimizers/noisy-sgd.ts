import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { ADD_NOISE_DEFAULTS, addNoise } from '../transforms/add-noise.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link noisySgd}. */
export interface NoisySgdOptions {
  /** Noise variance at the first step (default 0.01). */
  readonly eta?: number;
  /** Decay of the variance, `η/tᵞ` (default 0.55). */
  readonly gamma?: number;
  /** Seed of the noise (default 0). */
  readonly seed?: number;
}

/**
 * Noisy SGD (Neelakantan et al. 2015): SGD on gradients plus annealed Gaussian noise (optax's
 * `noisy_sgd`).
 *
 * ```text
 * t ← t + 1,   σₜ² = eta / tᵞ
 * p ← p − η·(g + σₜ·z),   z ~ N(0, I)
 * ```
 *
 * The noise is reproducible: a function of (seed, t, parameter position), drawn on the host and
 * fed to the fused update program; a restored state continues with the same noise. Conventions:
 * the noise is added to the gradient before the learning rate, as optax and the paper. No PyTorch
 * or Keras core optimizer.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link NoisySgdOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = noisySgd(0.05, { eta: 0.01, seed: 7 });
 * ```
 *
 * Neelakantan et al., 2015, "Adding Gradient Noise Improves Learning for Very Deep Networks" (https://arxiv.org/abs/1511.06807).
 */
export function noisySgd(lr: ScalarOrSchedule, options: NoisySgdOptions = {}): InjectedTransformation {
  const {
    eta = ADD_NOISE_DEFAULTS.eta,
    gamma = ADD_NOISE_DEFAULTS.gamma,
    seed = ADD_NOISE_DEFAULTS.seed,
  } = checkOptions('noisySgd', options, { eta: true, gamma: true, seed: true });
  return withHyperparams('noisySgd', { lr }, (h) => chain(addNoise({ eta, gamma, seed }), scaleByLearningRate(h.lr)));
}
