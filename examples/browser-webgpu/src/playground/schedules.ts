import { constant, cosineDecay, exponentialDecay, stepDecay, warmupCosineDecay, type Schedule } from '@downhill/schedulers';
import type { ScheduleKind } from './config.js';

/** What each schedule does, for the page. */
export const SCHEDULE_TEXT: Readonly<Record<ScheduleKind, string>> = {
  constant: 'constant',
  cosine: 'cosine decay to 0 over the run',
  exponential: 'halves every quarter of the run',
  warmup: 'linear warm-up over the first 10%, then cosine decay',
  step: '×0.1 after each third of the run',
};

/**
 * The learning rate of a run as a schedule of `@downhill/schedulers`, shaped by the run's length.
 *
 * @param kind - Which schedule.
 * @param lr - The peak (and starting) learning rate.
 * @param steps - The run's length.
 * @returns `(step) => learning rate`, the step counted from 0.
 *
 * @example
 * ```ts
 * scheduleOf('cosine', 0.1, 100)(50); // 0.05
 * ```
 */
export function scheduleOf(kind: ScheduleKind, lr: number, steps: number): Schedule {
  switch (kind) {
    case 'constant':
      return constant(lr);
    case 'cosine':
      return cosineDecay(lr, { decaySteps: Math.max(1, steps) });
    case 'exponential':
      return exponentialDecay(lr, { transitionSteps: Math.max(1, steps / 4), decayRate: 0.5 });
    case 'warmup':
      return warmupCosineDecay(lr, { warmupSteps: Math.floor(steps / 10), decaySteps: Math.max(2, steps) });
    case 'step':
      return stepDecay(lr, { stepSize: Math.max(1, Math.ceil(steps / 3)), gamma: 0.1 });
  }
}
