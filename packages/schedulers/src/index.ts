/**
 * `@downhill/schedulers`: learning-rate schedules as pure functions from the 0-based step to a
 * value. Any `(step: number) => number` is a schedule, so optimizers take these without importing
 * this package. Each builder checks its arguments when called and throws a {@link ScheduleError}
 * that names the bad one.
 *
 * @packageDocumentation
 */
export type { Schedule } from './types.js';
export { ScheduleError, type ScheduleErrorCode } from './errors.js';
export { constant } from './constant.js';
export { linear, polynomial, type LinearOptions, type PolynomialOptions } from './polynomial.js';
export { exponentialDecay, stepDecay, type ExponentialDecayOptions, type StepDecayOptions } from './exponential-decay.js';
export { piecewiseConstant, type PiecewiseConstantOptions } from './piecewise-constant.js';
export { cosineDecay, type CosineDecayOptions } from './cosine-decay.js';
export { warmup, warmupCosineDecay, type WarmupCosineDecayOptions, type WarmupOptions } from './warmup.js';
export { sgdr, type SgdrOptions } from './sgdr.js';
export { oneCycle, type OneCycleOptions } from './one-cycle.js';
export { join } from './join.js';
