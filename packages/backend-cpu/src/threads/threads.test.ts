/**
 * Threads: results bitwise identical on 1, 2 and 4 threads (matmul, column sums, elementwise ops,
 * an Adam step as a compiled program, a short training run), each also checked against an
 * independent reference; the work really splits (jobs counted); typed errors from workers; the
 * options; a process that used threads exits by itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, UnknownOptionError, type Backend, type Tensor } from '@downhill/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu, cpuThreadTimes, cpuThreadsReady, terminateCpuThreads, ThreadError } from '../index.js';
import { ADAM_PROGRAM, adamProgramReference, randomData } from '../test-helpers.js';
import { splitsShared } from '../matmul-wasm.js';
import { getRuntime } from '../wasm/runtime.js';
import { FN, KERNELS, getPool } from './parallel.js';

const COUNTS = [1, 2, 4] as const;
const backends = new Map<number, Backend>(COUNTS.map((n) => [n, cpu({ threads: n })]));

let chunksBefore = 0;
let timesBefore: ReturnType<typeof cpuThreadTimes>;
beforeAll(async () => {
  const info = await cpuThreadsReady(4);
  expect(info.threads).toBe(4);
  chunksBefore = getPool()!.workerChunks();
  timesBefore = cpuThreadTimes();
});

/** Runs `f` on each thread count; checks the results are bitwise equal and that 2 and 4 threads split work. */
function acrossThreads(f: (b: Backend) => Float32Array[]): Float32Array[] {
  const results: Float32Array[][] = [];
  for (const n of COUNTS) {
    getPool()!.backoffUntil = 0; // split even where a busy machine made the pool back off
    const before = getPool()!.jobs;
    results.push(f(backends.get(n)!));
    const jobs = getPool()!.jobs - before;
    if (n === 1) expect(jobs, 'one thread splits nothing').toBe(0);
    else expect(jobs, `${n} threads split the work`).toBeGreaterThan(0);
  }
  for (let r = 1; r < results.length; r++) {
    expect(results[r].length).toBe(results[0].length);
    results[r].forEach((arr, k) => {
      const ref = results[0][k];
      expect(arr.length).toBe(ref.length);
      const i = arr.findIndex((v, j) => !Object.is(v, ref[j]));
      expect(i, `output ${k} on ${COUNTS[r]} threads differs from 1 thread at element ${i}`).toBe(-1);
    });
  }
  return results[0];
}

const read = (b: Backend, t: Tensor) => b.readSync(t) as Float32Array;

describe('bitwise identical results on 1, 2 and 4 threads', () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['128×784 · 784×256 (four panels: split over the shared axis)', [128, 784], [784, 256], false, false],
    ['128×400 · 400×256 (two panels: split over the shared axis)', [128, 400], [400, 256], false, false],
    ['32×1000 · 1000×100 (four panels, the last shorter; columns not a multiple of 8)', [32, 1000], [1000, 100], false, false],
    ['300×64ᵀ · 300×256, transposeA (two panels: split over the shared axis)', [300, 64], [300, 256], true, false],
    ['128×700 · 700×256 (three panels: split by columns)', [128, 700], [700, 256], false, false],
    ['784×128ᵀ · 128×256, transposeA', [128, 784], [128, 256], true, false],
    ['1000×70 · 9×70ᵀ, transposeB (split by rows)', [1000, 70], [9, 70], false, true],
    ['batch of 6: 6×64×300 · 300×40', [6, 64, 300], [300, 40], false, false],
    // the MLP 784-256-10 step's narrow products (3.3·10⁵ multiply-adds each)
    ['128×256 · 256×10 (narrow, split by rows)', [128, 256], [256, 10], false, false],
    ['256×128ᵀ · 128×10, transposeA (narrow)', [128, 256], [128, 10], true, false],
    ['128×10 · 256×10ᵀ, transposeB (split by columns)', [128, 10], [256, 10], false, true],
  ];
  it.each(cases)('matmul %s, within the float32 bound of a float64 product', (_, sa, sb, tA, tB) => {
    const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const da = randomData(size(sa), 1);
    const db = randomData(size(sb), 2);
    const [out] = acrossThreads((b) =>
      b.scope(() => [read(b, b.matmul(b.tensor(da, sa), b.tensor(db, sb), { transposeA: tA, transposeB: tB }))]),
    );
    // float64 reference: out[t, i, j] = Σ A[t, i, k]·B[k, j]
    const [ar, ac] = sa.slice(-2);
    const [br, bc] = sb.slice(-2);
    const [M, K] = tA ? [ac, ar] : [ar, ac];
    const N = tB ? br : bc;
    const batches = size(sa.slice(0, -2));
    const u = 2 ** -24;
    for (let t = 0; t < batches; t++)
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          let abs = 0;
          for (let k = 0; k < K; k++) {
            const x = da[t * ar * ac + (tA ? k * ac + i : i * ac + k)] * db[tB ? j * bc + k : k * bc + j];
            s += x;
            abs += Math.abs(x);
          }
          const got = out[(t * M + i) * N + j];
          if (!(Math.abs(got - s) <= (K + 1) * u * abs + 1e-30)) expect.fail(`[${t}, ${i}, ${j}]: ${got}, expected ${s}`);
        }
  });

  it.each([
    ['128×784 · 784×256 (the MLP 784-256-10 forward)', 128, 784, 256, 2, true, 2],
    ['128×784 · 784×256 on 4 threads', 128, 784, 256, 4, true, 4],
    ['128×400 · 400×256', 128, 400, 256, 2, true, 2],
    ['128×700 · 700×256 (three panels)', 128, 700, 256, 2, false, 0],
    ['128×784 · 784×256 on 3 threads', 128, 784, 256, 3, false, 0],
    ['1024×1024 · 1024×1024 (split by rows)', 1024, 1024, 1024, 2, false, 0],
  ])('%s splits over the shared axis: %s', (_, M, K, N, threads, expected, combines) => {
    const rt = getRuntime()!;
    const panel = rt.exports.gemmPanelK(K);
    const byColumns = Math.ceil(N / 8) >= Math.ceil(M / 4);
    expect(byColumns && splitsShared(threads, M, K, N, panel)).toBe(expected);
    if (threads === 3 || M * K * N > 1e8) return;
    // and the product takes that path: the partial products are added on every thread
    const pool = getPool()!;
    const call = pool.call;
    let adds = 0;
    pool.call = function (this: typeof pool, mod: number, fn: number, ...args: number[]) {
      if (mod === KERNELS && fn === FN.addPanels) adds++;
      return call.call(this, mod, fn, ...args);
    };
    try {
      pool.backoffUntil = 0;
      const b = backends.get(threads)!;
      b.scope(() => b.matmul(b.tensor(randomData(M * K, 1), [M, K]), b.tensor(randomData(K * N, 2), [K, N])));
    } finally {
      pool.call = call;
    }
    expect(adds).toBe(combines);
  });

  it('conv (NHWC 8×32×32×16 with a 3×3×16×32 kernel, SAME: its GEMM splits), within the float32 bound of a float64 conv', () => {
    const x = randomData(8 * 32 * 32 * 16, 7);
    const w = randomData(3 * 3 * 16 * 32, 8);
    const [out] = acrossThreads((b) =>
      b.scope(() => [read(b, b.conv(b.tensor(x, [8, 32, 32, 16]), b.tensor(w, [3, 3, 16, 32]), { padding: 'SAME' }))]),
    );
    const f64 = backends.get(1)!;
    const conv64 = (xs: number[], ws: number[]) =>
      f64.scope(() =>
        f64.readSync(f64.conv(f64.tensor(xs, [8, 32, 32, 16], 'float64'), f64.tensor(ws, [3, 3, 16, 32], 'float64'), { padding: 'SAME' })),
      );
    const ref = conv64(x, w);
    const abs = conv64(x.map(Math.abs), w.map(Math.abs));
    const bound = (3 * 3 * 16 + 1) * 2 ** -24;
    for (let i = 0; i < out.length; i++)
      if (!(Math.abs(out[i] - ref[i]) <= bound * abs[i] + 1e-30)) expect.fail(`element ${i}: ${out[i]}, expected ${ref[i]}`);
  });

  it('column sums (reduce sum over axis 0 of 300 × 700): each the float64 sum in row order, rounded', () => {
    const d = Float32Array.from(randomData(300 * 700, 3));
    const [out] = acrossThreads((b) => b.scope(() => [read(b, b.reduce('sum', b.tensor(d, [300, 700]), 0))]));
    for (let j = 0; j < 700; j++) {
      let s = 0;
      for (let i = 0; i < 300; i++) s += d[i * 700 + j];
      expect(out[j]).toBe(Math.fround(s));
    }
  });

  it('reductions over the last axes (600 rows of 300; 20 × 30 rows of 2 × 150) by sum, max and min: each output the float64 loop in index order, rounded; NaN and ±0 as NumPy', () => {
    const d = Float32Array.from(randomData(600 * 300, 11));
    d[5 * 300 + 17] = Number.NaN; // row 5: max and min are NaN
    d.fill(0, 9 * 300, 10 * 300); // row 9: all +0 …
    d[9 * 300 + 4] = -0; // … but one −0 after the first +0 (the first of equal values wins)
    const outs = acrossThreads((b) =>
      b.scope(() => {
        const x = b.tensor(d, [600, 300]);
        const y = b.tensor(d, [20, 30, 2, 150]);
        return [...(['sum', 'max', 'min'] as const).map((op) => read(b, b.reduce(op, x, -1))), read(b, b.reduce('sum', y, [2, 3]))];
      }),
    );
    for (let r = 0; r < 600; r++) {
      const row = Array.from(d.subarray(r * 300, (r + 1) * 300));
      let s = 0;
      for (const v of row) s += v;
      const hasNaN = row.some(Number.isNaN);
      const want = [Math.fround(s), hasNaN ? Number.NaN : Math.max(...row), hasNaN ? Number.NaN : Math.min(...row), Math.fround(s)];
      if (r === 9) want[1] = want[2] = 0; // +0 first; Math.min would say −0
      const got = [outs[0][r], outs[1][r], outs[2][r], outs[3][r]];
      if (!want.every((w, k) => Object.is(w, got[k]))) expect.fail(`row ${r}: got ${got}, expected ${want}`);
    }
  });

  it('reductions of a whole array of 300 123 values (fixed blocks, then their partial results in order): within float64 rounding of the exact sum; max and min exact', () => {
    const n = 300_123;
    const d = Float32Array.from(randomData(n, 12), (x, i) => x * (1 + (i % 7)));
    const [sum, max, min] = acrossThreads((b) =>
      b.scope(() => {
        const x = b.tensor(d, [n]);
        return (['sum', 'max', 'min'] as const).map((op) => read(b, b.reduce(op, x)));
      }),
    );
    // the exact sum: float32 values are multiples of 2⁻¹⁴⁹, so scaled by 2¹⁴⁹ they are integers (BigInt)
    let exact = 0n;
    for (const v of d) {
      const [mant, exp] = frexp32(v);
      exact += BigInt(mant) << BigInt(exp + 149);
    }
    const ref = Number(exact) / 2 ** 149;
    let abs = 0;
    for (const v of d) abs += Math.abs(v);
    // float64 sums of at most 2¹⁴ terms, then of 19 partials, rounded once into float32
    expect(Math.abs(sum[0] - ref)).toBeLessThanOrEqual(Math.abs(ref) * 2 ** -24 + (2 ** 14 + 19) * 2 ** -53 * abs);
    let mx = -Infinity;
    let mn = Infinity;
    for (const v of d) {
      if (v > mx) mx = v;
      if (v < mn) mn = v;
    }
    expect([max[0], min[0]]).toEqual([mx, mn]);
  });

  it('a ReLU layer of 256 × 256 (bias add, mask, where, and the bias gradient), each the correctly rounded result', () => {
    const a = Float32Array.from(randomData(256 * 256, 7));
    const bias = Float32Array.from(randomData(256, 8));
    const [h, mask, relu, grad] = acrossThreads((b) =>
      b.scope(() => {
        const z = b.add(b.tensor(a, [256, 256]), b.tensor(bias, [256]));
        const m = b.compare('greater', z, 0);
        const r = b.where(m, z, 0);
        return [read(b, z), Float32Array.from(b.readSync(m)), read(b, r), read(b, b.reduce('sum', r, 0))];
      }),
    );
    const col = new Float64Array(256);
    for (let i = 0; i < a.length; i++) {
      const z = Math.fround(a[i] + bias[i % 256]);
      // biome-ignore lint/complexity/useMathMinMax: where(z > 0, z, 0) gives +0 for NaN, unlike Math.max
      const want = [z, z > 0 ? 1 : 0, z > 0 ? z : 0];
      col[i % 256] += want[2];
      const got = [h[i], mask[i], relu[i]];
      if (!want.every((w, k) => Object.is(w, got[k]))) expect.fail(`element ${i}: got ${got}, expected ${want}`);
    }
    // column sums: the float64 sum in row order, rounded once
    for (let j = 0; j < 256; j++)
      if (!Object.is(grad[j], Math.fround(col[j]))) expect.fail(`column ${j}: ${grad[j]}, expected ${Math.fround(col[j])}`);
  });

  it('elementwise: broadcast add, mul, greater and where over 1e5 elements, each the correctly rounded result', () => {
    const a = Float32Array.from(randomData(400 * 250, 4));
    const c = Float32Array.from(randomData(400 * 250, 5));
    const bias = Float32Array.from(randomData(250, 6));
    const [sum, prod, gt, sel] = acrossThreads((b) =>
      b.scope(() => {
        const x = b.tensor(a, [400, 250]);
        const y = b.tensor(c, [400, 250]);
        const m = b.compare('greater', x, y);
        return [
          read(b, b.add(x, b.tensor(bias, [250]))),
          read(b, b.mul(x, y)),
          Float32Array.from(b.readSync(m)),
          read(b, b.where(m, x, y)),
        ];
      }),
    );
    for (let i = 0; i < a.length; i++) {
      const above = a[i] > c[i]; // where(x > y, x, y); not Math.max, which differs on ±0
      const want = [Math.fround(a[i] + bias[i % 250]), Math.fround(a[i] * c[i]), above ? 1 : 0, above ? a[i] : c[i]];
      const got = [sum[i], prod[i], gt[i], sel[i]];
      if (!want.every((w, k) => Object.is(w, got[k]))) expect.fail(`element ${i}: got ${got}, expected ${want}`);
    }
  });

  it('an Adam step (a compiled program over three parameters, in place) equals the program in float32, node by node', () => {
    const sizes = [200_000, 5000, 300];
    const data = sizes.map((n, k) =>
      [0, 1, 2, 3].map((q) => Float32Array.from(randomData(n, 10 * k + q), (x) => (q === 3 ? Math.abs(x) : x))),
    );
    const scalars = [1e-3, 0.9, 0.1, 0.999, 0.001, 1e-8]; // lr, b1, 1 − b1, b2, 1 − b2, eps
    const outs = acrossThreads((b) => {
      const groups = data.map((arrs, k) => ({ inputs: arrs.map((a) => b.tensor(a, [sizes[k]])), scalars }));
      b.runProgram(ADAM_PROGRAM, groups, { inPlace: [0, 2, 3] });
      const res = groups.flatMap((g) => [read(b, g.inputs[0]), read(b, g.inputs[2]), read(b, g.inputs[3])]);
      b.dispose(groups.map((g) => g.inputs));
      return res;
    });
    data.forEach(([p, g, m, v], k) => {
      for (let i = 0; i < p.length; i++) {
        const [p1, m1, v1] = adamProgramReference(p[i], g[i], m[i], v[i], scalars);
        if (!Object.is(outs[3 * k][i], p1) || !Object.is(outs[3 * k + 1][i], m1) || !Object.is(outs[3 * k + 2][i], v1))
          expect.fail(
            `group ${k} element ${i}: got ${outs[3 * k][i]}, ${outs[3 * k + 1][i]}, ${outs[3 * k + 2][i]}; expected ${p1}, ${m1}, ${v1}`,
          );
      }
    });
  });

  it('a short training run (MLP 256-512-10, batch 128, 3 SGD steps) ends at the loss a float64 run reaches', () => {
    const X = randomData(128 * 256, 20);
    const labels = Array.from({ length: 128 }, (_, i) => (i * 7) % 10);
    const Y = Array.from({ length: 128 * 10 }, (_, i) => (labels[Math.floor(i / 10)] === i % 10 ? 1 : 0));
    const W1 = randomData(256 * 512, 21).map((x) => x * 0.1);
    const W2 = randomData(512 * 10, 22).map((x) => x * 0.1);
    const train = (b: Backend, dtype: 'float32' | 'float64') =>
      b.scope(() => {
        const x = b.tensor(X, [128, 256], dtype);
        const y = b.tensor(Y, [128, 10], dtype);
        let w1 = b.tensor(W1, [256, 512], dtype);
        let w2 = b.tensor(W2, [512, 10], dtype);
        let loss = 0;
        for (let step = 0; step < 3; step++) {
          // forward: h = relu(x·w1), out = h·w2, loss = mean((out − y)²) / 2
          const z = b.matmul(x, w1);
          const h = b.where(b.compare('greater', z, 0), z, 0);
          const d = b.sub(b.matmul(h, w2), y);
          loss = (b.readSync(b.reduce('sum', b.mul(d, d))) as Float32Array)[0] / (2 * 128);
          // backward
          const dOut = b.mul(d, 1 / 128);
          const gw2 = b.matmul(h, dOut, { transposeA: true });
          const dh = b.where(b.compare('greater', z, 0), b.matmul(dOut, w2, { transposeB: true }), 0);
          const gw1 = b.matmul(x, dh, { transposeA: true });
          w1 = b.sub(w1, b.mul(gw1, 0.5));
          w2 = b.sub(w2, b.mul(gw2, 0.5));
        }
        return { loss, w1: b.readSync(w1), w2: b.readSync(w2) };
      });
    let loss32 = 0;
    acrossThreads((b) => {
      const r = train(b, 'float32');
      loss32 = r.loss;
      return [r.w1 as Float32Array, r.w2 as Float32Array, Float32Array.of(r.loss)];
    });
    const loss64 = train(backends.get(1)!, 'float64').loss;
    expect(Math.abs(loss32 - loss64)).toBeLessThan(1e-4 * Math.abs(loss64));
  });
});

describe('the workers', () => {
  it('ran chunks of the jobs above (the work left the calling thread)', () => {
    expect(getPool()!.workerChunks() - chunksBefore).toBeGreaterThan(0);
  });

  it("cpuThreadTimes counts the split jobs, and the time in chunks of each thread stays within the jobs' wall time", () => {
    const t = cpuThreadTimes();
    expect(t.jobs - timesBefore.jobs).toBe(getPool()!.jobs - timesBefore.jobs);
    expect(t.jobs).toBeGreaterThan(timesBefore.jobs);
    const wall = t.wallMs - timesBefore.wallMs;
    const caller = t.callerMs - timesBefore.callerMs;
    const workers = t.workersMs.map((w, i) => w - (timesBefore.workersMs[i] ?? 0));
    expect(workers.length).toBe(3);
    expect(caller).toBeGreaterThan(0);
    expect(caller).toBeLessThanOrEqual(wall);
    // a worker's chunks all ran inside jobs (µs rounding and the clock of another thread: 1 ms slack)
    for (const w of workers) expect(w).toBeLessThanOrEqual(wall + 1);
    expect(Math.max(...workers)).toBeGreaterThan(0);
    expect(t.waitMs - timesBefore.waitMs).toBeLessThanOrEqual(wall);
  });
});

describe('the backoff', () => {
  it('keeps split kernels of any size on the calling thread until its time is up, with the same results', async () => {
    const b = backends.get(2)!;
    const x = b.tensor(randomData(256 * 512, 11), [256, 512]);
    const y = b.tensor(randomData(512 * 256, 12), [512, 256]);
    const pool = getPool()!;
    pool.backoffUntil = 0;
    let before = pool.jobs;
    const split = read(b, b.matmul(x, y));
    expect(pool.jobs - before, 'without a backoff the product splits').toBe(1);
    pool.backoffUntil = performance.now() + 60_000;
    before = pool.jobs;
    for (let i = 0; i < 3; i++) expect(read(b, b.matmul(x, y))).toEqual(split);
    expect(pool.jobs - before, 'during the backoff nothing splits').toBe(0);
    pool.backoffUntil = performance.now() + 5;
    await new Promise((done) => setTimeout(done, 20));
    // the expired backoff is cleared when next asked (not after the product: on a loaded machine
    // the product's own job may start a new backoff, which is the rule working)
    expect(pool.backingOff()).toBe(false);
    expect(pool.backoffUntil).toBe(0);
    before = pool.jobs;
    expect(read(b, b.matmul(x, y))).toEqual(split);
    expect(pool.jobs - before, 'after it the product splits again').toBe(1);
  });
});

describe('errors and options', () => {
  it('an error on a worker surfaces on the caller as a ThreadError naming the thread and the kernel', () => {
    const pool = getPool()!;
    pool.begin(2);
    // an address past the end of the memory: the kernel traps on the worker (the caller claims no chunk)
    pool.call(KERNELS, FN.binary, 0, 0x7fff0000, 1, 0x7fff0000, 1, 0x7fff0000, 4096);
    let err: unknown;
    try {
      pool.run('a test kernel', false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ThreadError);
    expect((err as ThreadError).code).toBe('THREAD_FAILED');
    expect((err as ThreadError).thread).toBe(1);
    expect((err as ThreadError).message).toMatch(/worker thread 1 failed in a test kernel: .*(out of bounds|RuntimeError)/);
    // the pool keeps working afterwards
    const b = backends.get(2)!;
    const x = b.tensor(randomData(300 * 300, 30), [300, 300]);
    expect(b.readSync(b.matmul(x, x)).length).toBe(90000);
  });

  it('checks the thread count and the option names', () => {
    expect(() => cpu({ threads: 0 })).toThrow(InvalidArgumentError);
    expect(() => cpu({ threads: 1.5 })).toThrow(/expected an integer number of threads from 1 to 64, got 1.5/);
    expect(() => cpu({ threads: 65 })).toThrow(InvalidArgumentError);
    expect(() => cpu({ thread: 2 } as never)).toThrow(UnknownOptionError);
    expect(() => cpu({ thread: 2 } as never)).toThrow(/did you mean 'threads'/);
  });

  it('reads DOWNHILL_CPU_THREADS, and refuses a value that is not a thread count', () => {
    const saved = process.env.DOWNHILL_CPU_THREADS;
    try {
      process.env.DOWNHILL_CPU_THREADS = 'two';
      expect(() => cpu()).toThrow(/DOWNHILL_CPU_THREADS: expected an integer number of threads from 1 to 64, got 'two'/);
      process.env.DOWNHILL_CPU_THREADS = '3';
      const b = cpu();
      expect(b.name).toBe('cpu');
    } finally {
      if (saved === undefined) delete process.env.DOWNHILL_CPU_THREADS;
      else process.env.DOWNHILL_CPU_THREADS = saved;
    }
  });

  it('terminateCpuThreads stops the workers; the next large kernel starts them again', async () => {
    await terminateCpuThreads();
    expect(getPool()!.started).toBe(0);
    const b = backends.get(2)!;
    const d = randomData(256 * 256, 31);
    const x = b.tensor(d, [256, 256]);
    const before = b.readSync(b.matmul(x, x)); // on the calling thread; asks for a worker again
    expect(getPool()!.started).toBe(1);
    expect((await cpuThreadsReady(2)).threads).toBe(2);
    const after = b.readSync(b.matmul(x, x));
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('a process that used worker threads exits by itself', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
    const dir = mkdtempSync(join(tmpdir(), 'downhill-threads-'));
    const script = join(dir, 'exit.mts');
    const entry = join(root, 'packages/backend-cpu/src/index.ts');
    writeFileSync(
      script,
      `import { cpu, cpuThreadsReady } from ${JSON.stringify(entry)};
const b = cpu({ threads: 2 });
const { threads } = await cpuThreadsReady(2);
const x = b.tensor(new Float32Array(512 * 512).fill(1), [512, 512]);
console.log(threads, b.readSync(b.matmul(x, x))[0]);
`,
    );
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      cwd: root,
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(r.error, 'the process did not exit within 60 s').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('2 512');
    expect(r.status).toBe(0);
  });
});

/** A finite float32 as an integer mantissa and a power of two: `v = mant · 2^exp`, exp ≥ −149. */
function frexp32(v: number): [number, number] {
  if (v === 0) return [0, -149];
  const bits = new Uint32Array(Float32Array.of(v).buffer)[0];
  const sign = bits >>> 31 ? -1 : 1;
  const e = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  return e === 0 ? [sign * frac, -149] : [sign * (frac | 0x800000), e - 150];
}
