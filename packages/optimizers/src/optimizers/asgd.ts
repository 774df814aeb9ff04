import { checkOptions } from '@downhill/backend';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { SCALE_BY_ASGD_DEFAULTS, scaleByAsgd } from '../transforms/scale-by-asgd.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link asgd}. */
export interface AsgdOptions {
  /** Decay term λ (default 1e-4). */
  readonly lambd?: number;
  /** Power of the rate's decay (default 0.75). */
  readonly alpha?: number;
  /** The step from which the average starts (default 1e6). */
  readonly t0?: number;
  /** L2 weight decay (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
}

/**
 * Averaged SGD (Polyak and Juditsky 1992), as PyTorch's `torch.optim.ASGD`: SGD with the rate
 * `ηₜ = η/(1 + λ·η·(t − 1))^α` and a shrinking `p·(1 − λ·ηₜ)`, keeping the average of the iterates
 * from step `t0` on in the state (`average`, PyTorch's `ax`): evaluate with it.
 *
 * ```text
 * p ← p·(1 − λ·ηₜ) − ηₜ·(g + wd·p)
 * a ← a + μₜ·(p − a),   μₜ = 1/max(1, t − 1 − t0)
 * ```
 *
 * Checked against `torch.optim.ASGD` (PyTorch 1.13). The rate is computed from the step count,
 * so `lr` is read when the state is made and at each step (a schedule multiplies the base rate).
 * Keras and optax have no ASGD (optax's averaging is a separate wrapper, our `paramsEma`). One
 * fused update program per step.
 *
 * @param lr - The base learning rate η (PyTorch's default 0.01), or a schedule.
 * @param options - See {@link AsgdOptions}.
 * @returns The optimizer; its state holds `hyperparams` and, inside, `average`.
 *
 * @example
 * ```ts
 * const tx = asgd(0.01, { t0: 1000 });
 * ```
 *
 * Polyak and Juditsky, 1992, "Acceleration of Stochastic Approximation by Averaging" (SIAM J. Control Optim. 30(4)).
 */
export function asgd(lr: ScalarOrSchedule, options: AsgdOptions = {}): InjectedTransformation {
  const {
    lambd = SCALE_BY_ASGD_DEFAULTS.lambd,
    alpha = SCALE_BY_ASGD_DEFAULTS.alpha,
    t0 = SCALE_BY_ASGD_DEFAULTS.t0,
    weightDecay = SCALE_BY_ASGD_DEFAULTS.weightDecay,
  } = checkOptions('asgd', options, { lambd: true, alpha: true, t0: true, weightDecay: true });
  return withHyperparams('asgd', { lr, weightDecay }, (h) => scaleByAsgd({ lr: h.lr, lambd, alpha, t0, weightDecay: h.weightDecay }));
}
