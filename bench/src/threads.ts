/**
 * Child program: backend-cpu on several threads against one, in one process, runs interleaved
 * (short rounds of timed runs of each configuration in turn, so a busy moment of the shared machine
 * hits all of them alike: ten MLP steps, four Adam steps, one product); medians and best runs.
 *
 * - `mlp`: the MLP of `mlp.ts` (784-256-10, batch 128, Adam), one training step of each backend in
 *   turn.
 * - `matmul`: a 1024 × 1024 × 1024 float32 product, `cpu({ threads: 1 })` against the default
 *   (the cores, at most 8).
 * - `adam`: an in-place Adam step over 1e7 float32 parameters (`step(adam, ..., { inPlace: true })`,
 *   one compiled program split across threads), against the same on one thread and against the
 *   bandwidth floor measured on one thread and on two: the best time of `stream4` of
 *   `stream.wat` (Adam's access pattern: read p, g, m, v; write p, m, v) over the same bytes, on
 *   a shared memory, the calling thread and one worker each streaming half. And against the
 *   arithmetic floor on one and two threads (`arith` of `stream.wat`: the step's one square root
 *   and one division per parameter, on values in registers, split the same way): on the
 *   development machine it is above the bandwidth floor, so the honest floor is the roofline, the
 *   larger of the two with the same thread count. And against Adam written by hand (`adamLoop` of
 *   `stream.wat`, the same split): the fastest loop found for the whole update, an attainable
 *   floor. The step on the default threads is also timed
 *   in rounds alternating with those floors' probes (`measurePaired`, as the optimizer table
 *   times every step), and the goal takes those medians.
 *
 * Each record also carries the load average (1 min) at the start and end of its timed runs and,
 * per configuration, the median CPU time of the process per run (every thread) and the split
 * kernels' busy times from `cpuThreadTimes` (`accounting`, `singleAccounting`): the raw figures to
 * tell an unequal split (one thread busy much longer) from wake-up latency or descheduling (both
 * threads busy well under the split jobs' wall time) from the cost of splitting (CPU time above
 * the one-thread run's).
 */
import { loadavg } from 'node:os';
import { BYTES_PER_PARAM } from './bandwidth.js';
import { downhillTrainer } from './mlp-problem.js';
import { streamProbe } from './stream-probe.js';
import { closeFloorProbe, floorSampler } from './bandwidth.js';
import { STEADY_WARMUP_MS, childConfig, emit, measurePaired, median, quantile, randomF32 } from './util.js';

export interface ThreadsConfig {
  readonly impl: 'downhill-cpu';
  readonly budgetMs: number;
  readonly adamN: number;
}

/**
 * Times the functions in turn, `round` timed runs of one, then `round` of the next, until every one
 * has `min` runs and the budget is spent. Rounds of several runs time a configuration as a loop
 * runs it (a training loop runs its steps back to back, so the workers are awake from the step
 * before): with one run of each in turn, every run on several threads would follow a run on one
 * long enough for the workers to block, and pay waking them (about 0.1 ms here,
 * `bench/src/threads-wake.ts`). Rounds are still short (tens of milliseconds), so a busy moment of
 * the shared machine hits every configuration alike. Besides each function's median over all its
 * runs, returns its median in each round (`rounds`), so that the ratio of two can be taken round
 * by round (see {@link roundRatios}).
 */
function interleaved(
  fns: readonly (() => void)[],
  budgetMs: number,
  min = 5,
  max = 200,
  round = 1,
  warmMs = 0,
): { median: number; min: number; reps: number; rounds: number[] }[] {
  // warm-up: at least two runs of each, then rounds as timed until warmMs has passed
  for (const f of fns) f();
  for (const f of fns) f();
  for (const w0 = performance.now(); performance.now() - w0 < warmMs; ) for (const f of fns) for (let r = 0; r < round; r++) f();
  const samples: number[][] = fns.map(() => []);
  const rounds: number[][] = fns.map(() => []);
  const start = performance.now();
  while (samples[0].length < max && (samples[0].length < min || performance.now() - start < budgetMs)) {
    fns.forEach((f, k) => {
      const these: number[] = [];
      for (let r = 0; r < round; r++) {
        const t = performance.now();
        f();
        these.push(performance.now() - t);
      }
      samples[k].push(...these);
      rounds[k].push(median(these));
    });
  }
  return samples.map((s, k) => ({ median: median(s), min: Math.min(...s), reps: s.length, rounds: rounds[k] }));
}

/**
 * The speed-up of `many` over `one` round by round (each round's median on one thread over its
 * median on several), summarised by its quartiles: how much the ratio of the whole run's medians
 * moves with the moment on a shared machine.
 */
function roundRatios(one: { rounds: number[] }, many: { rounds: number[] }): { speedupQ1: number; speedupQ3: number; rounds: number } {
  const r = one.rounds.map((s, i) => s / many.rounds[i]);
  return { speedupQ1: quantile(r, 0.25), speedupQ3: quantile(r, 0.75), rounds: r.length };
}

/** Per-run medians of where a function's time went: process CPU time (every thread) and the split kernels' busy times. */
interface Accounting {
  readonly run: () => void;
  /** Medians over the runs after the first `skip`, in ms. */
  summary(skip?: number): Record<string, number>;
}

/**
 * Wraps `f` to record, per run, the process's CPU time and {@link cpuThreadTimes}' deltas: the
 * split jobs' wall time, the caller's and the workers' time in chunks, the caller's final wait. On
 * an idle machine a split that works shows both threads busy for most of the job's wall time;
 * busy times well under it mean wake-up latency or descheduling (the load average says which).
 */
function accounted(
  f: () => void,
  times: () => { wallMs: number; callerMs: number; waitMs: number; workersMs: readonly number[] },
): Accounting {
  const rows: number[][] = [];
  return {
    run: () => {
      const b0 = times();
      const c0 = process.cpuUsage();
      f();
      const c = process.cpuUsage(c0);
      const b1 = times();
      const workers = b1.workersMs.reduce((sum, w, i) => sum + w - (b0.workersMs[i] ?? 0), 0);
      rows.push([(c.user + c.system) / 1e3, b1.wallMs - b0.wallMs, b1.callerMs - b0.callerMs, workers, b1.waitMs - b0.waitMs]);
    },
    summary: (skip = 2) => {
      const r = rows.slice(skip);
      const m = (k: number) => median(r.map((x) => x[k]));
      return { cpuMs: m(0), splitWallMs: m(1), callerBusyMs: m(2), workersBusyMs: m(3), callerWaitMs: m(4) };
    },
  };
}

async function main(): Promise<void> {
  const cfg = childConfig<ThreadsConfig>();
  const { cpu, cpuThreadsReady, cpuThreadTimes } = await import('@downhill/backend-cpu');
  const o = await import('@downhill/optimizers');
  const one = cpu({ threads: 1 });
  const many = cpu();
  const info = await cpuThreadsReady();
  const threads = info.threads;
  if (threads < 2) {
    emit({ suite: 'threads', impl: cfg.impl, error: `only one thread here: ${info.reason ?? 'one core'}` });
    return;
  }

  // the MLP, one step of each in turn
  try {
    const [t1, tN] = [await downhillTrainer(one), await downhillTrainer(many)];
    await t1.step();
    await tN.step();
    const first = [await t1.loss(), await tN.loss()];
    const acc = [accounted(() => void t1.step(), cpuThreadTimes), accounted(() => void tN.step(), cpuThreadTimes)];
    const loadStart = loadavg()[0];
    const [s, t] = interleaved(
      acc.map((a) => a.run),
      cfg.budgetMs,
      20,
      3000,
      10,
      2 * STEADY_WARMUP_MS, // in alternation: each trainer runs about STEADY_WARMUP_MS of it
    );
    const loadEnd = loadavg()[0];
    const last = [await t1.loss(), await tN.loss()];
    if (!(last[0] < first[0] && last[1] < first[1])) throw new Error(`the loss did not fall (${first} then ${last})`);
    if (last[0] !== last[1]) throw new Error(`one thread and ${threads} threads trained to different losses: ${last[0]} and ${last[1]}`);
    emit({
      suite: 'threads',
      impl: cfg.impl,
      bench: 'mlp',
      threads,
      singleMedian: s.median,
      singleMin: s.min,
      median: t.median,
      min: t.min,
      reps: t.reps,
      stepsPerSecond: 1000 / t.median,
      singleStepsPerSecond: 1000 / s.median,
      speedup: s.median / t.median,
      ...roundRatios(s, t),
      loss: last[1],
      loadStart,
      loadEnd,
      singleAccounting: acc[0].summary(),
      accounting: acc[1].summary(),
    });
  } catch (e) {
    emit({ suite: 'threads', impl: cfg.impl, bench: 'mlp', error: (e as Error).message });
  }

  // matmul 1024³
  try {
    const n = 1024;
    const mk = (b: typeof one) => [b.tensor(randomF32(n * n, 1), [n, n]), b.tensor(randomF32(n * n, 2), [n, n])] as const;
    const [a1, b1] = mk(one);
    const [aN, bN] = mk(many);
    const acc = [
      accounted(() => one.dispose(one.matmul(a1, b1)), cpuThreadTimes),
      accounted(() => many.dispose(many.matmul(aN, bN)), cpuThreadTimes),
    ];
    const loadStart = loadavg()[0];
    const [s, t] = interleaved(
      acc.map((a) => a.run),
      cfg.budgetMs,
    );
    const loadEnd = loadavg()[0];
    const gmacs = (ms: number) => n ** 3 / (ms / 1e3) / 1e9;
    emit({
      suite: 'threads',
      impl: cfg.impl,
      bench: 'matmul-1024',
      threads,
      singleMedian: s.median,
      singleMin: s.min,
      median: t.median,
      min: t.min,
      reps: t.reps,
      singleGmacs: gmacs(s.median),
      gmacs: gmacs(t.median),
      speedup: s.median / t.median,
      ...roundRatios(s, t),
      loadStart,
      loadEnd,
      singleAccounting: acc[0].summary(),
      accounting: acc[1].summary(),
    });
  } catch (e) {
    emit({ suite: 'threads', impl: cfg.impl, bench: 'matmul-1024', error: (e as Error).message });
  }

  // Adam at 1e7 against the bandwidth floor, the arithmetic floor and the roofline on one and two threads
  try {
    const n = cfg.adamN;
    const runner = (b: typeof one) => {
      const tx = o.adam(1e-3);
      let params = { w: b.tensor(randomF32(n, 1), [n]) };
      const grads = { w: b.tensor(randomF32(n, 2, 1e-2), [n]) };
      let state = tx.init(params);
      return () => {
        const r = o.step(tx, params, grads, state, { inPlace: true });
        if (r.path !== 'fused') throw new Error(`the Adam step took the ${r.path} path`);
        params = r.params as typeof params;
        state = r.state;
      };
    };
    const runMany = runner(many);
    const acc = [accounted(runner(one), cpuThreadTimes), accounted(runMany, cpuThreadTimes)];
    const loadStart = loadavg()[0];
    const [s, t] = interleaved(
      acc.map((a) => a.run),
      cfg.budgetMs,
      5,
      200,
      4,
    );
    const loadEnd = loadavg()[0];
    // the step on the default threads against its floors on as many, in the same rounds, as the
    // optimizer table measures every step (`measurePaired`): a median against medians met under
    // the same moments of the machine, where the floors below are the best of 30 runs
    const paired = await measurePaired(runMany, await floorSampler('adam', n, threads), { runs: 3, budgetMs: cfg.budgetMs, settleMs: 3 });
    await closeFloorProbe();
    const probe = await streamProbe(n, 2);
    const floor1 = probe.best('stream4', n, 1, 15);
    const floor2 = probe.best('stream4', n, 2, 15);
    const floor1b = probe.best('stream4', n, 1, 15);
    const floor2b = probe.best('stream4', n, 2, 15);
    const arith1 = Math.min(probe.best('arith', n, 1, 15), probe.best('arith', n, 1, 15));
    const arith2 = Math.min(probe.best('arith', n, 2, 15), probe.best('arith', n, 2, 15));
    const hand1 = Math.min(probe.best('adamLoop', n, 1, 15), probe.best('adamLoop', n, 1, 15));
    const hand2 = Math.min(probe.best('adamLoop', n, 2, 15), probe.best('adamLoop', n, 2, 15));
    await probe.close();
    const bytes = BYTES_PER_PARAM.adam * n;
    emit({
      suite: 'threads',
      impl: cfg.impl,
      bench: 'adam-1e7',
      n,
      threads,
      singleMedian: s.median,
      singleMin: s.min,
      median: t.median,
      min: t.min,
      reps: t.reps,
      floor1Ms: Math.min(floor1, floor1b),
      floor2Ms: Math.min(floor2, floor2b),
      floor1GBs: bytes / Math.min(floor1, floor1b) / 1e6,
      floor2GBs: bytes / Math.min(floor2, floor2b) / 1e6,
      arith1Ms: arith1,
      arith2Ms: arith2,
      roofline1Ms: Math.max(Math.min(floor1, floor1b), arith1),
      roofline2Ms: Math.max(Math.min(floor2, floor2b), arith2),
      hand1Ms: hand1,
      hand2Ms: hand2,
      pairedMedian: paired.median,
      pairedFloorMs: paired.floorMedianMs,
      pairedRooflineMs: paired.rooflineMedianMs,
      pairedHandMs: paired.handMedianMs,
      pairedRounds: paired.rounds,
      speedup: s.median / t.median,
      ...roundRatios(s, t),
      loadStart,
      loadEnd,
      singleAccounting: acc[0].summary(),
      accounting: acc[1].summary(),
    });
  } catch (e) {
    emit({ suite: 'threads', impl: cfg.impl, bench: 'adam-1e7', error: (e as Error).message });
  }
}

await main();
