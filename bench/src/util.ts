/** Timing, statistics and the parent/child protocol shared by the benchmark programs. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The median of a sample (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
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
