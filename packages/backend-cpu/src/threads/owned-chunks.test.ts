/**
 * Owned ranges (`ThreadPool.begin`'s `owned` and `pieces`, and the split of a program run by
 * `programChunks`): every chunk runs exactly once whichever threads take part, even where ranges
 * belong to threads that never come and must be taken from their backs; a program run split into
 * owned ranges of one piece or many, or into plain chunks, gives results bitwise identical on 1,
 * 2 and 4 threads, each equal to the program in float32 node by node.
 */
import type { Backend } from '@downhill/backend';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu, cpuThreadsReady } from '../index.js';
import {
  PROGRAM_MAX_PIECES,
  PROGRAM_PIECE_MIN,
  programChunks,
  programPieces,
  setProgramMinPerThread,
  setProgramOwnedRanges,
  setProgramPieceMin,
} from '../run-program.js';
import { ADAM_PROGRAM, adamProgramReference, randomData } from '../test-helpers.js';
import { getRuntime } from '../wasm/runtime.js';
import { C_WORKERS, WORKER_WORDS } from './control-layout.js';
import { getPool } from './parallel.js';
import { MAX_OWNED_PIECES } from './pool.js';

const COUNTS = [1, 2, 4] as const;
const backends = new Map<number, Backend>(COUNTS.map((n) => [n, cpu({ threads: n })]));
let minBefore = 0;

beforeAll(async () => {
  expect((await cpuThreadsReady(4)).threads).toBe(4);
  minBefore = setProgramMinPerThread(1024); // split the small runs below
});
afterAll(() => {
  setProgramMinPerThread(minBefore);
});

describe('programChunks', () => {
  it('cuts a run into one owned, 16-aligned range per thread, each in `pieces` non-empty chunks that halve, covering every element once in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 1, max: PROGRAM_MAX_PIECES }),
        (threads, extra, pieces) => {
          const total = 32 * threads + extra;
          const { bounds, owned, pieces: per } = programChunks(total, threads, 4 * threads, pieces);
          expect(owned).toBe(threads);
          expect(per).toBeGreaterThanOrEqual(1);
          expect(per).toBeLessThanOrEqual(pieces);
          expect(bounds.length - 1).toBe(threads * per);
          // fewer pieces only where the shortest range has too few whole 16-element blocks to halve that often
          const blocks = Math.min(...Array.from({ length: threads }, (_, t) => Math.floor((bounds[(t + 1) * per] - bounds[t * per]) / 16)));
          if (per < pieces) expect(blocks).toBeLessThan(2 ** per);
          expect(bounds[0]).toBe(0);
          expect(bounds[bounds.length - 1]).toBe(total);
          for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThan(bounds[i - 1]);
          for (let i = 1; i < bounds.length - 1; i++) expect(bounds[i] % 16).toBe(0);
          // the ranges (every `per` chunks) hold the same number of 16-element blocks to within one
          // (the last block of the run may be partial)
          const ranges = Array.from({ length: threads }, (_, t) => bounds[(t + 1) * per] - bounds[t * per]);
          expect(Math.max(...ranges) - Math.min(...ranges)).toBeLessThan(32);
          // each piece but the last of a range is half of what was left of it, in whole blocks
          for (let t = 0; t < threads; t++)
            for (let k = 0; k < per - 1; k++) {
              const [at, end] = [bounds[t * per + k], bounds[(t + 1) * per]];
              expect(bounds[t * per + k + 1] - at).toBe(Math.floor((end - at) / 32) * 16);
            }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with `pieces` 0, cuts `chunks` plain chunks and no owned range', () => {
    const { bounds, owned } = programChunks(100_000, 2, 14, 0);
    expect(owned).toBe(0);
    expect(bounds.length).toBe(15);
  });

  it('a run too short for a 16-element block per thread gets plain chunks', () => {
    const { bounds, owned, pieces } = programChunks(40, 4, 4, 3);
    expect([owned, pieces, bounds.length, bounds[0], bounds[4]]).toEqual([0, 1, 5, 0, 40]);
  });
});

describe('programPieces', () => {
  it('halves each range while its smallest piece keeps PROGRAM_PIECE_MIN elements, PROGRAM_MAX_PIECES pieces at most', () => {
    const want = (range: number) =>
      range < 2 * PROGRAM_PIECE_MIN ? 1 : Math.min(PROGRAM_MAX_PIECES, 1 + Math.floor(Math.log2(range / PROGRAM_PIECE_MIN)));
    expect(programPieces(100_000, 2)).toBe(want(50_000));
    expect(programPieces(203_530, 2)).toBe(want(101_765));
    expect(programPieces(20_000, 2)).toBe(1);
    expect(programPieces(1e7, 2)).toBe(PROGRAM_MAX_PIECES);
    const before = setProgramPieceMin(1000);
    try {
      expect(programPieces(8_000, 2)).toBe(3); // ranges of 4,000: 2,000, 1,000, 1,000
      expect(programPieces(100_000, 2)).toBe(PROGRAM_MAX_PIECES);
    } finally {
      setProgramPieceMin(before);
    }
  });
});

/**
 * Registers a new module on the pool whose one function adds `amount` (`callerAmount` on the
 * calling thread) to the int32 at word `i` of the block at `p` (on the workers from its source
 * text, on the caller as the same function): each chunk leaves a mark, so a chunk run twice or
 * never shows, and with two amounts which side ran it. Returns the module's id.
 */
function registerCounter(amount: number, callerAmount = amount): number {
  const rt = getRuntime()!;
  return getPool()!.register(
    { source: `return { count(p, i) { Atomics.add(new Int32Array(memory.buffer), (p >> 2) + i, ${amount}); } };` },
    ['count'],
    [(p: number, i: number) => Atomics.add(new Int32Array(rt.memory.buffer as SharedArrayBuffer), (p >> 2) + i, callerAmount)],
  );
}

/**
 * Runs jobs of one chunk, a call of module `id` with `args` (the caller taking part), until the
 * first `workers` workers have the module, so that later rounds count chunks, not instantiations.
 */
async function untilInstantiated(id: number, workers: number, args: readonly number[]): Promise<void> {
  const pool = getPool()!;
  const control = (pool as unknown as { control: Int32Array }).control;
  for (
    let k = 0;
    k < 200 && Array.from({ length: workers }, (_, w) => w).some((w) => Atomics.load(control, C_WORKERS + WORKER_WORDS * w + 1) <= id);
    k++
  ) {
    pool.begin(workers + 1);
    pool.call(id, 0, ...args);
    pool.run('a test kernel');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('owned chunks in the pool', () => {
  it('a job that needs a module the workers have not instantiated yet still runs on them (the caller claims no chunk)', () => {
    const rt = getRuntime()!;
    const pool = getPool()!;
    const id = registerCounter(2);
    const n = 12;
    const ptr = rt.exports.allocUninit(n * 4);
    try {
      new Int32Array(rt.memory.buffer, ptr, n).fill(0);
      const before = pool.workerChunks();
      pool.begin(4);
      for (let i = 0; i < n; i++) pool.call(id, 0, ptr, i);
      // the workers instantiate the module, then come back to this job (before, they skipped it,
      // and the caller ran every chunk once it had waited 2 s)
      pool.run('a test kernel', false);
      expect(Array.from(new Int32Array(rt.memory.buffer, ptr, n))).toEqual(new Array(n).fill(2));
      expect(pool.workerChunks() - before, 'chunks the workers ran').toBe(n);
    } finally {
      rt.exports.free(ptr);
    }
  });

  it('runs every chunk once, where owned ranges belong to threads that never come (8 owned, 3 workers), of one piece or many, and where the caller claims none', async () => {
    const rt = getRuntime()!;
    const pool = getPool()!;
    const id = registerCounter(1);
    const n = 40;
    const ptr = rt.exports.allocUninit(n * 4);
    try {
      await untilInstantiated(id, 3, [ptr, 0]);
      for (let round = 0; round < 120; round++) {
        new Int32Array(rt.memory.buffer, ptr, n).fill(0);
        // 1 to 5 pieces per range: 8 ranges of 5 take every chunk, and fewer leave some to the counter
        pool.begin(round % 3 === 0 ? 4 : 8, 0, 0, round % 2 === 0 ? 8 : 3, 1 + (round % 5));
        for (let i = 0; i < n; i++) pool.call(id, 0, ptr, i);
        pool.run('a test kernel', round % 7 !== 0);
        const counts = Array.from(new Int32Array(rt.memory.buffer, ptr, n));
        expect(counts, `round ${round}`).toEqual(new Array(n).fill(1));
      }
    } finally {
      rt.exports.free(ptr);
    }
  });

  it("a range whose owner takes no chunk is taken from its back by the others: the caller's, where it claims none", async () => {
    const rt = getRuntime()!;
    const pool = getPool()!;
    // each chunk takes the next ticket (1, 2, …) from a counter after the marks, and writes it to
    // its mark: positive on a worker, negative on the caller, so the marks give who ran what, in order
    const body = (sign: number) =>
      `const a = new Int32Array(memory.buffer); a[(p >> 2) + i] = ${sign} * (Atomics.add(a, (p >> 2) + n, 1) + 1);`;
    const id = pool.register(
      { source: `return { ticket(p, i, n) { ${body(1)} } };` },
      ['ticket'],
      [new Function('memory', `return (p, i, n) => { ${body(-1)} };`)(rt.memory) as (p: number, i: number, n: number) => void],
    );
    const n = 24;
    const ptr = rt.exports.allocUninit((n + 1) * 4);
    try {
      new Int32Array(rt.memory.buffer, ptr, n + 1).fill(0);
      await untilInstantiated(id, 1, [ptr, 0, n]);
      for (let round = 0; round < 20; round++) {
        new Int32Array(rt.memory.buffer, ptr, n + 1).fill(0);
        pool.begin(2, 0, 0, 2, 12);
        for (let i = 0; i < n; i++) pool.call(id, 0, ptr, i, n);
        pool.run('a test kernel', false);
        // the one worker ran its own range (chunks 12–23) from the front, then the caller's
        // (chunks 0–11) from the back: chunk 11 first, chunk 0 last
        const want = [...Array.from({ length: 12 }, (_, i) => 24 - i), ...Array.from({ length: 12 }, (_, i) => i + 1)];
        expect(Array.from(new Int32Array(rt.memory.buffer, ptr, n)), `round ${round}`).toEqual(want);
      }
    } finally {
      rt.exports.free(ptr);
    }
  });

  it(`refuses ranges of no chunk or of more than ${MAX_OWNED_PIECES}, changing nothing`, () => {
    const pool = getPool()!;
    pool.begin(3, 0, 0, 2, 4);
    const state = () => {
      const p = pool as unknown as { threads: number; owned: number; pieces: number; chunks: number };
      return [p.threads, p.owned, p.pieces, p.chunks];
    };
    const before = state();
    for (const pieces of [0, 1.5, MAX_OWNED_PIECES + 1]) {
      expect(() => pool.begin(2, 0, 0, 2, pieces)).toThrow(new RegExp(`1 to ${MAX_OWNED_PIECES} chunks of a job, not ${pieces}`));
      expect(state(), `after ${pieces} pieces were refused`).toEqual(before);
    }
  });
});

describe('a program run in owned ranges of one piece or many, or in plain chunks', () => {
  it.each([
    ['owned ranges, the rule for this run', true, PROGRAM_PIECE_MIN],
    ['owned ranges of many small pieces', true, 64],
    ['owned ranges of one piece each', true, 1e9],
    ['plain chunks claimed in turn', false, PROGRAM_PIECE_MIN],
  ])('Adam over 41 groups of odd sizes, %s: bitwise identical on 1, 2 and 4 threads, each the program in float32', (_, owned, pieceMin) => {
    const ownedBefore = setProgramOwnedRanges(owned);
    const pieceBefore = setProgramPieceMin(pieceMin);
    try {
      adamOverOddGroups();
    } finally {
      setProgramOwnedRanges(ownedBefore);
      setProgramPieceMin(pieceBefore);
    }
  });
});

/** Adam over 41 groups of odd sizes on 1, 2 and 4 threads: bitwise the program in float32, node by node. */
function adamOverOddGroups(): void {
  const sizes = Array.from({ length: 41 }, (_, k) => (k === 7 ? 20_011 : k === 30 ? 9_999 : 1 + ((k * 977) % 1500)));
  const data = sizes.map((n, k) =>
    [0, 1, 2, 3].map((q) => Float32Array.from(randomData(n, 100 + 4 * k + q), (x) => (q === 3 ? Math.abs(x) : x))),
  );
  const scalars = [1e-3, 0.9, 0.1, 0.999, 0.001, 1e-8];
  const results = COUNTS.map((threads) => {
    const b = backends.get(threads)!;
    getPool()!.backoffUntil = 0;
    const jobs = getPool()!.jobs;
    const groups = data.map((arrs, k) => ({ inputs: arrs.map((a) => b.tensor(a, [sizes[k]])), scalars }));
    b.runProgram(ADAM_PROGRAM, groups, { inPlace: [0, 2, 3] });
    if (threads > 1) expect(getPool()!.jobs, `${threads} threads split the run`).toBeGreaterThan(jobs);
    const out = groups.map((g) => [0, 2, 3].map((i) => b.readSync(g.inputs[i]) as Float32Array));
    b.dispose(groups.map((g) => g.inputs));
    return out;
  });
  data.forEach(([p, g, m, v], k) => {
    for (let i = 0; i < p.length; i++) {
      const want = adamProgramReference(p[i], g[i], m[i], v[i], scalars);
      for (let r = 0; r < COUNTS.length; r++) {
        const got = results[r][k].map((a) => a[i]);
        if (!want.every((w, q) => Object.is(w, got[q])))
          expect.fail(`${COUNTS[r]} threads, group ${k} element ${i}: got ${got}, expected ${want}`);
      }
    }
  });
}
