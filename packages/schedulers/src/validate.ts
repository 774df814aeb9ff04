// Argument checks shared by the schedules. Every message names the function, the argument, what
// was expected and what came. Internal: not exported from the package.
import { ScheduleError } from './errors.js';
import type { Schedule } from './types.js';

function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(where: string, name: string, expected: string, value: unknown): never {
  throw new ScheduleError('INVALID_ARGUMENT', `${where}: ${name} must be ${expected}, got ${show(value)}`);
}

/**
 * The options object of a schedule: a ScheduleError naming the required keys where it is missing
 * or not an object (instead of the TypeError of destructuring `undefined`), and one naming the
 * valid keys where it has a key the schedule does not take (`decay_steps` → `decaySteps`). The
 * keys are written as `{ key: 'required' | 'optional' }` and must list every key of the options
 * type (a missing or extra one does not compile). This package depends on nothing, so this is the
 * small local form of `checkOptions` of `@downhill/backend`.
 */
export function optionsArg<T extends object>(
  value: T,
  keys: { readonly [K in keyof Required<T>]: 'required' | 'optional' },
  where: string,
): T {
  const valid = Object.keys(keys);
  const required = valid.filter((k) => (keys as Record<string, string>)[k] === 'required');
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(where, 'options', `an object with ${required.join(', ')}`, value);
  const unknown = Object.keys(value).filter((k) => !valid.includes(k));
  if (unknown.length) {
    const norm = (k: string) => k.toLowerCase().replace(/[_-]/g, '');
    const hints = unknown.map((k) => {
      const near = valid.find((v) => norm(v) === norm(k));
      return `'${k}'${near ? ` (did you mean '${near}'?)` : ''}`;
    });
    throw new ScheduleError(
      'UNKNOWN_OPTION',
      `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${hints.join(', ')}; ${where} takes ${valid.join(', ')}`,
    );
  }
  return value;
}

/** A finite number ≥ 0 that is a schedule's value (a learning rate or another hyperparameter). */
export function value(v: unknown, name: string, where: string): number {
  return nonNegative(v, name, where);
}

/** A finite number. */
export function finite(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(where, name, 'a finite number', value);
  return value;
}

/** A finite number ≥ 0 (a count of steps that may be zero). */
export function nonNegative(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(where, name, 'a finite number ≥ 0', value);
  return value;
}

/** A finite number > 0. */
export function positive(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(where, name, 'a finite number > 0', value);
  return value;
}

/** A finite number ≥ `lo`. */
export function atLeast(value: unknown, lo: number, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo) fail(where, name, `a finite number ≥ ${lo}`, value);
  return value;
}

/** A finite number in `[lo, hi]`. */
export function inRange(value: unknown, lo: number, hi: number, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    fail(where, name, `a number in [${lo}, ${hi}]`, value);
  }
  return value;
}

/** One of the listed strings. */
export function oneOf<T extends string>(value: unknown, options: readonly T[], name: string, where: string): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    fail(where, name, `one of ${options.map((o) => `'${o}'`).join(', ')}`, value);
  }
  return value as T;
}

/** An array of finite numbers ≥ 0, strictly increasing. */
export function increasingSteps(value: unknown, name: string, where: string): number[] {
  if (!Array.isArray(value)) fail(where, name, 'an array of step counts', value);
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    if (typeof b !== 'number' || !Number.isFinite(b) || b < 0) {
      fail(where, `${name}[${i}]`, 'a finite number ≥ 0', b);
    }
    if (i > 0 && b <= out[i - 1]) {
      throw new ScheduleError(
        'INVALID_ARGUMENT',
        `${where}: ${name} must be strictly increasing, got ${show(value)} (${name}[${i}] = ${b} does not exceed ${name}[${i - 1}] = ${out[i - 1]})`,
      );
    }
    out.push(b);
  }
  return out;
}

/** An array of `length` finite numbers (≥ 0 when `nonNeg`). */
export function numberList(value: unknown, length: number, name: string, where: string, nonNeg = false): number[] {
  if (!Array.isArray(value)) fail(where, name, `an array of ${length} numbers`, value);
  if (value.length !== length) {
    throw new ScheduleError('INVALID_ARGUMENT', `${where}: ${name} must have ${length} entries (one per boundary), got ${value.length}`);
  }
  return value.map((v, i) => (nonNeg ? nonNegative(v, `${name}[${i}]`, where) : finite(v, `${name}[${i}]`, where)));
}

/** A function (a schedule). */
export function scheduleArg(value: unknown, name: string, where: string): Schedule {
  if (typeof value !== 'function') fail(where, name, 'a schedule (a function from step to value)', value);
  return value as Schedule;
}

/** Throws unless `step` is a number ≥ 0 (`Infinity` allowed). Called on every evaluation. */
export function checkStep(step: number, where: string): void {
  if (!(step >= 0)) {
    throw new ScheduleError('INVALID_STEP', `${where}: step must be a number ≥ 0, got ${show(step)}`);
  }
}

/** `x` clamped into the closed interval between `a` and `b` (in either order). */
export function clampBetween(x: number, a: number, b: number): number {
  return Math.min(Math.max(x, Math.min(a, b)), Math.max(a, b));
}
