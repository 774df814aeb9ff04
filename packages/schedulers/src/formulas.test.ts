// Values at the steps where schedules change behaviour (step 0, the last warmup step, the end of a
// transition, restart points), each checked against its formula written out independently here.
import { describe, expect, it } from 'vitest';
import {
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

const { cos, PI, floor } = Math;
const half = (x: number): number => 0.5 * (1 + cos(PI * x));

// [case, schedule, step, expected value, exact?] (exact: the schedule promises the very value)
type Row = readonly [string, Schedule, number, number, boolean?];

const poly = polynomial(1, { end: 0.01, power: 2, transitionSteps: 100, transitionBegin: 5 });
const lin = linear(0.1, { end: 0.001, transitionSteps: 1000, transitionBegin: 100 });
const linUp = linear(0, { end: 2, transitionSteps: 8 });
const expo = exponentialDecay(0.1, { transitionSteps: 1000, decayRate: 0.5, transitionBegin: 10 });
const expoStair = exponentialDecay(0.1, { transitionSteps: 1000, decayRate: 0.5, staircase: true });
const expoFloor = exponentialDecay(0.1, { transitionSteps: 100, decayRate: 0.5, endValue: 0.02 });
const expoGrow = exponentialDecay(1, { transitionSteps: 10, decayRate: 2, endValue: 5 });
const stepD = stepDecay(0.1, { stepSize: 30, gamma: 0.5 });
const pwScales = piecewiseConstant(0.1, { boundaries: [100, 200], scales: [0.1, 0.5] });
const pwValues = piecewiseConstant(0.1, { boundaries: [100, 200], values: [0.05, 0.01] });
const cosD = cosineDecay(0.1, { decaySteps: 1000, alpha: 0.01 });
const cosP = cosineDecay(2, { decaySteps: 10, exponent: 3 });
const wcd = warmupCosineDecay(0.1, { warmupSteps: 100, decaySteps: 1000, init: 0.01, end: 0.001 });
const wu = warmup(constant(0.3), { steps: 4, init: 0.1 });
const wu0 = warmup(constant(0.3), { steps: 0 });
const sg = sgdr(0.1, { period: 10, periodMultiplier: 2, minValue: 0.001 });
const sg1 = sgdr(1, { period: 7, minValue: 0.5, peakMultiplier: 0.5 });
const sgFrac = sgdr(1, { period: 3, periodMultiplier: 1.5 }); // starts 0, 3, 7.5, 14.25, …
const oc = oneCycle(0.1, { totalSteps: 1000 });
const ocLin = oneCycle(1, { totalSteps: 100, pctStart: 0.25, divFactor: 10, finalDivFactor: 100, anneal: 'linear' });
const oc3 = oneCycle(1, { totalSteps: 100, pctStart: 0.25, divFactor: 10, finalDivFactor: 100, threePhase: true });

const rows: Row[] = [
  ['constant at 0', constant(0.01), 0, 0.01, true],
  ['constant far out', constant(0.01), 1e9, 0.01, true],
  ['polynomial before begin', poly, 0, 1, true],
  ['polynomial at begin', poly, 5, 1, true],
  ['polynomial one step in', poly, 6, 0.99 * (1 - 1 / 100) ** 2 + 0.01],
  ['polynomial half way', poly, 55, 0.99 * 0.25 + 0.01],
  ['polynomial last transition step', poly, 104, 0.99 * (1 / 100) ** 2 + 0.01],
  ['polynomial transition end', poly, 105, 0.01, true],
  ['polynomial after', poly, 1e6, 0.01, true],
  ['linear at begin', lin, 100, 0.1, true],
  ['linear half way', lin, 600, 0.1 + 0.5 * (0.001 - 0.1)],
  ['linear transition end', lin, 1100, 0.001, true],
  ['linear rising, step 3', linUp, 3, 0.75],
  ['linear rising, last transition step', linUp, 7, 1.75],
  ['exponential before begin', expo, 5, 0.1, true],
  ['exponential at begin', expo, 10, 0.1, true],
  ['exponential one period in', expo, 1010, 0.05],
  ['exponential 1.5 periods in', expo, 1510, 0.1 * 0.5 ** 1.5],
  ['exponential staircase just before', expoStair, 999, 0.1, true],
  ['exponential staircase at the jump', expoStair, 1000, 0.05],
  ['exponential staircase 2.5 periods', expoStair, 2500, 0.025],
  ['exponential floor not reached', expoFloor, 100, 0.05],
  ['exponential floor reached', expoFloor, 300, 0.02, true],
  ['exponential growth ceiling', expoGrow, 10, 2],
  ['exponential growth ceiling reached', expoGrow, 30, 5, true],
  ['stepDecay last step of first piece', stepD, 29, 0.1, true],
  ['stepDecay first decay', stepD, 30, 0.05],
  ['stepDecay third piece', stepD, 60, 0.025],
  ['piecewise scales before', pwScales, 99, 0.1, true],
  ['piecewise scales at boundary', pwScales, 100, 0.1 * 0.1, true],
  ['piecewise scales second', pwScales, 200, 0.1 * 0.1 * 0.5, true],
  ['piecewise values before', pwValues, 99.5, 0.1, true],
  ['piecewise values at boundary', pwValues, 100, 0.05, true],
  ['piecewise values last', pwValues, 1e9, 0.01, true],
  ['cosine at 0', cosD, 0, 0.1, true],
  ['cosine a quarter in', cosD, 250, 0.1 * (0.01 + 0.99 * half(0.25))],
  ['cosine half way', cosD, 500, 0.1 * (0.01 + 0.99 * 0.5)],
  ['cosine last decay step', cosD, 999, 0.1 * (0.01 + 0.99 * half(0.999))],
  ['cosine at end', cosD, 1000, 0.1 * 0.01, true],
  ['cosine after end', cosD, 5000, 0.1 * 0.01, true],
  ['cosine with exponent', cosP, 4, 2 * half(0.4) ** 3],
  ['warmupCosine at 0', wcd, 0, 0.01, true],
  ['warmupCosine mid warmup', wcd, 50, 0.01 + 0.5 * (0.1 - 0.01)],
  ['warmupCosine last warmup step', wcd, 99, 0.01 + 0.99 * (0.1 - 0.01)],
  ['warmupCosine at peak', wcd, 100, 0.1, true],
  ['warmupCosine decay half way', wcd, 550, 0.001 + (0.1 - 0.001) * 0.5],
  ['warmupCosine last decay step', wcd, 999, 0.001 + (0.1 - 0.001) * half(899 / 900)],
  ['warmupCosine end', wcd, 1000, 0.001, true],
  ['warmup at 0', wu, 0, 0.1, true],
  ['warmup last warmup step', wu, 3, 0.1 + 0.75 * 0.2],
  ['warmup done', wu, 4, 0.3, true],
  ['warmup of 0 steps', wu0, 0, 0.3, true],
  ['sgdr at 0', sg, 0, 0.1, true],
  ['sgdr mid first cycle', sg, 5, 0.001 + 0.099 * 0.5],
  ['sgdr last step of first cycle', sg, 9, 0.001 + 0.099 * half(9 / 10)],
  ['sgdr first restart', sg, 10, 0.1, true],
  ['sgdr in second cycle', sg, 15, 0.001 + 0.099 * half(5 / 20)],
  ['sgdr last step of second cycle', sg, 29, 0.001 + 0.099 * half(19 / 20)],
  ['sgdr second restart', sg, 30, 0.1, true],
  ['sgdr third cycle', sg, 50, 0.001 + 0.099 * 0.5],
  ['sgdr constant period, peak decay, restart 2', sg1, 14, 0.25, true],
  ['sgdr constant period, peak decay, inside', sg1, 10, 0.5 + (0.5 - 0.5) * half(3 / 7)],
  ['sgdr constant period, first cycle', sg1, 3, 0.5 + 0.5 * half(3 / 7)],
  ['sgdr fractional multiplier, restart 2', sgFrac, 7.5, 1, true],
  ['sgdr fractional multiplier, inside cycle 2', sgFrac, 10, half(2.5 / 6.75)],
  ['sgdr fractional multiplier, restart 3', sgFrac, 14.25, 1, true],
  ['oneCycle at 0', oc, 0, 0.1 / 25, true],
  ['oneCycle rising', oc, 100, 0.1 + ((0.1 / 25 - 0.1) / 2) * (1 + cos((PI * 100) / 299))],
  ['oneCycle peak', oc, 299, 0.1, true],
  ['oneCycle falling', oc, 500, 0.1 / 25 / 1e4 + ((0.1 - 0.1 / 25 / 1e4) / 2) * (1 + cos((PI * 201) / 700))],
  ['oneCycle last step', oc, 999, 0.1 / 25 / 1e4, true],
  ['oneCycle past the end', oc, 5000, 0.1 / 25 / 1e4, true],
  ['oneCycle linear rising', ocLin, 12, 0.1 + (1 - 0.1) * (12 / 24)],
  ['oneCycle linear peak', ocLin, 24, 1, true],
  ['oneCycle linear falling', ocLin, 61.5, 1 + (0.001 - 1) * (37.5 / 75)],
  ['oneCycle three-phase back at initial', oc3, 48, 0.1, true],
  ['oneCycle three-phase middle of phase 2', oc3, 36, 0.1 + ((1 - 0.1) / 2) * (1 + cos(PI * 0.5))],
  ['oneCycle three-phase final phase', oc3, 73.5, 0.001 + ((0.1 - 0.001) / 2) * (1 + cos((PI * 25.5) / 51))],
  ['oneCycle three-phase end', oc3, 99, 0.001, true],
];

describe('schedules match their formulas', () => {
  for (const [name, schedule, step, expected, exact] of rows) {
    it(name, () => {
      const got = schedule(step);
      if (exact) expect(got).toBe(expected);
      else expect(Math.abs(got - expected)).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(expected)));
    });
  }

  it('joins with relative steps: each later schedule starts at its boundary', () => {
    const probe: Schedule = (t) => 1000 + t;
    const j = join([constant(1), probe, (t) => -t], [10, 25]);
    expect([j(0), j(9.5), j(10), j(11), j(24), j(25), j(30)]).toEqual([1, 1, 1000, 1001, 1014, -0, -5]);
  });

  it('accepts Infinity as the step and gives the value the schedule settles at', () => {
    expect(cosD(Infinity)).toBe(0.001);
    expect(poly(Infinity)).toBe(0.01);
    expect(expoFloor(Infinity)).toBe(0.02);
    expect(exponentialDecay(3, { transitionSteps: 5, decayRate: 1 })(Infinity)).toBe(3);
    expect(sg(Infinity)).toBe(0.001);
    expect(oc(Infinity)).toBe(0.1 / 25 / 1e4);
  });

  it('gives one value per step whatever was called before (pure functions)', () => {
    const seq = [5, 900, 5, 0, 5];
    const values = seq.map((s) => sg(s));
    expect(values[0]).toBe(values[2]);
    expect(values[2]).toBe(values[4]);
    expect(floor(values[3] * 10)).toBe(1);
  });
});
