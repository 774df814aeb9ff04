import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { chain } from '../chain.js';
import { GRADIENT_OPTION_KEYS, checkGradientOptions, decayHyper, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_RSS_DEFAULTS, scaleByRss } from '../transforms/scale-by-rss.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adagrad}. */
export interface AdagradOptions extends GradientOptions {
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
 * Conventions: the defaults are optax's and Keras's (accumulator 0.1, `ε` 1e-7). PyTorch's
 * `Adagrad` starts the accumulator at 0 and adds `ε` = 1e-10 outside the root: pass
 * `{ initialAccumulatorValue: 0, eps: 1e-10, epsInSqrt: false }` for its rule (checked against it
 * to 1e-13); its `lr_decay` is a schedule here (`η / (1 + (t − 1)·d)`), its `weight_decay` and
 * `maximize` are the options of the same names. Keras 3's `weight_decay` is decoupled.
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
    initialAccumulatorValue = SCALE_BY_RSS_DEFAULTS.initialAccumulatorValue,
    eps = SCALE_BY_RSS_DEFAULTS.eps,
    epsInSqrt = SCALE_BY_RSS_DEFAULTS.epsInSqrt,
    weightDecay,
    maximize,
  } = checkOptions('adagrad', options, { initialAccumulatorValue: true, eps: true, epsInSqrt: true, ...GRADIENT_OPTION_KEYS });
  checkHyperparam('adagrad', 'initialAccumulatorValue', initialAccumulatorValue);
  checkGradientOptions('adagrad', { maximize });
  return withHyperparams('adagrad', { lr, eps, ...decayHyper(weightDecay) }, (h) =>
    chain(
      ...gradientPrefix(h, { weightDecay, maximize }),
      scaleByRss({ initialAccumulatorValue, eps: h.eps, epsInSqrt }),
      scaleByLearningRate(h.lr),
    ),
  );
}
