import type { Backend } from '@downhill/backend';
import { createOptimizer, type GradientTransformation } from '@downhill/optimizers';
import type { Schedule } from '@downhill/schedulers';
import { Descent, type TestFunction } from 'downhill-example-surfaces';
import { adamWithoutBiasCorrection } from './bias-correction.js';
import type { PlaygroundConfig, RunSpec } from './config.js';
import { optimizerOptions } from './optimizer-options.js';
import { scheduleOf } from './schedules.js';
import { makeSurface } from './surface.js';

/** A run's optimizer could not be made from its settings (the message says which and why). */
export class RunSpecError extends Error {
  override readonly name = 'RunSpecError';
}

/** Shortest text of a number for labels: up to three significant digits. */
export function short(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/**
 * A run's label: the optimizer, its learning rate and every option set, the schedule if any, and
 * whether Adam's bias correction is off: `sgd lr=0.0003 momentum=0.9`.
 *
 * @param spec - The run.
 * @returns The label.
 *
 * @example
 * ```ts
 * runLabel({ optimizer: 'adam', options: { lr: 0.03 }, schedule: 'cosine', biasCorrection: false }); // 'adam lr=0.03 cosine, no bias correction'
 * ```
 */
export function runLabel(spec: RunSpec): string {
  const opts = Object.entries(spec.options).map(([k, v]) => (typeof v === 'boolean' ? (v ? k : `no ${k}`) : `${k}=${short(v)}`));
  const extras = [spec.schedule !== 'constant' ? spec.schedule : '', spec.biasCorrection ? '' : 'no bias correction'].filter(Boolean);
  return `${spec.optimizer} ${opts.join(' ')}${extras.length ? ` ${extras.join(', ')}` : ''}`;
}

/**
 * The optimizer of a run, from the registry: `createOptimizer(name, { ...options, lr })` with the
 * learning rate a number (constant) or a schedule of `@downhill/schedulers`; Adam without bias
 * correction through {@link adamWithoutBiasCorrection}. Options the optimizer does not take are
 * refused here, before the registry sees them.
 *
 * @param backend - For reading the optimizer's options.
 * @param spec - The run.
 * @param steps - The run's length (it shapes the schedule).
 * @returns The transformation and the learning rate's schedule.
 * @throws {@link RunSpecError} for an option the optimizer does not take, or bias correction off for another optimizer than Adam;
 *   the registry's own errors (an unknown name, a bad value) pass through.
 *
 * @example
 * ```ts
 * const { tx } = makeRun(backend, { optimizer: 'sgd', options: { lr: 0.01, momentum: 0.9 }, schedule: 'cosine', biasCorrection: true }, 100);
 * ```
 */
export function makeRun(backend: Backend, spec: RunSpec, steps: number): { tx: GradientTransformation; schedule: Schedule } {
  const known = optimizerOptions(backend, spec.optimizer);
  for (const k of Object.keys(spec.options)) {
    if (!(k in known)) throw new RunSpecError(`${spec.optimizer}: no option '${k}'; it takes ${Object.keys(known).join(', ')}`);
    if (typeof spec.options[k] !== typeof known[k])
      throw new RunSpecError(`${spec.optimizer}: option '${k}' is a ${typeof known[k]}, got ${typeof spec.options[k]}`);
  }
  const lr = spec.options.lr as number;
  const schedule = scheduleOf(spec.schedule, lr, steps);
  if (!spec.biasCorrection) {
    if (spec.optimizer !== 'adam') throw new RunSpecError(`${spec.optimizer}: only adam's bias correction can be turned off here`);
    const { b1, b2, eps, epsRoot } = spec.options as Record<string, number | undefined>;
    return { tx: adamWithoutBiasCorrection(schedule, { b1, b2, eps, epsRoot }), schedule };
  }
  return { tx: createOptimizer(spec.optimizer, { ...spec.options, lr: spec.schedule === 'constant' ? lr : schedule }), schedule };
}

/** One run of the playground as it goes. */
export interface LiveRun {
  readonly spec: RunSpec;
  readonly label: string;
  /** The walk (absent when the optimizer could not be made). */
  readonly descent?: Descent;
  /** The learning rate each step used: `lrs[t]` for step t (from 0). */
  readonly lrs: number[];
  /** Why the run could not start or stopped: the error's name and message. */
  error?: string;
  readonly schedule?: Schedule;
}

/** What a finished run reports (the page shows it; the tests compare it). */
export interface RunSummary {
  readonly label: string;
  readonly steps: number;
  /** The full loss at the last point. */
  readonly loss: number;
  /** The learning rate of the last step (the first step's before any). */
  readonly lr: number;
  readonly diverged: boolean;
  readonly error?: string;
  readonly end: readonly [number, number];
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Every run of a configuration, advanced a few steps at a time (the page calls {@link advance}
 * once per animation frame and redraws), on one backend in float64. The same configuration gives
 * the same numbers wherever it runs: in the page, and in Node through this module.
 *
 * @example
 * ```ts
 * const runs = new PlaygroundRuns(backend, config);
 * while (!runs.advance(Infinity));
 * runs.summaries();
 * runs.dispose();
 * ```
 */
export class PlaygroundRuns {
  readonly fn: TestFunction;
  readonly runs: LiveRun[];

  /**
   * @param backend - Where to run (backend-cpu in the page and in Node).
   * @param config - What to run.
   */
  constructor(
    readonly backend: Backend,
    readonly config: PlaygroundConfig,
  ) {
    this.fn = makeSurface(config);
    this.runs = config.runs.map((spec) => {
      const label = runLabel(spec);
      try {
        const { tx, schedule } = makeRun(backend, spec, config.steps);
        return { spec, label, descent: new Descent(backend, this.fn, tx, config.start), lrs: [], schedule };
      } catch (e) {
        return { spec, label, lrs: [], error: describeError(e) };
      }
    });
  }

  /** Whether every run has taken its steps, diverged or failed. */
  get done(): boolean {
    return this.runs.every((r) => this.#finished(r));
  }

  #finished(r: LiveRun): boolean {
    return !r.descent || r.error !== undefined || r.descent.diverged || r.descent.steps >= this.config.steps;
  }

  /**
   * Advances the runs in turn, one step each per round, until `budgetMs` has passed (at least one
   * round) or all are done.
   *
   * @param budgetMs - Time to spend; `Infinity` runs to the end.
   * @param maxRounds - At most this many steps per run.
   * @returns Whether all runs are done.
   */
  advance(budgetMs: number, maxRounds = Infinity): boolean {
    const t0 = performance.now();
    for (let round = 0; round < maxRounds && !this.done; round++) {
      for (const r of this.runs) {
        if (this.#finished(r)) continue;
        const t = r.descent!.steps;
        try {
          if (r.descent!.advance()) r.lrs.push(r.schedule!(t));
        } catch (e) {
          r.error = describeError(e);
        }
      }
      if (performance.now() - t0 >= budgetMs) break;
    }
    return this.done;
  }

  /** Each run's steps, last loss, learning rate and end point. */
  summaries(): RunSummary[] {
    return this.runs.map((r) => {
      const d = r.descent;
      const lr = r.lrs.length ? r.lrs[r.lrs.length - 1] : (r.schedule?.(0) ?? NaN);
      if (!d) return { label: r.label, steps: 0, loss: NaN, lr, diverged: false, error: r.error, end: this.config.start };
      return {
        label: r.label,
        steps: d.steps,
        loss: d.losses[d.losses.length - 1],
        lr,
        diverged: d.diverged,
        error: r.error,
        end: d.points[d.points.length - 1],
      };
    });
  }

  /** Releases every run's tensors. */
  dispose(): void {
    for (const r of this.runs) r.descent?.dispose();
  }
}

/**
 * Runs a configuration to its end and reports each run: what the page shows when it is done.
 *
 * @param backend - Where to run.
 * @param config - What to run.
 * @returns One summary per run.
 *
 * @example
 * ```ts
 * const [sgd, adam] = runToEnd(backend, decodeConfig('surface=beale&run=sgd,lr:0.003&run=adam,lr:0.05').config);
 * ```
 */
export function runToEnd(backend: Backend, config: PlaygroundConfig): RunSummary[] {
  const runs = new PlaygroundRuns(backend, config);
  try {
    runs.advance(Infinity);
    return runs.summaries();
  } finally {
    runs.dispose();
  }
}

/** A coordinate to three decimals, or three significant digits once it is large. */
function coordinate(v: number): string {
  return Math.abs(v) < 1000 ? v.toFixed(3) : v.toExponential(2);
}

/** A run's numbers as the page prints them. */
export interface Readout {
  readonly steps: string;
  readonly loss: string;
  readonly lr: string;
  readonly where: string;
}

/**
 * The text the page shows for a run: the loss to six significant digits, the learning rate to
 * three, the end point to three decimals (three digits once large); a failed run shows its
 * error, a diverged one says so.
 *
 * @param s - The run's summary.
 * @returns The readout's cells.
 *
 * @example
 * ```ts
 * formatReadout(runToEnd(backend, config)[0]).loss; // '0.0479416'
 * ```
 */
export function formatReadout(s: RunSummary): Readout {
  if (s.error && s.steps === 0) return { steps: '0', loss: '—', lr: '—', where: 'failed' };
  return {
    steps: String(s.steps),
    loss: Number.isFinite(s.loss) ? s.loss.toPrecision(6) : '—',
    lr: Number.isFinite(s.lr) ? short(s.lr) : '—',
    where: s.diverged ? 'diverged' : `(${coordinate(s.end[0])}, ${coordinate(s.end[1])})`,
  };
}
