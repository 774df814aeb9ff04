/**
 * Fuzz: every schedule builder with random arguments and random steps. Each call either gives a
 * schedule whose values are finite numbers ≥ 0 at every valid step, or throws a ScheduleError
 * (this package's typed error, the shape of DownhillError); a bad step is a ScheduleError too.
 * The number of inputs tried is printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const weird = fc.oneof(
  fc.double(),
  fc.integer({ min: -5, max: 50 }),
  fc.constantFrom(NaN, Infinity, -1, 0, 1, 0.5, '3', null, undefined, [], {}),
);
const opts = fc.dictionary(
  fc.constantFrom(
    'decaySteps',
    'alpha',
    'exponent',
    'transitionSteps',
    'decayRate',
    'end',
    'power',
    'steps',
    'warmupSteps',
    'period',
    'totalSteps',
    'stepSize',
    'boundaries',
    'scales',
    'values',
    'init',
    'bogus',
  ),
  fc.oneof(weird, fc.array(weird, { maxLength: 3 })),
  { maxKeys: 4 },
);
const builders: ((a: unknown, o: unknown) => unknown)[] = [
  (a) => api.constant(a as never),
  (a, o) => api.linear(a as never, o as never),
  (a, o) => api.polynomial(a as never, o as never),
  (a, o) => api.exponentialDecay(a as never, o as never),
  (a, o) => api.stepDecay(a as never, o as never),
  (a, o) => api.piecewiseConstant(a as never, o as never),
  (a, o) => api.cosineDecay(a as never, o as never),
  (a, o) => api.warmup(api.constant(0.1), o as never),
  (a, o) => api.warmupCosineDecay(a as never, o as never),
  (a, o) => api.sgdr(a as never, o as never),
  (a, o) => api.oneCycle(a as never, o as never),
  (a, o) => api.join([api.constant(0.1), api.constant(a as never)], o as never),
];

describe('fuzz: schedulers', () => {
  it('random arguments and steps: a finite value ≥ 0 or a ScheduleError', () => {
    let tried = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: builders.length - 1 }),
        weird,
        fc.oneof(opts, weird),
        fc.array(weird, { maxLength: 4 }),
        (k, a, o, steps) => {
          tried++;
          let s: unknown;
          try {
            s = builders[k](a, o);
          } catch (e) {
            expect(e, String(e)).toBeInstanceOf(api.ScheduleError);
            return;
          }
          for (const t of [0, 1, 7, 1000, ...steps]) {
            try {
              const v = (s as (t: unknown) => number)(t);
              expect(Number.isFinite(v) && v >= 0, `${k} at ${String(t)} gave ${v}`).toBe(true);
            } catch (e) {
              expect(e, String(e)).toBeInstanceOf(api.ScheduleError);
            }
          }
        },
      ),
      { numRuns: 2000, seed: 21 },
    );
    console.log(`fuzz: schedulers: ${tried} inputs tried`);
  });
});
