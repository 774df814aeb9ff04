import { checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_ADAN_DEFAULTS, scaleByAdan } from '../transforms/scale-by-adan.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link adan}. */
export interface AdanOptions {
  /** Decay of the gradient average (default 0.98). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the difference average and weight of the difference (default 0.92). */
  readonly b2?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.99). */
  readonly b3?: ScalarOrSchedule;
  /** Added outside the root (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
  /** Added inside the root (default 0; optax's `adan` defaults to 1e-8). */
  readonly epsRoot?: ScalarOrSchedule;
  /** Decoupled weight decay λ (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * Adan (Xie et al. 2022): adaptive Nesterov momentum, estimated from the moving average of
 * gradient differences instead of an extra gradient at an extrapolated point.
 *
 * ```text
 * δ = g − g_prev (0 at t = 1);  m ← b1·m + (1 − b1)·g;  d ← b2·d + (1 − b2)·δ
 * n ← b3·n + (1 − b3)·(g + b2·δ)²
 * p ← p − η · ( (m/(1 − b1ᵗ) + b2·d/(1 − b2ᵗ)) / (√(n/(1 − b3ᵗ)) + ε) + λ·p )
 * ```
 *
 * Conventions: the betas are the reference code's decays (sail-sg/Adan, 0.98/0.92/0.99; the
 * paper's β's are one minus these). The difference weighs `b2` as in the paper and the reference;
 * optax's `scale_by_adan` (commit 2edbcbe) weighs it by `1 − b2`, which gives other steps.
 * Weight decay is decoupled and applied as `−η·λ·p` (the reference's `no_prox=True`, and optax's);
 * the reference's default is the proximal `p ← (p − η·u)/(1 + η·λ)`, equal to first order in η·λ.
 * No PyTorch or Keras core optimizer. One fused update program per step.
 *
 * @param lr - Learning rate η, or a schedule.
 * @param options - See {@link AdanOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adan(1e-3, { weightDecay: 0.02 });
 * ```
 *
 * Xie et al., 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models" (https://arxiv.org/abs/2208.06677).
 */
export function adan(lr: ScalarOrSchedule, options: AdanOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAN_DEFAULTS.b1,
    b2 = SCALE_BY_ADAN_DEFAULTS.b2,
    b3 = SCALE_BY_ADAN_DEFAULTS.b3,
    eps = SCALE_BY_ADAN_DEFAULTS.eps,
    epsRoot = SCALE_BY_ADAN_DEFAULTS.epsRoot,
    weightDecay = 0,
    mask,
  } = checkOptions('adan', options, { b1: true, b2: true, b3: true, eps: true, epsRoot: true, weightDecay: true, mask: true });
  return withHyperparams('adan', { lr, b1, b2, b3, eps, epsRoot, weightDecay }, (h) =>
    chain(
      scaleByAdan({ b1: h.b1, b2: h.b2, b3: h.b3, eps: h.eps, epsRoot: h.epsRoot }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByLearningRate(h.lr),
    ),
  );
}
