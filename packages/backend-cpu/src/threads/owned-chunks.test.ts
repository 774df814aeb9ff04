/**
 * Owned chunks (`ThreadPool.begin`'s `owned`, and the split of a program run by
 * `programChunks`): every chunk runs exactly once whichever threads take part, even where owned
 * chunks belong to threads that never come; a program run split into owned ranges and a shared
 * tail gives results bitwise identical on 1, 2 and 4 threads, each equal to the program in
 * float32 node by node.
 */
import type { Backend } from '@downhill/backend';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu, cpuThreadsReady } from '../index.js';
import {
  PROGRAM_ALL_OWNED_MAX,
  PROGRAM_OWNED_SHARE,
  PROGRAM_TAIL_CHUNKS_PER_THREAD,
  programChunks,
  programOwnedShare,
  setProgramMinPerThread,
  setProgramOwnedShare,
} from '../run-program.js';
import { ADAM_PROGRAM, adamProgramReference, randomData } from '../test-helpers.js';
import { getRuntime } from '../wasm/runtime.js';
import { C_WORKERS, WORKER_WORDS } from './control-layout.js';
import { getPool } from './parallel.js';

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
  it('cuts a run into one owned, 16-aligned, non-empty range per thread, then the tail, covering every element once in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 3_000_000 }), (threads, extra) => {
        const total = 32 * threads + extra;
        const { bounds, owned } = programChunks(total, threads, 4 * threads, 7 / 8);
        expect(owned).toBe(threads);
        expect(bounds[0]).toBe(0);
        expect(bounds[bounds.length - 1]).toBe(total);
        for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThan(bounds[i - 1]);
        for (let t = 1; t < bounds.length - 1; t++) expect(bounds[t] % 16).toBe(0);
        // the owned ranges are equal (the last also takes a tail under 16 elements), about 7/8 of the run
        const own = bounds[1] - bounds[0];
        for (let t = 1; t < threads - 1; t++) expect(bounds[t + 1] - bounds[t]).toBe(own);
        expect(bounds[threads] - bounds[threads - 1] - own).toBeLessThan(bounds.length - 1 === threads ? 16 : 1);
        expect(bounds.length - 1 - threads).toBeLessThanOrEqual(threads * PROGRAM_TAIL_CHUNKS_PER_THREAD);
        if (bounds.length - 1 > threads) expect(bounds[threads]).toBeLessThanOrEqual(total);
        expect(own * threads).toBeGreaterThan((7 / 8) * total - 16 * threads);
      }),
      { numRuns: 300 },
    );
  });

  it('without an owned share, cuts `chunks` plain chunks', () => {
    const { bounds, owned } = programChunks(100_000, 2, 14, 0);
    expect(owned).toBe(0);
    expect(bounds.length).toBe(15);
  });
});

/**
 * Registers a new module on the pool whose one function adds `amount` to the int32 at word `i` of
 * the block at `p` (on the workers from its source text, on the caller as the same function):
 * each chunk leaves a mark, so a chunk run twice or never shows. Returns the module's id.
 */
function registerCounter(amount: number): number {
  const rt = getRuntime()!;
  return getPool()!.register(
    { source: `return { count(p, i) { Atomics.add(new Int32Array(memory.buffer), (p >> 2) + i, ${amount}); } };` },
    ['count'],
    [(p: number, i: number) => Atomics.add(new Int32Array(rt.memory.buffer as SharedArrayBuffer), (p >> 2) + i, amount)],
  );
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

  it('runs every chunk once, where owned chunks belong to threads that never come (8 owned, 3 workers), and where the caller claims none', async () => {
    const rt = getRuntime()!;
    const pool = getPool()!;
    const id = registerCounter(1);
    const n = 40;
    const ptr = rt.exports.allocUninit(n * 4);
    const control = (pool as unknown as { control: Int32Array }).control;
    try {
      // run jobs (the caller taking part) until all three workers have the module, so that the
      // rounds below count owned chunks, not instantiations
      for (let k = 0; k < 200 && [0, 1, 2].some((w) => Atomics.load(control, C_WORKERS + WORKER_WORDS * w + 1) <= id); k++) {
        pool.begin(4);
        pool.call(id, 0, ptr, 0);
        pool.run('a test kernel');
        await new Promise((r) => setTimeout(r, 5));
      }
      for (let round = 0; round < 60; round++) {
        new Int32Array(rt.memory.buffer, ptr, n).fill(0);
        pool.begin(round % 3 === 0 ? 4 : 8, 0, 0, round % 2 === 0 ? 8 : 3);
        for (let i = 0; i < n; i++) pool.call(id, 0, ptr, i);
        pool.run('a test kernel', round % 5 !== 0);
        const counts = Array.from(new Int32Array(rt.memory.buffer, ptr, n));
        expect(counts, `round ${round}`).toEqual(new Array(n).fill(1));
      }
    } finally {
      rt.exports.free(ptr);
    }
  });
});

describe('programOwnedShare', () => {
  it('owns all of a run up to PROGRAM_ALL_OWNED_MAX elements and PROGRAM_OWNED_SHARE of a longer one; a set share overrides both', () => {
    expect(programOwnedShare(203_530)).toBe(1);
    expect(programOwnedShare(PROGRAM_ALL_OWNED_MAX)).toBe(1);
    expect(programOwnedShare(PROGRAM_ALL_OWNED_MAX + 1)).toBe(PROGRAM_OWNED_SHARE);
    const before = setProgramOwnedShare(0);
    try {
      expect(programOwnedShare(203_530)).toBe(0);
      expect(programOwnedShare(1e7)).toBe(0);
    } finally {
      setProgramOwnedShare(before);
    }
    expect(programOwnedShare(1e7)).toBe(PROGRAM_OWNED_SHARE);
  });
});

describe('a program run in owned ranges, with and without a shared tail', () => {
  it.each([
    ['owned ranges alone (the rule for a run this size)', undefined],
    ['7/8 in owned ranges and a shared tail', 7 / 8],
  ])('Adam over 41 groups of odd sizes, %s: bitwise identical on 1, 2 and 4 threads, each the program in float32', (_, share) => {
    const shareBefore = setProgramOwnedShare(share);
    try {
      adamOverOddGroups();
    } finally {
      setProgramOwnedShare(shareBefore);
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
