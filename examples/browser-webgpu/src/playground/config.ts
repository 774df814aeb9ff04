/**
 * The playground's configuration: what is drawn and run, as plain data, and its shareable form in
 * the page's address (`?surface=ravine&kappa=50&start=-2.6,0.2&steps=150&run=sgd,lr:0.035&run=...`).
 * Everything the page shows follows from a configuration, so an address restores a view exactly.
 */
import { makeSurface } from './surface.js';

/** The surfaces the playground offers. */
export const SURFACES = ['rosenbrock', 'beale', 'saddle', 'ravine', 'noisy', 'logistic'] as const;
/** One of {@link SURFACES}. */
export type SurfaceName = (typeof SURFACES)[number];

/** The learning-rate schedules the playground offers (their shapes follow the number of steps; see `schedules.ts`). */
export const SCHEDULES = ['constant', 'cosine', 'exponential', 'warmup', 'step'] as const;
/** One of {@link SCHEDULES}. */
export type ScheduleKind = (typeof SCHEDULES)[number];

/** One optimizer run. */
export interface RunSpec {
  /** A registered optimizer name (plugins included). */
  readonly optimizer: string;
  /** The options given to the optimizer: `lr` always, the others where set. */
  readonly options: Readonly<Record<string, number | boolean>>;
  /** The learning rate's schedule over the run. */
  readonly schedule: ScheduleKind;
  /** Adam's bias correction (only `adam` can turn it off). */
  readonly biasCorrection: boolean;
}

/** Everything the playground shows. */
export interface PlaygroundConfig {
  readonly surface: SurfaceName;
  /** The ravine's condition number. */
  readonly kappa: number;
  /** The noisy quadratic's gradient noise σ. */
  readonly noise: number;
  /** The noisy quadratic's seed. */
  readonly seed: number;
  /** Where every run starts. */
  readonly start: readonly [number, number];
  /** Steps per run. */
  readonly steps: number;
  readonly runs: readonly RunSpec[];
}

/** Bounds of the numeric settings (inclusive). */
export const LIMITS = { kappa: [1, 1000], noise: [0, 10], steps: [1, 2000], runs: 8 } as const;

/** The page's configuration when its address names none. */
export const DEFAULT_CONFIG: PlaygroundConfig = {
  surface: 'rosenbrock',
  kappa: 50,
  noise: 1,
  seed: 1,
  start: [-1.2, 1.5],
  steps: 300,
  runs: [
    { optimizer: 'sgd', options: { lr: 1e-3 }, schedule: 'constant', biasCorrection: true },
    { optimizer: 'sgd', options: { lr: 3e-4, momentum: 0.9 }, schedule: 'constant', biasCorrection: true },
    { optimizer: 'adam', options: { lr: 0.03 }, schedule: 'constant', biasCorrection: true },
  ],
};

/** A number as the address writes it: the shortest text that reads back as the same double. */
function num(x: number): string {
  return String(x);
}

/**
 * The query string of a configuration (without `?`), canonical: the same configuration always
 * gives the same text, and {@link decodeConfig} reads it back to an equal configuration.
 *
 * @param c - The configuration.
 * @returns `surface=...&kappa=...&noise=...&seed=...&start=x,y&steps=...&run=...` (one `run` per optimizer).
 *
 * @example
 * ```ts
 * history.replaceState(null, '', `?${encodeConfig(config)}`);
 * ```
 */
export function encodeConfig(c: PlaygroundConfig): string {
  const parts = [
    `surface=${c.surface}`,
    `kappa=${num(c.kappa)}`,
    `noise=${num(c.noise)}`,
    `seed=${c.seed}`,
    `start=${num(c.start[0])},${num(c.start[1])}`,
    `steps=${c.steps}`,
  ];
  for (const r of c.runs) {
    const keys = Object.keys(r.options)
      .filter((k) => k !== 'lr')
      .sort();
    const fields = [
      r.optimizer,
      `lr:${num(r.options.lr as number)}`,
      ...keys.map((k) => `${k}:${typeof r.options[k] === 'boolean' ? (r.options[k] ? 'on' : 'off') : num(r.options[k] as number)}`),
    ];
    if (r.schedule !== 'constant') fields.push(`schedule:${r.schedule}`);
    if (!r.biasCorrection) fields.push('bias:off');
    parts.push(`run=${fields.join(',')}`);
  }
  return parts.join('&');
}

/** What {@link decodeConfig} read, and what it had to leave out or replace. */
export interface Decoded {
  readonly config: PlaygroundConfig;
  /** One sentence per value that was not understood (the default stands in its place). */
  readonly problems: string[];
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/**
 * Reads a configuration from a query string. Values that are missing take the defaults; values
 * that are wrong are replaced by the defaults and named in `problems`; nothing throws. Whether
 * an optimizer name is registered, and which options it takes, is checked later (`checkRuns`).
 *
 * @param query - `location.search` (with or without `?`).
 * @returns The configuration and the problems found.
 *
 * @example
 * ```ts
 * const { config, problems } = decodeConfig(location.search);
 * ```
 */
export function decodeConfig(query: string): Decoded {
  const q = new URLSearchParams(query);
  const problems: string[] = [];
  const d = DEFAULT_CONFIG;
  const number = (key: string, fallback: number, [lo, hi]: readonly [number, number], integer = false): number => {
    const raw = q.get(key);
    if (raw === null) return fallback;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
      problems.push(`${key}: expected ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}, got '${raw}'; using ${fallback}`);
      return fallback;
    }
    return v;
  };
  let surface: SurfaceName = d.surface;
  const s = q.get('surface');
  if (s !== null) {
    if ((SURFACES as readonly string[]).includes(s)) surface = s as SurfaceName;
    else problems.push(`surface: expected one of ${SURFACES.join(', ')}, got '${s}'; using ${d.surface}`);
  }
  const kappa = number('kappa', d.kappa, LIMITS.kappa);
  const noise = number('noise', d.noise, LIMITS.noise);
  const seed = number('seed', d.seed, [0, 2 ** 31 - 1], true);
  const steps = number('steps', d.steps, LIMITS.steps, true);
  let start: readonly [number, number] | undefined;
  const st = q.get('start');
  if (st !== null) {
    const xy = st.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
    if (xy.length === 2 && xy.every((v) => Number.isFinite(v) && Math.abs(v) < 1e6)) start = [xy[0], xy[1]];
    else problems.push(`start: expected two numbers 'x,y', got '${st}'; using the surface's start`);
  }
  const runs: RunSpec[] = [];
  const runTexts = q.getAll('run');
  for (const text of runTexts.slice(0, LIMITS.runs)) {
    const [optimizer, ...fields] = text.split(',');
    if (!NAME.test(optimizer)) {
      problems.push(`run: expected an optimizer name first, got '${text}'; left out`);
      continue;
    }
    const options: Record<string, number | boolean> = {};
    let schedule: ScheduleKind = 'constant';
    let biasCorrection = true;
    let ok = true;
    for (const f of fields) {
      const [k, v, ...rest] = f.split(':');
      if (rest.length > 0 || v === undefined || !NAME.test(k)) {
        problems.push(`run ${optimizer}: expected 'name:value', got '${f}'; left out`);
        continue;
      }
      if (k === 'schedule') {
        if ((SCHEDULES as readonly string[]).includes(v)) schedule = v as ScheduleKind;
        else problems.push(`run ${optimizer}: schedule: expected one of ${SCHEDULES.join(', ')}, got '${v}'; using constant`);
      } else if (k === 'bias') {
        if (v === 'on' || v === 'off') biasCorrection = v === 'on';
        else problems.push(`run ${optimizer}: bias: expected on or off, got '${v}'`);
      } else if (v === 'on' || v === 'off') {
        options[k] = v === 'on';
      } else {
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n)) {
          problems.push(`run ${optimizer}: ${k}: expected a number, got '${v}'; left out`);
          if (k === 'lr') ok = false;
          continue;
        }
        options[k] = n;
      }
    }
    if (!ok || typeof options.lr !== 'number' || !(options.lr > 0)) {
      problems.push(`run ${optimizer}: expected a learning rate lr > 0; left out`);
      continue;
    }
    const { lr, ...rest } = options;
    runs.push({ optimizer, options: { lr, ...rest }, schedule, biasCorrection });
  }
  if (runTexts.length > LIMITS.runs) problems.push(`run: at most ${LIMITS.runs} runs; the rest are left out`);
  const config: PlaygroundConfig = {
    surface,
    kappa,
    noise,
    seed,
    start: start ?? (q.has('surface') ? makeSurface({ surface, kappa, noise, seed }).start : d.start),
    steps,
    runs: runTexts.length ? runs : d.runs,
  };
  return { config, problems };
}
