import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './cli.js';
import type { RunResult } from './train.js';

/** The content of `metrics.json`: the settings, the backend and every run's curves. */
export interface Metrics {
  readonly program: 'downhill-example-mnist';
  /** The settings after defaults (the output folder left out: a run's metrics do not depend on it). */
  readonly config: Omit<Config, 'out' | 'quiet' | 'force' | 'resume'>;
  /** The backend, why it was chosen, and (auto mode) the probe's throughputs. */
  readonly backend: { readonly name: string; readonly reason: string; readonly probeExamplesPerSecond?: Readonly<Record<string, number>> };
  readonly data: { readonly train: number; readonly test: number; readonly pixelMean: number; readonly pixelStd: number };
  readonly model: { readonly description: string; readonly parameters: number };
  readonly seed: number;
  /** One run per optimizer (one without `--compare`). */
  readonly runs: readonly RunResult[];
  /** The whole program's wall time, data loading and plotting included. */
  readonly wallTimeSeconds: number;
}

/** Writes `metrics.json` (pretty-printed) into `dir`, creating it. Returns the path. */
export function writeMetrics(dir: string, metrics: Metrics): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'metrics.json');
  // Atomically, as the checkpoints are: a kill while writing leaves no half file.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(metrics, null, 1)}\n`);
  renameSync(tmp, path);
  return path;
}

/** A copy of metrics without the fields that measure time (for comparing two runs bit for bit). */
export function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !/wallTime|PerSecond/i.test(k))
        .map(([k, v]) => [k, withoutTimings(v)]),
    );
  }
  return value;
}
