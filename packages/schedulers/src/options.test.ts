/**
 * Unknown options are errors: one row per exported function of the package. This package depends
 * on nothing, so its check is local (ScheduleError with code UNKNOWN_OPTION). A new export without
 * a row fails the last test.
 */
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const X = { notAnOption: 1 };

type Row = (() => unknown) | `no options: ${string}`;

const ROWS: Record<string, Row> = {
  ScheduleError: 'no options: an error class',
  constant: 'no options: (value)',
  linear: () => api.linear(1, { end: 0, transitionSteps: 10, ...X } as never),
  polynomial: () => api.polynomial(1, { end: 0, power: 2, transitionSteps: 10, ...X } as never),
  exponentialDecay: () => api.exponentialDecay(1, { transitionSteps: 10, decayRate: 0.5, ...X } as never),
  stepDecay: () => api.stepDecay(1, { stepSize: 10, ...X } as never),
  piecewiseConstant: () => api.piecewiseConstant(1, { boundaries: [1], scales: [0.5], ...X } as never),
  cosineDecay: () => api.cosineDecay(1, { decaySteps: 10, ...X } as never),
  warmup: () => api.warmup(api.constant(1), { steps: 10, ...X } as never),
  warmupCosineDecay: () => api.warmupCosineDecay(1, { warmupSteps: 1, decaySteps: 10, ...X } as never),
  sgdr: () => api.sgdr(1, { period: 10, ...X } as never),
  oneCycle: () => api.oneCycle(1, { totalSteps: 10, ...X } as never),
  join: 'no options: (schedules, boundaries)',
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key with a ScheduleError naming the valid keys`, () => {
      let err: unknown;
      try {
        row();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(api.ScheduleError);
      expect((err as api.ScheduleError).code).toBe('UNKNOWN_OPTION');
      expect((err as Error).message).toMatch(/unknown option 'notAnOption'; \w+ takes /);
    });
  }

  it('suggests the same key written with underscores', () => {
    expect(() => api.cosineDecay(1, { decay_steps: 10 } as never)).toThrow(/'decay_steps' \(did you mean 'decaySteps'\?\)/);
  });

  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
