import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { layerwise } from '../transforms/layerwise.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { scaleByTrustRatio } from '../transforms/scale-by-trust-ratio.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link fromage}. */
export interface FromageOptions {
  /** Lower bound of each parameter's norm in the trust ratio (default 1e-6). */
  readonly minNorm?: number;
}

/**
 * Fromage (Bernstein et al. 2020, "frobenius matched gradient descent"): each layer steps by a
 * fixed fraction η of its own norm, along its gradient, then shrinks by `1/√(1 + η²)` so norms do
 * not grow (optax's `fromage`).
 *
 * ```text
 * per parameter (layer) l:
 * pₗ ← ( pₗ − η · ‖pₗ‖/‖gₗ‖ · gₗ ) / √(1 + η²)         (ratio 1 where a norm is 0)
 * ```
 *
 * Written as optax does: `chain(scaleByTrustRatio({ minNorm }), scaleByLearningRate(η·c))` then
 * `u ← u + (c − 1)·p`, with `c = 1/√(1 + η²)`. The authors' PyTorch code (jxbz/fromage)
 * steps by `η·‖p‖/‖g‖` only where both norms are positive and by `η·g` otherwise; here the
 * ratio is 1 there (optax's convention). No PyTorch or Keras core optimizer. The norms are
 * reductions run before the fused update program.
 *
 * @param lr - The relative step η per layer (the paper uses 1e-2), or a schedule.
 * @param options - See {@link FromageOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = fromage(1e-2);
 * ```
 *
 * Bernstein, Vahdat, Yue and Liu, 2020, "On the distance between two neural networks and the stability of learning" (NeurIPS 2020, https://arxiv.org/abs/2002.03432).
 */
export function fromage(lr: ScalarOrSchedule, options: FromageOptions = {}): InjectedTransformation {
  const { minNorm = 1e-6 } = checkOptions('fromage', options, { minNorm: true });
  return withHyperparams('fromage', { lr, minNorm }, (h) => {
    const c = 1 / Math.sqrt(1 + h.lr * h.lr);
    // The shrinking `(c − 1)·p` is a negative decay, which addDecayedWeights refuses: its own step.
    const shrink = layerwise('fromage', undefined, (u, p) => u.backend.add(u, u.backend.mul(p, c - 1)));
    return chain(scaleByTrustRatio({ minNorm: h.minNorm }), scaleByLearningRate(h.lr * c), shrink);
  });
}
