/**
 * The efficiency window of the thread pool: when split jobs stop being split (their threads ran in
 * turn), for how long, and that a quiet machine's occasional bad window changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_JOBS, BACKOFF_MAX_JOBS, EFFICIENCY_MIN, EFFICIENCY_WINDOW_MS, EfficiencyWindow } from './efficiency.js';

/** Feeds one whole window of jobs at efficiency `e`; returns the backoff the last job gave. */
const window = (w: EfficiencyWindow, e: number): number => {
  let out = 0;
  for (let i = 0; i < 4; i++) out = w.add(EFFICIENCY_WINDOW_MS / 4, (e * EFFICIENCY_WINDOW_MS) / 4);
  return out;
};

describe('EfficiencyWindow', () => {
  it('gives no verdict before a window of thread time is full', () => {
    const w = new EfficiencyWindow();
    for (let i = 0; i < 10; i++) expect(w.add(EFFICIENCY_WINDOW_MS / 11, 0)).toBe(0);
  });

  it('backs off after two failed windows in a row, doubling while they keep failing, up to the cap; a passing window resets it', () => {
    const w = new EfficiencyWindow();
    expect(window(w, 0.45)).toBe(0);
    expect(window(w, 0.45)).toBe(BACKOFF_JOBS);
    expect(window(w, 0.3)).toBe(2 * BACKOFF_JOBS);
    expect(window(w, 0.2)).toBe(BACKOFF_MAX_JOBS);
    expect(window(w, 0.2)).toBe(BACKOFF_MAX_JOBS);
    expect(window(w, EFFICIENCY_MIN)).toBe(0);
    expect(window(w, 0.45)).toBe(0);
    expect(window(w, 0.45)).toBe(BACKOFF_JOBS);
  });

  it('never backs off while windows pass, whatever single failed windows come between', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: EFFICIENCY_MIN, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (good, bad) => {
          const w = new EfficiencyWindow();
          for (const e of good) {
            expect(window(w, e)).toBe(0);
            expect(window(w, bad)).toBe(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
