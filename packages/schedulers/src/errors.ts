/** The stable codes a {@link ScheduleError} carries. */
export type ScheduleErrorCode = 'INVALID_ARGUMENT' | 'INVALID_STEP' | 'UNKNOWN_OPTION';

/**
 * The error every schedule throws on purpose: a bad argument when the schedule is built
 * (`INVALID_ARGUMENT`; `UNKNOWN_OPTION` for an options key it does not take), or a step that is negative or not a number when it is called
 * (`INVALID_STEP`). It has the shape of `@downhill/backend`'s `DownhillError` (a stable `code` for
 * programs, a message for people that names the function and the argument, what was expected and
 * what came) without importing it: this package depends on nothing.
 *
 * @example
 * ```ts
 * import { cosineDecay, ScheduleError } from '@downhill/schedulers';
 * try {
 *   cosineDecay(0.1, { decaySteps: -5 });
 * } catch (e) {
 *   if (e instanceof ScheduleError) console.log(e.code); // 'INVALID_ARGUMENT'
 * }
 * ```
 */
export class ScheduleError extends Error {
  /** A stable machine-readable code. */
  readonly code: ScheduleErrorCode;
  constructor(code: ScheduleErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}
