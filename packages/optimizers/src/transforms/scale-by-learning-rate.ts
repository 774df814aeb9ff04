import { checkOptions } from '@downhill/backend';
import { checkScalarOrSchedule, resolveScalar } from '../hyperparams.js';
import { mapTrees, stateNumber } from '../tree.js';
import type { GradientTransformation, ScalarOrSchedule } from '../types.js';
import type { EmptyState } from './scale.js';

/** The state of a scheduled scale: how many updates were made. */
export type ScaleByScheduleState = {
  /** Updates made so far: the step the schedule is evaluated at. */
  readonly count: number;
};

/**
 * Scales updates by a schedule of the step count (optax's `scale_by_schedule`).
 *
 * ```text
 * u ← s(t) · u,   t = 0, 1, 2, ...
 * ```
 *
 * @param schedule - Any `(step) => number`.
 * @returns A transformation whose state counts the updates.
 *
 * @example
 * ```ts
 * const warmup = scaleBySchedule((t) => Math.min(1, (t + 1) / 100));
 * ```
 */
export function scaleBySchedule(schedule: (step: number) => number): GradientTransformation<ScaleByScheduleState> {
  const where = 'scaleBySchedule';
  return {
    name: where,
    init: () => ({ count: 0 }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where);
      const s = resolveScalar(where, 'factor', schedule, count);
      return [mapTrees([grads], ([g]) => g.backend.mul(g, s), { where, labels: ['update'] }), { count: count + 1 }];
    },
    hostStep(state, context) {
      const count = stateNumber(state, 'count', where);
      const s = resolveScalar(where, 'factor', schedule, count);
      for (let i = 0; i < context.leaves; i++) context.literals.push(s);
      return { count: count + 1 };
    },
  };
}

/**
 * Scales updates by the learning rate, flipping the sign for descent (optax's
 * `scale_by_learning_rate`).
 *
 * ```text
 * u ← −η(t) · u        (η(t) = lr, or lr(t) for a schedule)
 * ```
 *
 * @param lr - A learning rate ≥ 0, or a schedule of the step count.
 * @param options - Options:
 * @param options.flipSign - Negate (default true: gradient descent).
 * @returns A stateless transformation for a number; one that counts steps for a schedule.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdam(), scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByLearningRate(
  lr: ScalarOrSchedule,
  options: { flipSign?: boolean } = {},
): GradientTransformation<EmptyState | ScaleByScheduleState> {
  const { flipSign = true } = checkOptions('scaleByLearningRate', options, { flipSign: true });
  const where = 'scaleByLearningRate';
  checkScalarOrSchedule(where, 'lr', lr);
  const sign = flipSign ? -1 : 1;
  if (typeof lr === 'function') {
    const inner = scaleBySchedule((t) => sign * resolveScalar(where, 'lr', lr, t));
    return { ...inner, name: where } as GradientTransformation<EmptyState | ScaleByScheduleState>;
  }
  const factor = sign * lr;
  return {
    name: where,
    init: () => ({}),
    update: (grads, state) => [mapTrees([grads], ([g]) => g.backend.mul(g, factor), { where, labels: ['update'] }), state],
    hostStep(state, context) {
      for (let i = 0; i < context.leaves; i++) context.literals.push(factor);
      return state;
    },
  };
}
