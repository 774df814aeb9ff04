/**
 * How split kernels cut their work: `chunksFor` (how many chunks) and `split` (where), checked
 * as properties over sizes and thread counts, and on the sizes the thresholds were chosen for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunksFor, split } from './parallel.js';

describe('chunksFor', () => {
  it('gives every thread a chunk, at most 64 per thread, none under half the threshold where there is more than one per thread', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 16 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        fc.integer({ min: 2, max: 4000 }),
        (threads, minWork, mult) => {
          const work = threads * minWork + Math.floor((minWork * mult) / 7); // at least a threshold per thread, as threadsFor ensures
          const chunks = chunksFor(threads, work, minWork);
          expect(chunks).toBeGreaterThanOrEqual(threads);
          expect(chunks).toBeLessThanOrEqual(64 * threads);
          if (chunks > threads) expect(work / chunks).toBeGreaterThanOrEqual(minWork / 2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows with the size of the job: one or two chunks per thread at the threshold, about 50 for Adam over 1e7 parameters', () => {
    expect(chunksFor(2, 2 * 16384, 16384)).toBe(4);
    expect(chunksFor(2, 203_530, 16384)).toBe(14); // the MLP 784-256-10's Adam step
    expect(chunksFor(2, 1e7, 16384)).toBe(98);
    expect(chunksFor(8, 1e7, 16384)).toBe(8 * 24);
    let last = 0;
    for (let work = 2 * 16384; work < 1e8; work *= 1.5) {
      const c = chunksFor(2, work, 16384);
      expect(c).toBeGreaterThanOrEqual(last);
      last = c;
    }
    expect(last).toBe(128);
  });
});

describe('split', () => {
  it('cuts [0, total) into contiguous shares on multiples of the alignment, covering it once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 << 22 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(1, 4, 8, 16),
        (total, parts, align) => {
          const b = split(total, parts, align);
          expect(b.length).toBe(parts + 1);
          expect(b[0]).toBe(0);
          expect(b[parts]).toBe(total);
          for (let t = 1; t <= parts; t++) expect(b[t]).toBeGreaterThanOrEqual(b[t - 1]);
          for (let t = 1; t < parts; t++) if (b[t] !== total) expect(b[t] % align).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
