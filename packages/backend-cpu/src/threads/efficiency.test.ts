/**
 * The efficiency window of the thread pool: when split jobs stop being split (their threads ran in
 * turn), for how long, and that a quiet machine's occasional bad windows, even two in a row, change
 * nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BACKOFF_MS,
  BACKOFF_MAX_MS,
  EFFICIENCY_MIN,
  EFFICIENCY_WINDOW_MS,
  EfficiencyWindow,
  FAILED_WINDOWS,
  RECENT_WINDOWS,
} from './efficiency.js';

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

  it('backs off once three of the last four windows failed, doubling while the windows after it keep failing, up to the cap; a passing window halves it', () => {
    expect([FAILED_WINDOWS, RECENT_WINDOWS]).toEqual([3, 4]);
    expect(BACKOFF_MAX_MS).toBe(8 * BACKOFF_MS);
    const w = new EfficiencyWindow();
    expect(window(w, 0.45)).toBe(0);
    expect(window(w, 0.45)).toBe(0); // two in a row: not yet
    expect(window(w, 0.8)).toBe(0);
    expect(window(w, 0.45)).toBe(BACKOFF_MS); // three of the last four
    expect(window(w, 0.3)).toBe(2 * BACKOFF_MS);
    expect(window(w, 0.2)).toBe(4 * BACKOFF_MS);
    expect(window(w, 0.2)).toBe(BACKOFF_MAX_MS);
    expect(window(w, 0.1)).toBe(BACKOFF_MAX_MS);
    expect(window(w, EFFICIENCY_MIN)).toBe(0); // passes: the next backoff is half the last
    expect(window(w, 0.45)).toBe(0);
    expect(window(w, 0.45)).toBe(0);
    expect(window(w, 0.45)).toBe(BACKOFF_MAX_MS / 2);
    for (let k = 0; k < 5; k++) expect(window(w, 0.9)).toBe(0); // passes halve it down to the first backoff
    for (let k = 0; k < 2; k++) expect(window(w, 0.45)).toBe(0);
    expect(window(w, 0.45)).toBe(BACKOFF_MS);
  });

  it('backs off on a busy machine whose windows mostly fail, within four windows and then at every failed one', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: EFFICIENCY_MIN * 0.99, noNaN: true }), { minLength: 8, maxLength: 30 }), (bad) => {
        const w = new EfficiencyWindow();
        const out = bad.map((e) => window(w, e));
        expect(out.slice(0, FAILED_WINDOWS - 1).every((b) => b === 0)).toBe(true);
        expect(out.slice(FAILED_WINDOWS - 1).every((b) => b >= BACKOFF_MS)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('never backs off while at most two of any four windows fail', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: EFFICIENCY_MIN, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (good, bad) => {
          // two failed windows (at most) between each pair of passing ones
          const w = new EfficiencyWindow();
          for (const e of good) {
            expect(window(w, e)).toBe(0);
            expect(window(w, e)).toBe(0);
            expect(window(w, bad)).toBe(0);
            expect(window(w, bad)).toBe(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
