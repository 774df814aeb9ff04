import { chain, scaleByLearningRate, withHyperparams, type InjectedTransformation, type ScalarOrSchedule } from '@downhill/optimizers';
import { scaleByBelief } from './scale-by-belief.js';

/** Options of {@link adabelief}. */
export interface AdaBeliefOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the belief (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the belief and to its root (default 1e-16). */
  readonly eps?: ScalarOrSchedule;
}

/**
 * AdaBelief (Zhuang et al. 2020): Adam whose second moment tracks the squared deviation of the
 * gradient from its EMA ("the belief") instead of the squared gradient, so steps are large where
 * the gradient is predictable and small where it is not.
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * s ← b2·s + (1 − b2)·(g − m)² + ε
 * p ← p − η · (m / (1 − b1ᵗ)) / (√(s / (1 − b2ᵗ)) + ε)
 * ```
 *
 * Its hyperparameters live in the state (`withHyperparams`), so `Optimizer.hyperparams.lr` reads
 * and sets them mid-training, and schedules work for each.
 *
 * @param lr - The learning rate η, or a schedule of the step count.
 * @param options - {@link AdaBeliefOptions}.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * const opt = new Optimizer(adabelief(1e-3), params);
 * params = opt.step(params, grads);
 * ```
 *
 * Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients"
 * (NeurIPS 2020), https://arxiv.org/abs/2010.07468
 */
export function adabelief(lr: ScalarOrSchedule, { b1 = 0.9, b2 = 0.999, eps = 1e-16 }: AdaBeliefOptions = {}): InjectedTransformation {
  return withHyperparams('adabelief', { lr, b1, b2, eps }, (h) =>
    chain(scaleByBelief({ b1: h.b1, b2: h.b2, eps: h.eps }), scaleByLearningRate(h.lr)),
  );
}
