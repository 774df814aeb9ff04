// Properties over random arguments (fast-check, bounded runs): decaying schedules never increase,
// every schedule stays between the values it moves between, and warmup joins are continuous.
import fc from 'fast-check';
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

const RUNS = { numRuns: 60 };
const value = fc.double({ min: 1e-6, max: 10, noNaN: true });
const steps = fc.integer({ min: 1, max: 2000 });
const stepList = fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 2, maxLength: 40 });

/** Values at the sorted steps never increase (`dir = -1`) or never decrease (`dir = 1`). */
function monotone(s: Schedule, at: number[], dir: 1 | -1): void {
  const xs = [...at].sort((a, b) => a - b);
  for (let i = 1; i < xs.length; i++) {
    const d = s(xs[i]) - s(xs[i - 1]);
    expect(dir * d, `between steps ${xs[i - 1]} and ${xs[i]}`).toBeGreaterThanOrEqual(0);
  }
}

function bounded(s: Schedule, at: number[], lo: number, hi: number): void {
  for (const t of at) {
    const v = s(t);
    expect(v, `step ${t}`).toBeGreaterThanOrEqual(lo);
    expect(v, `step ${t}`).toBeLessThanOrEqual(hi);
  }
}

describe('decaying schedules never increase and stay between their end values', () => {
  it('polynomial and linear, from a larger init to a smaller end', () => {
    fc.assert(
      fc.property(
        value,
        value,
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        steps,
        fc.integer({ min: 0, max: 500 }),
        stepList,
        (a, b, power, T, B, at) => {
          const [init, end] = a >= b ? [a, b] : [b, a];
          for (const s of [
            polynomial(init, { end, power, transitionSteps: T, transitionBegin: B }),
            linear(init, { end, transitionSteps: T, transitionBegin: B }),
          ]) {
            monotone(s, at, -1);
            bounded(s, at, end, init);
          }
        },
      ),
      RUNS,
    );
  });

  it('linear rises from a smaller init to a larger end', () => {
    fc.assert(
      fc.property(value, value, steps, stepList, (a, b, T, at) => {
        const [init, end] = a <= b ? [a, b] : [b, a];
        const s = linear(init, { end, transitionSteps: T });
        monotone(s, at, 1);
        bounded(s, at, init, end);
      }),
      RUNS,
    );
  });

  it('exponentialDecay (continuous and staircase) with a rate below 1, floored at endValue', () => {
    fc.assert(
      fc.property(
        value,
        fc.double({ min: 0.01, max: 0.999, noNaN: true }),
        steps,
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        stepList,
        (init, rate, T, staircase, f, at) => {
          const endValue = f * init;
          const s = exponentialDecay(init, { transitionSteps: T, decayRate: rate, staircase, endValue });
          monotone(s, at, -1);
          bounded(s, at, endValue, init);
        },
      ),
      RUNS,
    );
  });

  it('stepDecay with gamma ≤ 1 and piecewiseConstant with scales ≤ 1', () => {
    fc.assert(
      fc.property(
        value,
        fc.double({ min: 0, max: 1, noNaN: true }),
        steps,
        fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 6 }),
        stepList,
        (init, gamma, S, bs, at) => {
          const boundaries = [...bs].sort((x, y) => x - y);
          for (const s of [
            stepDecay(init, { stepSize: S, gamma }),
            piecewiseConstant(init, { boundaries, scales: boundaries.map(() => gamma) }),
          ]) {
            monotone(s, at, -1);
            bounded(s, at, 0, init);
          }
        },
      ),
      RUNS,
    );
  });

  it('cosineDecay with alpha in [0, 1] and any exponent', () => {
    fc.assert(
      fc.property(
        value,
        steps,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 4, noNaN: true }),
        stepList,
        (init, T, alpha, exponent, at) => {
          const s = cosineDecay(init, { decaySteps: T, alpha, exponent });
          monotone(s, at, -1);
          bounded(s, at, alpha * init, init);
        },
      ),
      RUNS,
    );
  });

  it('sgdr decays within each cycle, stays in [minValue, init], and restarts at init', () => {
    fc.assert(
      fc.property(
        value,
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        stepList,
        (init, period, mult, f, at) => {
          const minValue = f * init;
          const s = sgdr(init, { period, periodMultiplier: mult, minValue });
          bounded(s, at, minValue, init);
          // Inside the first cycle it never increases; the first restart gives init back.
          monotone(
            s,
            at.map((t) => (t / 5000) * period * 0.999),
            -1,
          );
          expect(s(period)).toBe(init);
          expect(s(period + period * mult)).toBe(init);
        },
      ),
      RUNS,
    );
  });

  it('oneCycle rises to the peak, then falls, and stays in [final, peak]', () => {
    fc.assert(
      fc.property(
        value,
        fc.integer({ min: 10, max: 5000 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.constantFrom('cos' as const, 'linear' as const),
        stepList,
        (peak, N, pctStart, anneal, at) => {
          const s = oneCycle(peak, { totalSteps: N, pctStart, anneal });
          const rise = pctStart * N - 1;
          const final = peak / 25 / 1e4;
          bounded(s, at, final, peak);
          const scaled = at.map((t) => (t / 5000) * (N - 1));
          monotone(
            s,
            scaled.filter((t) => t <= rise),
            1,
          );
          monotone(
            s,
            scaled.filter((t) => t >= Math.max(rise, 0)),
            -1,
          );
        },
      ),
      RUNS,
    );
  });
});

describe('continuity where schedules meet', () => {
  // The left limit at boundary b of a join is the left schedule's value at b (it is continuous in
  // the step); the joined value there must equal it within 1e-12, and steps just left of b must
  // approach it.
  function continuousAt(joined: Schedule, left: Schedule, b: number): void {
    const limit = left(b);
    expect(Math.abs(joined(b) - limit)).toBeLessThanOrEqual(1e-12);
    for (const eps of [1e-3, 1e-6, 1e-9]) {
      expect(Math.abs(joined(b - eps) - limit)).toBeLessThanOrEqual(Math.max(1e-12, (eps * 10 * Math.abs(limit)) / Math.min(b, 1)));
    }
  }

  it('join(linear warmup, cosine decay) is continuous at the boundary', () => {
    fc.assert(
      fc.property(
        value,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 5000 }),
        (peak, f, W, D) => {
          const up = linear(f * peak, { end: peak, transitionSteps: W });
          const joined = join([up, cosineDecay(peak, { decaySteps: D, alpha: 0.1 })], [W]);
          continuousAt(joined, up, W);
        },
      ),
      RUNS,
    );
  });

  it('warmup(schedule) and warmupCosineDecay are continuous at the end of the warmup', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 5000 }), (peak, W, D) => {
        const ramp = linear(0, { end: peak, transitionSteps: W });
        continuousAt(warmupCosineDecay(peak, { warmupSteps: W, decaySteps: W + D }), ramp, W);
        continuousAt(warmup(exponentialDecay(peak, { transitionSteps: D, decayRate: 0.3 }), { steps: W }), ramp, W);
        continuousAt(warmup(constant(peak), { steps: W }), ramp, W);
      }),
      RUNS,
    );
  });

  it('cosineDecay, polynomial and sgdr approach their later values continuously', () => {
    const c = cosineDecay(1, { decaySteps: 100, alpha: 0.2 });
    const p = polynomial(1, { end: 0.3, power: 3, transitionSteps: 50, transitionBegin: 10 });
    const s = sgdr(1, { period: 10, minValue: 0.1 });
    for (const eps of [1e-4, 1e-7]) {
      // The cosine flattens at its ends (error ~ eps²); the polynomial leaves its start linearly.
      expect(Math.abs(c(100 - eps) - 0.2)).toBeLessThan(eps * eps * 10);
      expect(Math.abs(p(60 - eps) - 0.3)).toBeLessThan(eps * eps * 10);
      expect(Math.abs(p(10 + eps) - 1)).toBeLessThan(eps * 0.1);
      expect(Math.abs(s(10 - eps) - 0.1)).toBeLessThan(eps * eps * 10); // left of a restart: the floor
    }
  });
});
