import { InvalidArgumentError } from '@downhill/backend';
import { addDecayedWeights } from './transforms/add-decayed-weights.js';
import { scale } from './transforms/scale.js';
import type { GradientTransformation, ScalarOrSchedule } from './types.js';

/**
 * Options of the adaptive optimizers that act on the gradient before the optimizer's own rule,
 * as PyTorch's `torch.optim` does (`adam`, `nadam`, `amsgrad`, `adamax`, `radam`, `rmsprop`,
 * `adagrad`; `adadelta` and `sgd` already take `weightDecay`; `maximize` also on `sgd`, `adamw`
 * and `adadelta`).
 *
 * ```text
 * g ← −g            (maximize)
 * g ← g + λ·p       (weightDecay λ: L2, coupled)
 * ```
 *
 * Coupled L2 decay goes through the adaptive rescaling (Adam's `m` and `v` see it); for decay
 * applied beside the update, use `adamw` (decoupled, Loshchilov and Hutter).
 */
export interface GradientOptions {
  /**
   * L2 penalty `λ ≥ 0` added to the gradient before the rule, `g ← g + λ·p` (PyTorch's
   * `weight_decay` on Adam, RMSprop, Adagrad, Adamax, NAdam, RAdam). Default: none. When given it
   * is a hyperparameter in the state (`weightDecay`), a schedule allowed.
   */
  readonly weightDecay?: ScalarOrSchedule;
  /** Ascend the objective: the gradient is negated first, before any decay (PyTorch's `maximize`). Default false. */
  readonly maximize?: boolean;
}

/** The keys of {@link GradientOptions} for `checkOptions`. @internal */
export const GRADIENT_OPTION_KEYS = { weightDecay: true, maximize: true } as const;

/** `weightDecay` as a hyperparameter entry: present only when given, so the state of an optimizer built without it is unchanged. @internal */
export function decayHyper(weightDecay: ScalarOrSchedule | undefined): { weightDecay?: ScalarOrSchedule } {
  return weightDecay === undefined ? {} : { weightDecay };
}

/** Throws unless `maximize` is a boolean and `weightDecay` (when given) a valid hyperparameter; at construction. @internal */
export function checkGradientOptions(where: string, { maximize = false }: GradientOptions): void {
  if (typeof maximize !== 'boolean') throw new InvalidArgumentError(`${where}: maximize must be true or false, got ${String(maximize)}`);
}

/**
 * The transforms that run before an optimizer's rule for {@link GradientOptions}: `scale(−1)` for
 * `maximize`, then `addDecayedWeights(λ)` when a decay was given. Empty by default, so an
 * optimizer built without these options has the chain (and the state) it always had.
 * @internal
 */
export function gradientPrefix(
  h: Readonly<Record<string, number>>,
  { maximize = false, weightDecay }: GradientOptions,
  // biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose in a chain
): GradientTransformation<any>[] {
  return [...(maximize ? [scale(-1)] : []), ...(weightDecay === undefined ? [] : [addDecayedWeights(h.weightDecay)])];
}
