import { InvalidArgumentError } from '@downhill/backend';
import type { ScalarOrSchedule } from './types.js';

/** A range rule for one hyperparameter name. */
interface Rule {
  readonly test: (v: number) => boolean;
  readonly expect: string;
}

const nonNegative: Rule = { test: (v) => v >= 0 && Number.isFinite(v), expect: 'a finite number ≥ 0' };
const positive: Rule = { test: (v) => v > 0 && Number.isFinite(v), expect: 'a finite number > 0' };
const beta: Rule = { test: (v) => v >= 0 && v < 1, expect: 'in [0, 1)' };
const unit: Rule = { test: (v) => v >= 0 && v <= 1, expect: 'in [0, 1]' };
const finite: Rule = { test: (v) => Number.isFinite(v), expect: 'a finite number' };

/**
 * The valid range of each hyperparameter, by name. Every optimizer and transformation checks its
 * hyperparameters against this one table, at construction, when a schedule yields a value, and
 * in `setHyperparams`.
 */
const RULES: Readonly<Record<string, Rule>> = {
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
  weightDecay: nonNegative,
  initialAccumulatorValue: nonNegative,
  initialScale: nonNegative,
  trustCoefficient: nonNegative,
  minNorm: nonNegative,
  threshold: finite,
  decayRate: nonNegative,
  clippingThreshold: positive,
  maxNorm: positive,
  maxDelta: nonNegative,
  clipping: positive,
  factor: finite,
};

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
export function checkHyperparam(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`${where}: hyperparameter '${name}' must be a number, got ${typeof value === 'number' ? 'NaN' : `${typeof value} ${String(value)}`}`);
  }
  const rule = RULES[name] ?? finite;
  if (!rule.test(value)) throw new InvalidArgumentError(`${where}: hyperparameter '${name}' must be ${rule.expect}, got ${value}`);
  return value;
}

/**
 * Checks a number-or-schedule hyperparameter at construction: a number is checked with
 * {@link checkHyperparam}; a schedule must be a function (its values are checked when used).
 */
export function checkScalarOrSchedule(where: string, name: string, value: unknown): ScalarOrSchedule {
  if (typeof value === 'function') return value as (step: number) => number;
  return checkHyperparam(where, name, value);
}

/** Checks every entry of a record of hyperparameters (numbers or schedules). */
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
    throw new InvalidArgumentError(`${where}: the schedule of hyperparameter '${name}' gave ${typeof v === 'number' ? 'NaN' : String(v)} at step ${step}`);
  }
  return checkHyperparam(`${where} (schedule at step ${step})`, name, v);
}
