import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import type { Mask } from '../mask.js';
import { isTraced } from '../program/tracing-backend.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { SCALE_BY_ADAM_DEFAULTS, scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { mapTrees, stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, ScalarOrSchedule } from '../types.js';

/** Options of {@link cautious}. */
export interface CautiousOptions {
  /**
   * What the wrapped transformation returns: `'step'` (default), steps to add to the parameters
   * (any named optimizer: a coordinate is kept where `u·g < 0`), or `'gradient'`, a rescaled
   * gradient before the learning rate's sign flip (`scaleByAdam`: kept where `u·g > 0`).
   */
  readonly direction?: 'step' | 'gradient';
  /** The smallest fraction kept that is divided by, so a tensor with few kept coordinates is not blown up (default 1e-3). */
  readonly minFraction?: number;
}

/**
 * The cautious wrapper (Liang et al. 2024): zeroes the coordinates of an update whose sign
 * disagrees with the gradient's, and rescales each tensor by the fraction it kept.
 *
 * ```text
 * u = tx.update(g)
 * mask = [u·g > 0]       (direction 'gradient';  [u·g < 0] for 'step')
 * u ← u ⊙ mask / max(mean(mask), minFraction)        (the mean per parameter tensor)
 * ```
 *
 * Reductions first: the kept fraction of each tensor is a reduction, which enters the update
 * program as a scalar; the comparison and the masking are part of the program.
 *
 * Conventions: as the authors' current `c_adamw.py` (mask divided by `max(mean, 1e-3)`); their
 * first version divided by `(Σmask + 1)/n`. Their mask compares the momentum with the gradient;
 * wrapped around Adam's rescaling (`direction: 'gradient'`) this is the same test, since the
 * denominator is positive. optax, PyTorch and Keras have no cautious wrapper.
 *
 * @param tx - The transformation or optimizer to wrap.
 * @param options - See {@link CautiousOptions}.
 * @returns A transformation with the wrapped one's state.
 *
 * @example
 * ```ts
 * const tx = cautious(lion(1e-4)); // C-Lion
 * const cAdam = chain(cautious(scaleByAdam(), { direction: 'gradient' }), scaleByLearningRate(1e-3));
 * ```
 *
 * Liang, Chen, Liu and Liu, 2024, "Cautious Optimizers: Improving Training with One Line of Code"
 * (https://arxiv.org/abs/2411.16085); reference code kyleliang919/C-Optim, `c_adamw.py`.
 */
export function cautious<S extends OptState>(tx: GradientTransformation<S>, options: CautiousOptions = {}): GradientTransformation<S> {
  const where = 'cautious';
  const { direction = 'step', minFraction = 1e-3 } = checkOptions(where, options, { direction: true, minFraction: true });
  if (!tx || typeof tx.init !== 'function' || typeof tx.update !== 'function')
    throw new InvalidArgumentError(`${where}: expected a gradient transformation ({ init, update })`);
  if (direction !== 'step' && direction !== 'gradient')
    throw new InvalidArgumentError(`${where}: direction must be 'step' or 'gradient', got ${JSON.stringify(direction)}`);
  if (typeof minFraction !== 'number' || !(minFraction > 0) || minFraction > 1)
    throw new InvalidArgumentError(`${where}: minFraction must be a number in (0, 1], got ${String(minFraction)}`);
  const agreeOp = direction === 'step' ? 'less' : 'greater';
  return {
    name: `cautious(${tx.name ?? '?'})`,
    init: (params) => tx.init(params),
    update(grads, state, params) {
      const [u, next] = tx.update(grads, state, params);
      const masked = mapTrees(
        [u, grads],
        ([x, g]): Tensor => {
          const b = x.backend;
          const agree = b.compare(agreeOp, b.mul(x, g.dtype === x.dtype ? g : b.cast(g, x.dtype)), 0);
          const kept = b.reduce('sum', b.where(agree, 1, 0));
          const scale = b.div(1, b.binary('maximum', b.div(b.cast(kept, x.dtype), Math.max(x.size, 1)), minFraction));
          return b.mul(b.where(agree, x, 0), scale);
        },
        { where, labels: ['update', 'gradient'], dtype: false },
      );
      if (!isTraced(grads)) {
        // The wrapped updates are consumed here: release those that are not the caller's or the state's.
        const keep = new Set<Tensor>([...stateTensors(grads), ...stateTensors(params), ...stateTensors(state), ...stateTensors(next)]);
        for (const t of stateTensors(u)) if (!keep.has(t)) t.dispose();
      }
      return [masked, next];
    },
  };
}

/** Options of {@link cautiousAdamw}. */
export interface CautiousAdamwOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the root of the second moment (default 1e-6, as the authors' code). */
  readonly eps?: ScalarOrSchedule;
  /** Decoupled weight decay (default 0, as the authors' code). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
}

/**
 * C-AdamW (Liang et al. 2024): AdamW whose Adam step is masked where its sign disagrees with the
 * gradient ({@link cautious}), the decoupled decay left unmasked.
 *
 * ```text
 * m, v, m̂, v̂ as in Adam;  a = m̂ / (√v̂ + ε)
 * φ = [a·g > 0] / max(mean([a·g > 0]), 1e-3)
 * p ← p − η·(a ⊙ φ + λ·p)
 * ```
 *
 * Conventions: as the authors' `c_adamw.py` (betas (0.9, 0.999), ε 1e-6, decay 0, decay applied
 * to the parameters before the step) except for ε's place: theirs is Hugging Face's
 * `m·√(1 − b2ᵗ)/((1 − b1ᵗ)(√v + ε))`, ours optax's `m̂/(√v̂ + ε)` (equal at ε = 0).
 *
 * @param lr - Learning rate `η ≥ 0`, or a schedule.
 * @param options - See {@link CautiousAdamwOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * const tx = cautiousAdamw(1e-3, { weightDecay: 0.01 });
 * ```
 *
 * Liang, Chen, Liu and Liu, 2024, "Cautious Optimizers: Improving Training with One Line of Code"
 * (https://arxiv.org/abs/2411.16085); reference code kyleliang919/C-Optim, `c_adamw.py`.
 */
export function cautiousAdamw(lr: ScalarOrSchedule, options: CautiousAdamwOptions = {}): InjectedTransformation {
  const where = 'cautiousAdamw';
  const {
    b1 = SCALE_BY_ADAM_DEFAULTS.b1,
    b2 = SCALE_BY_ADAM_DEFAULTS.b2,
    eps = 1e-6,
    weightDecay = 0,
    mask,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, weightDecay: true, mask: true });
  return withHyperparams(where, { lr, b1, b2, eps, weightDecay }, (h) =>
    chain(
      cautious(scaleByAdam({ b1: h.b1, b2: h.b2, eps: h.eps }), { direction: 'gradient' }),
      addDecayedWeights(h.weightDecay, { mask }),
      scaleByLearningRate(h.lr),
    ),
  );
}
