import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_NOVOGRAD_DEFAULTS, scaleByNovograd } from '../transforms/scale-by-novograd.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link novograd}. */
export interface NovogradOptions {
  /** Momentum (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the layer-wise second moment (default 0.25). */
  readonly b2?: ScalarOrSchedule;
  /** Added outside the root (default 1e-6). */
  readonly eps?: ScalarOrSchedule;
  /** Weight decay inside the momentum (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
}

/**
 * NovoGrad (Ginsburg et al. 2019): momentum SGD over gradients normalized per layer by a moving
 * average of their squared norm, with weight decay added to the normalized gradient (optax's
 * `novograd`). One second-moment number per parameter tensor.
 *
 * ```text
 * vₗ ← ‖gₗ‖² (t = 1),  vₗ ← b2·vₗ + (1 − b2)·‖gₗ‖² (t > 1)
 * mₗ ← b1·mₗ + gₗ/(√vₗ + ε) + λ·pₗ
 * p ← p − η·m
 * ```
 *
 * Conventions: as optax and the paper's Algorithm 1 (first moment undamped, first `v` the first
 * squared norm). NVIDIA's PyTorch NovoGrad (apex, OpenSeq2Seq) defaults to `grad_averaging`,
 * which multiplies the normalized gradient by `1 − b1` (a rate ten times smaller for the same η),
 * and b2 = 0.98 in apex. No PyTorch or Keras core optimizer. The layer norms are reductions run
 * before the fused update program.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link NovogradOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = novograd(1e-2, { weightDecay: 1e-3 });
 * ```
 *
 * Ginsburg et al., 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments for Training of Deep Networks" (https://arxiv.org/abs/1905.11286).
 */
export function novograd(lr: ScalarOrSchedule, options: NovogradOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_NOVOGRAD_DEFAULTS.b1,
    b2 = SCALE_BY_NOVOGRAD_DEFAULTS.b2,
    eps = SCALE_BY_NOVOGRAD_DEFAULTS.eps,
    weightDecay = SCALE_BY_NOVOGRAD_DEFAULTS.weightDecay,
  } = checkOptions('novograd', options, { b1: true, b2: true, eps: true, weightDecay: true });
  return withHyperparams('novograd', { lr, b1, b2, eps, weightDecay }, (h) =>
    chain(scaleByNovograd({ b1: h.b1, b2: h.b2, eps: h.eps, weightDecay: h.weightDecay }), scaleByLearningRate(h.lr)),
  );
}
