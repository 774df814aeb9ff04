import { InvalidArgumentError } from '@downhill/backend';
import type { ScalarOrSchedule } from './types.js';

/** The valid range of a hyperparameter: a test and the words for the message. */
export interface HyperparamRule {
  /** Whether a (non-NaN) number is in range. */
  readonly test: (v: number) => boolean;
  /** The range in words, for messages (`'in [0, 1)'`). */
  readonly expect: string;
}

const nonNegative: HyperparamRule = { test: (v) => v >= 0 && Number.isFinite(v), expect: 'a finite number ≥ 0' };
const positive: HyperparamRule = { test: (v) => v > 0 && Number.isFinite(v), expect: 'a finite number > 0' };
const beta: HyperparamRule = { test: (v) => v >= 0 && v < 1, expect: 'in [0, 1)' };
const unit: HyperparamRule = { test: (v) => v >= 0 && v <= 1, expect: 'in [0, 1]' };
const finite: HyperparamRule = { test: (v) => Number.isFinite(v), expect: 'a finite number' };
// RAdam's rectification takes √((ρₜ − 4)(ρₜ − 2)…) once ρₜ ≥ threshold: below 4 that is the root of a negative number.
const radamThreshold: HyperparamRule = {
  test: (v) => v >= 4 && Number.isFinite(v),
  expect: 'a finite number ≥ 4 (the rectification term needs ρₜ ≥ 4)',
};

/**
 * The valid range of every hyperparameter this package defines, by name: the one place where a
 * name's meaning is written down. Each transformation checks its options against its entries with
 * {@link checkHyperparam}, whose `name` is typed, so a misspelt or missing name is a compile error;
 * `setHyperparams` and schedules check values against the same entries.
 */
export const HYPERPARAM_RULES = {
  lr: nonNegative,
  b1: beta,
  b2: beta,
  b3: beta,
  decay: beta,
  rho: beta,
  momentum: beta,
  dampening: unit,
  eps: nonNegative,
  epsRoot: nonNegative,
  minScale: nonNegative,
  weightDecay: nonNegative,
  initialAccumulatorValue: nonNegative,
  initialScale: nonNegative,
  trustCoefficient: nonNegative,
  minNorm: nonNegative,
  threshold: radamThreshold,
  decayRate: nonNegative,
  clippingThreshold: positive,
  maxNorm: positive,
  maxDelta: nonNegative,
  clipping: positive,
  factor: finite,
  alpha: nonNegative,
  adamLr: nonNegative,
  adamB1: beta,
  adamB2: beta,
  adamEps: nonNegative,
  adamWeightDecay: nonNegative,
} as const satisfies Readonly<Record<string, HyperparamRule>>;

/** The name of a hyperparameter this package defines (a key of {@link HYPERPARAM_RULES}). */
export type HyperparamName = keyof typeof HYPERPARAM_RULES;

/**
 * The rule of a hyperparameter known only by a run-time name (an injected plugin's option, a key
 * given to `setHyperparams`): its entry of {@link HYPERPARAM_RULES}, or, for a name this package
 * does not define, "a finite number" (the plugin's own transformation checks its range when it
 * is built with the value).
 */
function ruleOf(name: string): HyperparamRule {
  return Object.hasOwn(HYPERPARAM_RULES, name) ? HYPERPARAM_RULES[name as HyperparamName] : finite;
}

function checkAgainst(where: string, name: string, value: unknown, rule: HyperparamRule): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(
      `${where}: hyperparameter '${name}' must be a number, got ${typeof value === 'number' ? 'NaN' : `${typeof value} ${String(value)}`}`,
    );
  }
  if (!rule.test(value)) throw new InvalidArgumentError(`${where}: hyperparameter '${name}' must be ${rule.expect}, got ${value}`);
  return value;
}

/**
 * Checks one hyperparameter value: a number (never NaN) in the range its name calls for
 * (`lr ≥ 0`, betas in `[0, 1)`, `eps ≥ 0`, ...).
 *
 * @param where - The optimizer or transformation, for the message.
 * @param name - The hyperparameter's name.
 * @param value - Its value.
 * @throws InvalidArgumentError naming both, with the range and the value.
 *
 * @example
 * ```ts
 * checkHyperparam('adam', 'b1', 1); // throws: adam: hyperparameter 'b1' must be in [0, 1), got 1
 * ```
 */
export function checkHyperparam(where: string, name: HyperparamName, value: unknown): number {
  return checkAgainst(where, name, value, HYPERPARAM_RULES[name]);
}

/**
 * Checks a hyperparameter known only by a run-time name (see {@link HYPERPARAM_RULES}; a name
 * this package does not define must be a finite number).
 *
 * @example
 * ```ts
 * checkNamedHyperparam('setHyperparams', 'b1', 0.95); // 0.95
 * ```
 */
export function checkNamedHyperparam(where: string, name: string, value: unknown): number {
  return checkAgainst(where, name, value, ruleOf(name));
}

/**
 * Checks a number-or-schedule hyperparameter at construction: a number is checked with
 * {@link checkNamedHyperparam}; a schedule must be a function (its values are checked when used).
 *
 * @example
 * ```ts
 * checkScalarOrSchedule('adam', 'lr', (t) => 1e-3 / (1 + t)); // the schedule
 * ```
 */
export function checkScalarOrSchedule(where: string, name: string, value: unknown): ScalarOrSchedule {
  if (typeof value === 'function') return value as (step: number) => number;
  return checkNamedHyperparam(where, name, value);
}

/**
 * Checks every entry of a record of hyperparameters (numbers or schedules).
 *
 * @example
 * ```ts
 * checkHyperparams('myOptimizer', { lr: 1e-3, b1: 0.9 });
 * ```
 */
export function checkHyperparams<T extends Record<string, unknown>>(where: string, values: T): T {
  for (const [k, v] of Object.entries(values)) checkScalarOrSchedule(where, k, v);
  return values;
}

/**
 * The value of a number-or-schedule at a step (0-based), checked.
 *
 * @example
 * ```ts
 * resolveScalar('sgd', 'lr', (t) => 0.1 / (1 + t), 1); // 0.05
 * ```
 */
export function resolveScalar(where: string, name: string, value: ScalarOrSchedule, step: number): number {
  if (typeof value === 'number') return value;
  const v = value(step);
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new InvalidArgumentError(
      `${where}: the schedule of hyperparameter '${name}' gave ${typeof v === 'number' ? 'NaN' : String(v)} at step ${step}`,
    );
  }
  return checkNamedHyperparam(`${where} (schedule at step ${step})`, name, v);
}
