import { checkOptions, InvalidArgumentError } from '@downhill/backend';
import { chain } from '../chain.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { SCALE_BY_POLYAK_DEFAULTS, scaleByPolyak, type ObjectiveValue } from '../transforms/scale-by-polyak.js';
import type { ScalarOrSchedule } from '../types.js';

/** Options of {@link polyakSgd}. */
export interface PolyakSgdOptions {
  /** The objective at the current parameters (required): a number the loop has, or a rank-0 tensor. */
  readonly value?: ObjectiveValue;
  /** A lower bound of the objective (default 0). */
  readonly fMin?: number;
  /** Added to the squared gradient norm (default 0). */
  readonly eps?: number;
  /** Multiplies the step (optax's `scaling`; default 1). */
  readonly scaling?: ScalarOrSchedule;
}

/**
 * SGD with Polyak's step size (optax's `polyak_sgd`): the step that would reach `f*` if the
 * objective were linear, capped at `lr`. Needs the objective's value at every step (`value`).
 *
 * ```text
 * γ = min( (f(p) − f*) / (‖g‖² + ε),  γ_max )
 * p ← p − c·γ·g
 * ```
 *
 * `lr` is the cap γ_max (optax's `max_learning_rate`). Conventions: optax takes the value as an
 * extra argument of `update` and measures `‖c·g‖`; here `value` is a callback given the
 * parameters, and γ uses `‖g‖` (the two agree for `c = 1`, the default). No PyTorch or Keras core
 * optimizer. The global norm is a reduction run before the fused update program.
 *
 * @param lr - The largest step γ_max, or a schedule.
 * @param options - See {@link PolyakSgdOptions}.
 * @returns The optimizer; its state holds `hyperparams`.
 *
 * @example
 * ```ts
 * let loss = Infinity; // the training loop sets it before each step
 * const tx = polyakSgd(1, { value: () => loss });
 * ```
 *
 * Polyak, 1987, "Introduction to Optimization", §5.3; Loizou, Vaswani, Laradji and Lacoste-Julien,
 * 2021, "Stochastic Polyak Step-size for SGD" (AISTATS 2021, https://arxiv.org/abs/2002.10542).
 */
export function polyakSgd(lr: ScalarOrSchedule, options: PolyakSgdOptions = {}): InjectedTransformation {
  const {
    value,
    fMin = SCALE_BY_POLYAK_DEFAULTS.fMin,
    eps = SCALE_BY_POLYAK_DEFAULTS.eps,
    scaling = 1,
  } = checkOptions('polyakSgd', options, { value: true, fMin: true, eps: true, scaling: true });
  if (typeof value !== 'function')
    throw new InvalidArgumentError(
      `polyakSgd: option 'value' must be a function (params) => number | Tensor returning the objective at the current parameters, got ${typeof value}`,
    );
  return withHyperparams('polyakSgd', { lr, scaling }, (h) =>
    chain(scaleByPolyak({ value, maxLearningRate: h.lr, fMin, eps }), scaleByLearningRate(h.scaling)),
  );
}
