import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { chain } from '../chain.js';
import { checkGradientOptions, gradientPrefix } from '../gradient-options.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_ADAM_DEFAULTS, scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { ScalarOrSchedule } from '../types.js';
import type { AdamOptions } from './adam.js';

/** Options of {@link adamw}. */
export interface AdamwOptions extends Omit<AdamOptions, 'weightDecay'> {
  /** Decoupled weight decay `λ` (default 1e-4, as optax; PyTorch's default is 1e-2). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay: a predicate on the dotted name or a tree of booleans (default all). */
  readonly mask?: Mask;
  /**
   * How the decay scales with the learning rate. `'learning-rate'` (default; PyTorch, optax, Keras):
   * each step decays by `ηₜ·λ` (`p ← p·(1 − ηₜ·λ)` in PyTorch's words). `'independent'` (the paper's
   * `η_t` as a schedule multiplier, Wortsman et al. 2023's "independent" decay): each step decays by
   * `λ·ηₜ/η₀`, so λ means the same whatever the base rate (`λ` per step with a constant rate).
   */
  readonly weightDecayCoupling?: 'learning-rate' | 'independent';
}

/**
 * AdamW: Adam with weight decay decoupled from the adaptive rescaling (optax's `adamw`).
 *
 * ```text
 * m, v, m̂, v̂ as in Adam
 * p ← p − η · ( m̂ / (√(v̂ + ε_root) + ε) + λ·p )        (λ = 0 where the mask says so)
 * ```
 *
 * PyTorch's `AdamW` multiplies the parameters by `1 − η·λ` before Adam's step, which is this rule
 * (the default `weightDecayCoupling: 'learning-rate'`, checked against `torch.optim.AdamW`); the
 * paper's Algorithm 2 multiplies λ by the schedule multiplier only (`'independent'`).
 *
 * Hyperparameters in the state: `lr`, `b1`, `b2`, `eps`, `epsRoot`, `weightDecay`. Where the backend
 * compiles programs, a step is one fused update program per mask (decayed and not).
 *
 * Conventions: `weightDecay` defaults to 1e-4 (optax); PyTorch's `AdamW` defaults to 1e-2 and
 * Keras's to 4e-3, so pass it explicitly when porting. The decay is multiplied by the learning
 * rate as in all three (`p ← p − η·λ·p`, the parameter before the step; checked against PyTorch to
 * 1e-13); the paper's schedule multiplier is `η`'s schedule here. `ε` defaults to 1e-8 (PyTorch,
 * optax); Keras's is 1e-7. PyTorch's `maximize` is the option of the same name.
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link AdamwOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = adamw(1e-3, { weightDecay: 1e-2, mask: (name) => !name.endsWith('bias') });
 * ```
 *
 * Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization" (https://arxiv.org/abs/1711.05101).
 */
export function adamw(lr: ScalarOrSchedule, options: AdamwOptions = {}): InjectedTransformation {
  const {
    b1 = SCALE_BY_ADAM_DEFAULTS.b1,
    b2 = SCALE_BY_ADAM_DEFAULTS.b2,
    eps = SCALE_BY_ADAM_DEFAULTS.eps,
    epsRoot = SCALE_BY_ADAM_DEFAULTS.epsRoot,
    weightDecay = 1e-4,
    mask,
    nesterov = SCALE_BY_ADAM_DEFAULTS.nesterov,
    amsgrad = SCALE_BY_ADAM_DEFAULTS.amsgrad,
    maximize,
    weightDecayCoupling = 'learning-rate',
    momentumDecay,
    epsPlacement,
  } = checkOptions('adamw', options, {
    maximize: true,
    weightDecayCoupling: true,
    momentumDecay: true,
    epsPlacement: true,
    b1: true,
    b2: true,
    eps: true,
    epsRoot: true,
    weightDecay: true,
    mask: true,
    nesterov: true,
    amsgrad: true,
  });
  if (weightDecayCoupling !== 'learning-rate' && weightDecayCoupling !== 'independent')
    throw new InvalidArgumentError(
      `adamw: option 'weightDecayCoupling' must be 'learning-rate' or 'independent', got ${String(weightDecayCoupling)}`,
    );
  const lr0 = typeof lr === 'function' ? lr(0) : lr;
  if (weightDecayCoupling === 'independent' && !(lr0 > 0))
    throw new InvalidArgumentError(
      `adamw: weightDecayCoupling 'independent' divides by the initial learning rate, which must be > 0, got ${lr0}`,
    );
  const decayOf = (wd: number) => (weightDecayCoupling === 'independent' ? wd / lr0 : wd);
  const conventions = { ...(momentumDecay !== undefined ? { momentumDecay } : {}), ...(epsPlacement ? { epsPlacement } : {}) };
  checkGradientOptions('adamw', { maximize });
  return withHyperparams(nesterov ? 'nadamw' : 'adamw', { lr, b1, b2, eps, epsRoot, weightDecay }, (h) => {
    return chain(
      ...gradientPrefix(h, { maximize }),
      scaleByAdam({ b1: h.b1, b2: h.b2, eps: h.eps, epsRoot: h.epsRoot, nesterov, amsgrad, ...conventions }),
      addDecayedWeights(decayOf(h.weightDecay), { mask }),
      scaleByLearningRate(h.lr),
    );
  });
}
