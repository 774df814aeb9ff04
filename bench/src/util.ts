/** Timing, statistics and the parent/child protocol shared by the benchmark programs. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The median of a sample (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The `q`-quantile of a sample (0 ≤ q ≤ 1; linear between the two nearest order statistics). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (at - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

/**
 * Wall time a training-step benchmark runs its steps untimed before it times them (fast steps; a
 * step of a tenth of a second or more, as on TensorFlow.js's cpu backend, is timed in fewer runs
 * instead): a training loop runs thousands of steps, so the figure to compare is the steady
 * state's. V8 keeps tiering the step's JavaScript up for hundreds of steps: on the MLP 784-256-10
 * step of backend-cpu on 2 threads (development machine, 2 vCPUs, Node 20), `--trace-opt` counted
 * 119 optimizing compilations between steps 50 and 450 and 24 between steps 2000 and 2400. They
 * run on V8's background threads, which take a core from backend-cpu's worker: over steps 50–450
 * the worker joined 85% of the split kernels, after 2000 steps 96%, and under `--single-threaded`
 * (no background threads) 98%. Every implementation gets the same time, so the peers are timed in
 * their steady state too.
 */
export const STEADY_WARMUP_MS = 1500;

/** Runs `step` untimed until {@link STEADY_WARMUP_MS} has passed (at least `minSteps` times). */
export async function warmUp(step: () => unknown, minSteps = 3): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < minSteps || performance.now() - t0 < STEADY_WARMUP_MS; i++) await step();
}

/** Timing summary of repeated runs, in milliseconds. */
export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly reps: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Untimed runs first (JIT compilation, caches, first-touch page faults). Default 2. */
  readonly warmup?: number;
  /** Timed runs at least (default 5) and at most (default 50). */
  readonly minReps?: number;
  readonly maxReps?: number;
  /** Stop adding runs once this much time went into timed runs, past `minReps` (default 2000 ms). */
  readonly budgetMs?: number;
}

/**
 * Times `fn` (awaited when it returns a promise): `warmup` untimed runs, then timed runs until
 * `minReps` are done and the budget is spent, or `maxReps`.
 */
export async function measure(fn: () => unknown, options: MeasureOptions = {}): Promise<Timing> {
  const { warmup = 2, minReps = 5, maxReps = 50, budgetMs = 2000 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < maxReps && (samples.length < minReps || spent < budgetMs)) {
    const t = performance.now();
    await fn();
    const dt = performance.now() - t;
    samples.push(dt);
    spent += dt;
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), reps: samples.length };
}

/** Options of {@link measureInterleaved}. */
export interface InterleavedOptions {
  /** Timed runs per subject in a round (default 10), after one untimed run. */
  readonly runs?: number;
  /** Rounds at least (default 15) and at most (default 400). */
  readonly minRounds?: number;
  readonly maxRounds?: number;
  /** Stop adding rounds once this much time went into timed runs, past `minRounds` (default 2000 ms). */
  readonly budgetMs?: number;
}

/**
 * Times several subjects interleaved, each first warmed up for {@link STEADY_WARMUP_MS}: round
 * after round, every subject runs once untimed (its arrays back in the caches the others used)
 * and then `runs` times timed, the order of the subjects turning between rounds; each subject's
 * `median` is the median over rounds of its round medians, so that a busy moment of a shared
 * machine, or the JIT compiling on a background thread, falls on every subject alike. `min` and
 * `max` are over all of a subject's timed runs.
 */
export async function measureInterleaved(fns: readonly (() => unknown)[], options: InterleavedOptions = {}): Promise<Timing[]> {
  const { runs = 10, minRounds = 15, maxRounds = 400, budgetMs = 2000 } = options;
  for (const fn of fns) await warmUp(fn);
  const rounds: number[][] = fns.map(() => []);
  const mins = fns.map(() => Infinity);
  const maxs = fns.map(() => 0);
  let spent = 0;
  for (let round = 0; round < maxRounds && (round < minRounds || spent < budgetMs); round++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (k + round) % fns.length;
      await fns[j]();
      const xs: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        await fns[j]();
        const dt = performance.now() - t;
        xs.push(dt);
        spent += dt / fns.length;
        mins[j] = Math.min(mins[j], dt);
        maxs[j] = Math.max(maxs[j], dt);
      }
      rounds[j].push(median(xs));
    }
  }
  return rounds.map((r, j) => ({ median: median(r), min: mins[j], max: maxs[j], reps: r.length * runs }));
}

/** A step's timing against its floor, measured interleaved (see {@link measurePaired}). */
export interface PairedTiming extends Timing {
  /** Rounds of the interleaved measurement. */
  readonly rounds: number;
  /** Timed runs of each subject per round. */
  readonly runsPerRound: number;
  /** The bandwidth floor, arithmetic floor and roofline: medians over the rounds, ms. */
  readonly floorMedianMs: number;
  readonly arithMedianMs: number;
  readonly rooflineMedianMs: number;
  /** The best round's roofline, ms. */
  readonly rooflineBestMs: number;
  /** Where the floor has one (Adam): the update written by hand, median over the rounds and best round, ms. */
  readonly handMedianMs?: number;
  readonly handBestMs?: number;
}

/** Options of {@link measurePaired}. */
export interface PairedOptions {
  /** Untimed runs of the step first (default 5). */
  readonly warmup?: number;
  /** Timed runs of each subject per round (default 3). */
  readonly runs?: number;
  /** Rounds at least (default 7) and at most (default 61). */
  readonly minRounds?: number;
  readonly maxRounds?: number;
  /** Stop adding rounds once this much time went into timed step runs, past `minRounds` (default 2000 ms). */
  readonly budgetMs?: number;
  /**
   * Idle milliseconds before each floor round (default 0): time for the step's worker threads to
   * stop spinning (backend-cpu's spin for 1 ms after a job), so that they take no core from the
   * floor's probes.
   */
  readonly settleMs?: number;
}

/**
 * Times a step and its floor interleaved: round after round, the floor's probes (`floor(runs)`,
 * see `floorSampler` in `bandwidth.ts`) and the step (one untimed run, then `runs` timed), the
 * order alternating between rounds. Each round gives the median of its runs for each subject; the
 * result is the median over rounds of each (the step's `median`, the floor's `rooflineMedianMs`
 * and the rest), so that a busy moment of a shared machine falls on both alike and the ratio of
 * the two medians compares them under the same conditions. `min` and `max` are over all the
 * step's timed runs.
 */
export async function measurePaired(
  fn: () => unknown,
  floor: (runs: number) => { floorMs: number; arithMs: number; rooflineMs: number; handMs?: number },
  options: PairedOptions = {},
): Promise<PairedTiming> {
  const { warmup = 5, runs = 3, minRounds = 7, maxRounds = 61, budgetMs = 2000, settleMs = 0 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const steps: number[] = [];
  const floors: number[] = [];
  const ariths: number[] = [];
  const roofs: number[] = [];
  const hands: number[] = [];
  let min = Infinity;
  let max = 0;
  let spent = 0;
  const stepRound = async () => {
    await fn(); // the floor's probes ran last: this brings the step's arrays back
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await fn();
      const dt = performance.now() - t;
      xs.push(dt);
      spent += dt;
      min = Math.min(min, dt);
      max = Math.max(max, dt);
    }
    steps.push(median(xs));
  };
  const floorRound = async () => {
    if (settleMs > 0) await new Promise((done) => setTimeout(done, settleMs));
    const f = floor(runs);
    floors.push(f.floorMs);
    ariths.push(f.arithMs);
    roofs.push(f.rooflineMs);
    if (f.handMs !== undefined) hands.push(f.handMs);
  };
  for (let round = 0; round < maxRounds && (round < minRounds || spent < budgetMs); round++) {
    if (round % 2 === 0) {
      await floorRound();
      await stepRound();
    } else {
      await stepRound();
      await floorRound();
    }
  }
  return {
    median: median(steps),
    min,
    max,
    reps: steps.length * runs,
    rounds: steps.length,
    runsPerRound: runs,
    floorMedianMs: median(floors),
    arithMedianMs: median(ariths),
    rooflineMedianMs: median(roofs),
    rooflineBestMs: Math.min(...roofs),
    ...(hands.length ? { handMedianMs: median(hands), handBestMs: Math.min(...hands) } : {}),
  };
}

/** A deterministic generator of floats in [−1, 1) (mulberry32), for reproducible inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** `n` floats in [−scale, scale). */
export function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * scale;
  return out;
}

/** The version in the package.json of a dependency of the bench package, or undefined. */
export function packageVersion(name: string): string | undefined {
  try {
    const file = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url));
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** What the report says about the machine. */
export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    logicalCores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage1mAtStart: Number(os.loadavg()[0].toFixed(2)),
  };
}

/** Marker of a result line a child prints for the parent. */
export const RESULT_MARK = '@@RESULT ';

/** Prints one result record for the parent (one JSON object per line). */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${RESULT_MARK + JSON.stringify(record)}\n`);
}

/** The JSON configuration a child was started with (its first argument). */
export function childConfig<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Formats milliseconds with three significant digits. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

/** Sets up TensorFlow.js's wasm backend's file location (its own dist/, threads off in Node). */
export async function tfWasmPaths(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const { dirname, join } = await import('node:path');
  wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
}
