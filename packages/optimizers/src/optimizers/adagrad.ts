import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { scaleByRss } from '../transforms/scale-by-rss.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adagrad}. */
export interface AdagradOptions {
  /** Starting value of the sum of squares (default 0.1, as optax and TensorFlow.js; PyTorch uses 0). */
  readonly initialAccumulatorValue?: number;
  /** Added to the sum inside the root (default 1e-7, TensorFlow.js's float32 epsilon). */
  readonly eps?: ScalarOrSchedule;
  /** `g / √(G + ε)` (default true: optax, TensorFlow.js) or `g / (√G + ε)` (false: PyTorch). */
  readonly epsInSqrt?: boolean;
}

/**
 * AdaGrad: per-coordinate rates that shrink with the sum of all past squared gradients (optax's
 * `adagrad`).
 *
 * ```text
 * G ← G + g²
 * p ← p − η · g / √(G + ε)
 * ```
 *
 * Hyperparameters in the state: `lr`, `eps`. TensorFlow.js's `adagrad` is this rule with its
 * default `initialAccumulatorValue` 0.1 and `ε` = 1e-7.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdagradOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adagrad(0.1);
 * const state = tx.init(params);
 * ```
 *
 * Duchi, Hazan and Singer, 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic
 * Optimization" (https://jmlr.org/papers/v12/duchi11a.html).
 */
export function adagrad(lr: ScalarOrSchedule, options: AdagradOptions = {}): InjectedTransformation {
  const {
    initialAccumulatorValue = 0.1,
    eps = 1e-7,
    epsInSqrt = true,
  } = checkOptions('adagrad', options, { initialAccumulatorValue: true, eps: true, epsInSqrt: true });
  checkHyperparam('adagrad', 'initialAccumulatorValue', initialAccumulatorValue);
  return withHyperparams('adagrad', { lr, eps }, (h) =>
    chain(scaleByRss({ initialAccumulatorValue, eps: h.eps, epsInSqrt }), scaleByLearningRate(h.lr)),
  );
}
