import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_SM3_DEFAULTS, scaleBySm3 } from '../transforms/scale-by-sm3.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link sm3}. */
export interface Sm3Options {
  /** Momentum, an EMA of the rescaled gradients (default 0.9). */
  readonly momentum?: ScalarOrSchedule;
  /** Added inside the inverse root (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
}

/**
 * SM3 (Anil et al. 2019): AdaGrad with memory sublinear in the parameter count. A `[m, n]` matrix
 * keeps `m + n` accumulator numbers instead of `m·n`; each entry's accumulator is the minimum of
 * its row's and column's, and each row (column) keeps the maximum over its entries.
 *
 * ```text
 * ν = g² + min(row, col)          r = g/√(ν + ε)   (0 where ν = 0)
 * m ← β·m + (1 − β)·r             p ← p − η·m
 * row ← max of ν over each row,   col ← max of ν over each column
 * ```
 *
 * Conventions: as optax's `sm3` (momentum as an EMA, ε inside the root); the paper's SM3-II has
 * no momentum. Vectors and scalars keep a full (exact AdaGrad) accumulator. No PyTorch or Keras
 * core optimizer. The per-axis maxima are reductions; the rest is one fused update program.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link Sm3Options}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = sm3(0.1, { momentum: 0.9 });
 * ```
 *
 * Anil, Gupta, Koren and Singer, 2019, "Memory-Efficient Adaptive Optimization" (NeurIPS 2019, https://arxiv.org/abs/1901.11150).
 */
export function sm3(lr: ScalarOrSchedule, options: Sm3Options = {}): InjectedTransformation {
  const { momentum = SCALE_BY_SM3_DEFAULTS.b1, eps = SCALE_BY_SM3_DEFAULTS.eps } = checkOptions('sm3', options, {
    momentum: true,
    eps: true,
  });
  return withHyperparams('sm3', { lr, momentum, eps }, (h) => chain(scaleBySm3({ b1: h.momentum, eps: h.eps }), scaleByLearningRate(h.lr)));
}
