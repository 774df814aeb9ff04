import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkGradientOptions, gradientPrefix, type GradientOptions } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { TRACE_MOMENTUM_DEFAULTS, traceMomentum } from '../transforms/trace-momentum.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link sgd}. */
export interface SgdOptions extends Pick<GradientOptions, 'maximize'> {
  /** Heavy-ball momentum `μ` in `[0, 1)` (default 0: plain SGD, no buffer). */
  readonly momentum?: ScalarOrSchedule;
  /** Nesterov momentum (needs `momentum > 0` and no dampening; default false). */
  readonly nesterov?: boolean;
  /** Dampening `τ` of the gradient entering the buffer (default 0). */
  readonly dampening?: ScalarOrSchedule;
  /** L2 penalty `λ` added to the gradient before momentum, as PyTorch (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
}

/**
 * Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 weight decay
 * (PyTorch's `SGD`; optax's `sgd` plus weight decay).
 *
 * ```text
 * g ← g + λ·p
 * b ← μ·b + (1 − τ)·g                (momentum ≠ 0; b starts at 0)
 * d = g + μ·b (Nesterov),  b,  or g (no momentum)
 * p ← p − η·d
 * ```
 *
 * Hyperparameters in the state: `lr`, `weightDecay`, and `momentum`, `dampening` when built with
 * momentum. Where the backend compiles programs, a step is one fused update program. TensorFlow.js's `sgd` and `momentum` optimizers are the same
 * rule (its momentum buffer also starts at zero).
 *
 * Conventions: PyTorch sets the buffer to `g` on the first step (no dampening then), so with
 * `dampening` τ ≠ 0 its first step is `1/(1 − τ)` times ours; equal for τ = 0 (the default).
 * optax's `sgd` has no dampening and no weight decay (chain `addDecayedWeights` there). Keras's
 * `SGD` keeps `η` inside the velocity (`v ← μ·v − η·g`, `p ← p + v`): the same steps for a
 * constant rate, different ones while a schedule changes it; Keras 3's `weight_decay` is
 * decoupled (`p ← p − η·λ·p` beside the step), not this coupled `λ·p` in the gradient.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule of the step count.
 * @param options - See {@link SgdOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 * @throws InvalidArgumentError for a hyperparameter out of range, or Nesterov without momentum.
 *
 * @example
 * ```ts
 * const tx = sgd(0.1, { momentum: 0.9, nesterov: true });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Robbins and Monro, 1951, "A Stochastic Approximation Method"; Polyak, 1964; Sutskever et al.,
 * 2013, "On the importance of initialization and momentum in deep learning".
 */
export function sgd(lr: ScalarOrSchedule, options: SgdOptions = {}): InjectedTransformation {
  const {
    momentum = 0,
    nesterov = TRACE_MOMENTUM_DEFAULTS.nesterov,
    dampening = TRACE_MOMENTUM_DEFAULTS.dampening,
    weightDecay = 0,
    maximize,
  } = checkOptions('sgd', options, { momentum: true, nesterov: true, dampening: true, weightDecay: true, maximize: true });
  checkGradientOptions('sgd', { maximize });
  const hasMomentum = momentum !== 0;
  if (nesterov && (!hasMomentum || dampening !== 0)) {
    throw new InvalidArgumentError(
      `sgd: Nesterov momentum needs momentum > 0 and dampening 0, got momentum ${String(momentum)} and dampening ${String(dampening)}`,
    );
  }
  const hyper: Record<string, ScalarOrSchedule> = hasMomentum ? { lr, momentum, dampening, weightDecay } : { lr, weightDecay };
  return withHyperparams('sgd', hyper, (h) =>
    chain(
      ...gradientPrefix(h, { maximize }),
      addDecayedWeights(h.weightDecay),
      ...(hasMomentum ? [traceMomentum(h.momentum, { nesterov, dampening: h.dampening })] : []),
      scaleByLearningRate(h.lr),
    ),
  );
}
