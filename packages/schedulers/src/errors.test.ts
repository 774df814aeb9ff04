// Bad arguments fail at construction with a ScheduleError that names the argument; bad steps fail
// at the call.
import { describe, expect, it } from 'vitest';
import {
  ScheduleError,
  constant,
  cosineDecay,
  exponentialDecay,
  join,
  linear,
  oneCycle,
  piecewiseConstant,
  polynomial,
  sgdr,
  stepDecay,
  warmup,
  warmupCosineDecay,
  type Schedule,
} from './index.js';

const ok = constant(1);
// [what, construction, text the message must contain]
const bad: readonly (readonly [string, () => unknown, string])[] = [
  ['constant NaN', () => constant(NaN), 'constant: value must be a finite number ≥ 0, got NaN'],
  [
    'linear negative transitionSteps',
    () => linear(1, { end: 0, transitionSteps: -5 }),
    'linear: transitionSteps must be a finite number > 0, got -5',
  ],
  ['linear zero transitionSteps', () => linear(1, { end: 0, transitionSteps: 0 }), 'transitionSteps'],
  [
    'linear negative transitionBegin',
    () => linear(1, { end: 0, transitionSteps: 5, transitionBegin: -1 }),
    'linear: transitionBegin must be a finite number ≥ 0, got -1',
  ],
  ['linear infinite end', () => linear(1, { end: Infinity, transitionSteps: 5 }), 'linear: end must be a finite number ≥ 0, got Infinity'],
  [
    'polynomial power 0',
    () => polynomial(1, { end: 0, power: 0, transitionSteps: 5 }),
    'polynomial: power must be a finite number > 0, got 0',
  ],
  ['exponential rate 0', () => exponentialDecay(1, { transitionSteps: 5, decayRate: 0 }), 'exponentialDecay: decayRate'],
  [
    'exponential NaN endValue',
    () => exponentialDecay(1, { transitionSteps: 5, decayRate: 0.5, endValue: NaN }),
    'exponentialDecay: endValue',
  ],
  ['stepDecay negative gamma', () => stepDecay(1, { stepSize: 5, gamma: -0.1 }), 'stepDecay: gamma must be a finite number ≥ 0, got -0.1'],
  ['stepDecay zero stepSize', () => stepDecay(1, { stepSize: 0 }), 'stepDecay: stepSize'],
  [
    'piecewise boundaries not increasing',
    () => piecewiseConstant(1, { boundaries: [10, 10], scales: [1, 1] }),
    'piecewiseConstant: boundaries must be strictly increasing, got [10,10] (boundaries[1] = 10 does not exceed boundaries[0] = 10)',
  ],
  [
    'piecewise negative boundary',
    () => piecewiseConstant(1, { boundaries: [-1], scales: [1] }),
    'piecewiseConstant: boundaries[0] must be a finite number ≥ 0, got -1',
  ],
  [
    'piecewise negative scale',
    () => piecewiseConstant(1, { boundaries: [5], scales: [-1] }),
    'piecewiseConstant: scales[0] must be a finite number ≥ 0, got -1',
  ],
  [
    'piecewise scale count',
    () => piecewiseConstant(1, { boundaries: [5, 6], scales: [1] }),
    'piecewiseConstant: scales must have 2 entries (one per boundary), got 1',
  ],
  [
    'piecewise both',
    () => piecewiseConstant(1, { boundaries: [5], scales: [1], values: [1] } as never),
    'give exactly one of scales and values, got both',
  ],
  ['piecewise neither', () => piecewiseConstant(1, { boundaries: [5] } as never), 'got neither'],
  ['cosine negative decaySteps', () => cosineDecay(1, { decaySteps: -3 }), 'cosineDecay: decaySteps must be a finite number > 0, got -3'],
  ['cosine NaN alpha', () => cosineDecay(1, { decaySteps: 3, alpha: NaN }), 'cosineDecay: alpha'],
  ['cosine exponent 0', () => cosineDecay(1, { decaySteps: 3, exponent: 0 }), 'cosineDecay: exponent'],
  ['warmup negative steps', () => warmup(ok, { steps: -1 }), 'warmup: steps must be a finite number ≥ 0, got -1'],
  [
    'warmup not a schedule',
    () => warmup(0.1 as unknown as Schedule, { steps: 1 }),
    'warmup: schedule must be a schedule (a function from step to value), got 0.1',
  ],
  ['warmup target not finite', () => warmup(() => NaN, { steps: 1 }), 'warmup: schedule(0) must be a finite number'],
  [
    'warmupCosine decaySteps ≤ warmupSteps',
    () => warmupCosineDecay(1, { warmupSteps: 10, decaySteps: 10 }),
    'warmupCosineDecay: decaySteps (10) must exceed warmupSteps (10)',
  ],
  ['warmupCosine negative warmupSteps', () => warmupCosineDecay(1, { warmupSteps: -1, decaySteps: 10 }), 'warmupCosineDecay: warmupSteps'],
  ['sgdr zero period', () => sgdr(1, { period: 0 }), 'sgdr: period must be a finite number > 0, got 0'],
  [
    'sgdr multiplier below 1',
    () => sgdr(1, { period: 5, periodMultiplier: 0.5 }),
    'sgdr: periodMultiplier must be a finite number ≥ 1, got 0.5',
  ],
  [
    'oneCycle pctStart above 1',
    () => oneCycle(1, { totalSteps: 10, pctStart: 1.5 }),
    'oneCycle: pctStart must be a number in [0, 1], got 1.5',
  ],
  ['oneCycle negative totalSteps', () => oneCycle(1, { totalSteps: -10 }), 'oneCycle: totalSteps must be a finite number > 0, got -10'],
  [
    'oneCycle anneal',
    () => oneCycle(1, { totalSteps: 10, anneal: 'exp' as 'cos' }),
    `oneCycle: anneal must be one of 'cos', 'linear', got "exp"`,
  ],
  ['oneCycle divFactor 0', () => oneCycle(1, { totalSteps: 10, divFactor: 0 }), 'oneCycle: divFactor'],
  ['join empty', () => join([], []), 'join: schedules must be a non-empty array'],
  ['join boundary count', () => join([ok, ok], [1, 2]), 'join: boundaries must have one entry fewer than schedules (1), got 2'],
  ['join decreasing boundaries', () => join([ok, ok, ok], [5, 2]), 'join: boundaries must be strictly increasing, got [5,2]'],
  ['join non-schedule', () => join([ok, 3 as unknown as Schedule], [1]), 'join: schedules[1] must be a schedule'],
  // No options object where one is required: a ScheduleError naming the options, not a TypeError.
  [
    'cosineDecay without options',
    () => (cosineDecay as (i: number) => Schedule)(0.1),
    'cosineDecay: options must be an object with decaySteps, got undefined',
  ],
  [
    'cosineDecay with null options',
    () => cosineDecay(0.1, null as never),
    'cosineDecay: options must be an object with decaySteps, got null',
  ],
  [
    'warmupCosineDecay without options',
    () => (warmupCosineDecay as (p: number) => Schedule)(0.1),
    'warmupCosineDecay: options must be an object with warmupSteps, decaySteps, got undefined',
  ],
  [
    'warmup without options',
    () => (warmup as (s: Schedule) => Schedule)(ok),
    'warmup: options must be an object with steps, got undefined',
  ],
  [
    'linear without options',
    () => (linear as (i: number) => Schedule)(1),
    'linear: options must be an object with end, transitionSteps, got undefined',
  ],
  [
    'polynomial without options',
    () => (polynomial as (i: number) => Schedule)(1),
    'polynomial: options must be an object with end, power, transitionSteps, got undefined',
  ],
  [
    'exponentialDecay without options',
    () => (exponentialDecay as (i: number) => Schedule)(1),
    'exponentialDecay: options must be an object with transitionSteps, decayRate, got undefined',
  ],
  [
    'stepDecay without options',
    () => (stepDecay as (i: number) => Schedule)(1),
    'stepDecay: options must be an object with stepSize, got undefined',
  ],
  ['sgdr without options', () => (sgdr as (i: number) => Schedule)(1), 'sgdr: options must be an object with period, got undefined'],
  [
    'oneCycle without options',
    () => (oneCycle as (i: number) => Schedule)(1),
    'oneCycle: options must be an object with totalSteps, got undefined',
  ],
  [
    'piecewiseConstant without options',
    () => (piecewiseConstant as (i: number) => Schedule)(1),
    'piecewiseConstant: options must be { boundaries, scales } or { boundaries, values }, got undefined',
  ],
  ['cosineDecay options a number', () => cosineDecay(0.1, 5 as never), 'cosineDecay: options must be an object with decaySteps, got 5'],
  // Values below zero: a schedule gives a learning rate or another hyperparameter that is ≥ 0.
  [
    'warmupCosine negative peak',
    () => warmupCosineDecay(-0.1, { warmupSteps: 10, decaySteps: 100 }),
    'warmupCosineDecay: peak must be a finite number ≥ 0, got -0.1',
  ],
  [
    'warmupCosine negative init',
    () => warmupCosineDecay(0.1, { warmupSteps: 10, decaySteps: 100, init: -1 }),
    'warmupCosineDecay: init must be a finite number ≥ 0, got -1',
  ],
  [
    'warmupCosine negative end',
    () => warmupCosineDecay(0.1, { warmupSteps: 10, decaySteps: 100, end: -1e-3 }),
    'warmupCosineDecay: end must be a finite number ≥ 0, got -0.001',
  ],
  ['cosineDecay negative init', () => cosineDecay(-0.1, { decaySteps: 10 }), 'cosineDecay: init must be a finite number ≥ 0, got -0.1'],
  [
    'cosineDecay negative alpha',
    () => cosineDecay(0.1, { decaySteps: 10, alpha: -0.5 }),
    'cosineDecay: alpha must be a finite number ≥ 0, got -0.5',
  ],
  ['constant negative', () => constant(-1), 'constant: value must be a finite number ≥ 0, got -1'],
  ['linear negative end', () => linear(1, { end: -1, transitionSteps: 5 }), 'linear: end must be a finite number ≥ 0, got -1'],
  [
    'polynomial negative init',
    () => polynomial(-1, { end: 0, power: 1, transitionSteps: 5 }),
    'polynomial: init must be a finite number ≥ 0, got -1',
  ],
  [
    'exponentialDecay negative init',
    () => exponentialDecay(-1, { transitionSteps: 5, decayRate: 0.5 }),
    'exponentialDecay: init must be a finite number ≥ 0, got -1',
  ],
  [
    'exponentialDecay negative endValue',
    () => exponentialDecay(1, { transitionSteps: 5, decayRate: 0.5, endValue: -1 }),
    'exponentialDecay: endValue must be a finite number ≥ 0, got -1',
  ],
  ['stepDecay negative init', () => stepDecay(-1, { stepSize: 5 }), 'stepDecay: init must be a finite number ≥ 0, got -1'],
  [
    'piecewise negative init',
    () => piecewiseConstant(-1, { boundaries: [5], scales: [1] }),
    'piecewiseConstant: init must be a finite number ≥ 0, got -1',
  ],
  [
    'piecewise negative value',
    () => piecewiseConstant(1, { boundaries: [5], values: [-1] }),
    'piecewiseConstant: values[0] must be a finite number ≥ 0, got -1',
  ],
  ['sgdr negative init', () => sgdr(-1, { period: 5 }), 'sgdr: init must be a finite number ≥ 0, got -1'],
  ['sgdr negative minValue', () => sgdr(1, { period: 5, minValue: -1 }), 'sgdr: minValue must be a finite number ≥ 0, got -1'],
  ['oneCycle negative peak', () => oneCycle(-1, { totalSteps: 10 }), 'oneCycle: peak must be a finite number ≥ 0, got -1'],
  ['warmup negative init', () => warmup(ok, { steps: 5, init: -1 }), 'warmup: init must be a finite number ≥ 0, got -1'],
];

describe('bad arguments give a ScheduleError at construction, naming the argument', () => {
  it.each(bad)('%s', (_what, make, text) => {
    let caught: unknown;
    try {
      make();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ScheduleError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as ScheduleError).code).toBe('INVALID_ARGUMENT');
    expect((caught as ScheduleError).name).toBe('ScheduleError');
    expect((caught as Error).message).toContain(text);
  });
});

describe('bad steps give a ScheduleError at the call', () => {
  const schedules: readonly (readonly [string, Schedule])[] = [
    ['constant', constant(1)],
    ['linear', linear(1, { end: 0, transitionSteps: 5 })],
    ['cosineDecay', cosineDecay(1, { decaySteps: 5 })],
    ['join', join([ok, ok], [3])],
    ['warmup', warmup(ok, { steps: 3 })],
    ['sgdr', sgdr(1, { period: 3 })],
    ['oneCycle', oneCycle(1, { totalSteps: 30 })],
  ];
  it.each(schedules)('%s refuses -1 and NaN', (name, s) => {
    for (const step of [-1, NaN]) {
      expect(() => s(step)).toThrow(ScheduleError);
      expect(() => s(step)).toThrow(`${name}: step must be a number ≥ 0, got ${step}`);
    }
    try {
      s(-1);
    } catch (e) {
      expect((e as ScheduleError).code).toBe('INVALID_STEP');
    }
  });
});
