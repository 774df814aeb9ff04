import { parseArgs } from 'node:util';
import { SCHEDULE_NAMES, type ScheduleName } from './schedules.js';

/** A command-line mistake: printed with the usage, exit code 2, nothing written. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Everything a run needs, validated. */
export interface Config {
  /** A registered backend name, or `auto` for `selectBackend`. */
  readonly backend: string;
  /** The optimizers to train with: one, or several with `--compare`. */
  readonly optimizers: readonly string[];
  /** Whether `--compare` was given (one plot overlays the runs). */
  readonly compare: boolean;
  /** Modules imported before optimizer names are checked (plugins that register optimizers). */
  readonly plugins: readonly string[];
  /** Peak learning rate; `undefined` means each optimizer's default (see `DEFAULT_LR`). */
  readonly lr: number | undefined;
  readonly schedule: ScheduleName;
  /**
   * Whether `--schedule` was given. When it was not, the schedule-free optimizers run at a constant
   * rate (their warmup is part of the method) and the others at `schedule` (see `scheduleFor`).
   * Absent from checkpoints written before it existed: then every optimizer took `schedule`.
   */
  readonly scheduleGiven?: boolean;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Global-norm clipping threshold, or `undefined` for none. */
  readonly clip: number | undefined;
  /** The classifier: `mlp` or `cnn` (two conv blocks with max pooling, then dense). */
  readonly model: 'mlp' | 'cnn';
  /** MLP: hidden layer widths (empty: a linear classifier). CNN: one width, its hidden Dense layer's. */
  readonly hidden: readonly number[];
  /** CNN: filters of its two conv blocks. */
  readonly channels: readonly number[];
  /** CNN: `avg` or `max` pooling after each conv block. */
  readonly pool: 'avg' | 'max';
  readonly batchnorm: boolean;
  /** Dropout rate after each hidden layer (0: none). */
  readonly dropout: number;
  /** Output folder; `undefined` means `runs/<timestamp>`. */
  readonly out: string | undefined;
  /** Overwrite an existing run in `out`. */
  readonly force: boolean;
  /** A run folder to continue from its checkpoint; `undefined` for a new run. */
  readonly resume: string | undefined;
  readonly quiet: boolean;
  /** Use only the first so many training / test images (tests and quick looks). */
  readonly trainSize: number;
  readonly testSize: number;
}

/** The defaults of `pnpm start`, tuned to reach 98% test accuracy well within 10 minutes on 2 shared cores (see README). */
export const DEFAULTS = {
  backend: 'auto',
  optimizer: 'adam',
  schedule: 'warmup-cosine' as ScheduleName,
  epochs: 8,
  batchSize: 128,
  seed: 0,
  hidden: [512, 256],
  dropout: 0,
  model: 'mlp',
  trainSize: 60_000,
  testSize: 10_000,
} as const;

/** What `--model cnn` changes in the defaults (see README: 99.2% within the 10-minute budget on 2 shared cores). */
export const CNN_DEFAULTS = {
  epochs: 4,
  dropout: 0.4,
  hidden: [128],
  channels: [32, 64],
  pool: 'max',
} as const;

export const USAGE = `Usage: pnpm start [-- options]   (from the repository root)

Trains an MLP (or a CNN) on MNIST and writes metrics.json and learning-curve plots (SVG, PNG).

  --model <mlp|cnn>      the classifier (default mlp); cnn: two conv blocks (3×3 convolution,
                         ReLU, 2×2 ${CNN_DEFAULTS.pool} pooling) then dense, defaults ${CNN_DEFAULTS.epochs} epochs, --dropout ${CNN_DEFAULTS.dropout}, --channels ${CNN_DEFAULTS.channels.join(',')}, --hidden ${CNN_DEFAULTS.hidden.join(',')}
  --channels <a,b>       cnn: filters of the two conv blocks (default ${CNN_DEFAULTS.channels.join(',')})
  --pool <avg|max>       cnn: 2×2 pooling after each conv block (default ${CNN_DEFAULTS.pool})
  --backend <name>       auto (default: the best backend that starts here) or a registered one
  --optimizer <name>     a registered optimizer (default adam); plugins add names
  --plugin <module>      import a module that registers an optimizer (repeatable),
                         e.g. --plugin downhill-example-plugin-qhadam --optimizer qhadam
  --compare <a,b,...>    train with each optimizer on the same data and seed; overlay the curves
  --lr <number>          peak learning rate (default: per optimizer, 1e-3 for adam; cnn: 3e-3 for adam)
  --schedule <name>      ${SCHEDULE_NAMES.join(', ')} (default warmup-cosine)
                         (schedule-free optimizers: constant unless --schedule is given; they warm up inside)
  --epochs <int>         passes over the training set (default ${DEFAULTS.epochs}; cnn ${CNN_DEFAULTS.epochs})
  --batch-size <int>     examples per step (default ${DEFAULTS.batchSize}, or the training set if smaller)
  --seed <int>           seed of the weights, the shuffling and dropout (default ${DEFAULTS.seed})
  --clip <number>        clip gradients to this global norm (default: no clipping)
  --hidden <a,b,...>     hidden layer widths (default ${DEFAULTS.hidden.join(',')}; 'none' for a linear model);
                         cnn: one width, its dense layer's (default ${CNN_DEFAULTS.hidden.join(',')})
  --batchnorm            BatchNorm after each hidden Dense layer (cnn: and each convolution)
  --dropout <rate>       dropout after each hidden layer, in [0, 1) (default 0; cnn: before the output layer, default ${CNN_DEFAULTS.dropout})
  --out <dir>            output folder (default runs/<timestamp> in examples/mnist; a
                         relative path is taken from the directory you ran the command in)
  --force                overwrite the run already in --out
  --resume <dir>         continue the run in <dir> from its last checkpoint (written after
                         every epoch and on Ctrl-C); it ends as the uninterrupted run would
  --train-size <int>     use the first N training images (default 60000)
  --test-size <int>      use the first N test images (default 10000)
  --quiet                no progress bars
  --help                 this text`;

const OPTIONS = {
  backend: { type: 'string' },
  optimizer: { type: 'string' },
  plugin: { type: 'string', multiple: true },
  compare: { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  clip: { type: 'string' },
  hidden: { type: 'string' },
  model: { type: 'string' },
  channels: { type: 'string' },
  pool: { type: 'string' },
  batchnorm: { type: 'boolean' },
  dropout: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  resume: { type: 'string' },
  'train-size': { type: 'string' },
  'test-size': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * `--lr -0.1` as `--lr=-0.1`: Node's parser refuses a value that starts with a dash as ambiguous,
 * but after a flag that takes a value a negative number can only be that value.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([a-z-]+)$/.exec(argv[i])?.[1];
    const option = name ? (OPTIONS as Record<string, { type: string }>)[name] : undefined;
    if (option?.type === 'string' && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) {
      out.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** A number flag: finite, in range, an integer where asked. */
function num(
  value: string | undefined,
  flag: string,
  { int = false, min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const n = text === '' ? NaN : Number(text);
  const kind = int ? 'an integer' : 'a number';
  if (!Number.isFinite(n)) throw new UsageError(`--${flag}: expected ${kind}, got '${value}'`);
  if (int && !Number.isInteger(n)) throw new UsageError(`--${flag}: expected an integer, got '${value}'`);
  const lowOk = minExclusive ? n > min : n >= min;
  const highOk = maxExclusive ? n < max : n <= max;
  if (!lowOk || !highOk) {
    const lo = min === -Infinity ? '' : `${minExclusive ? '>' : '≥'} ${min}`;
    const hi = max === Infinity ? '' : `${maxExclusive ? '<' : '≤'} ${max}`;
    throw new UsageError(`--${flag}: expected ${kind} ${[lo, hi].filter(Boolean).join(' and ')}, got ${value}`);
  }
  return n;
}

function list(value: string, flag: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${flag}: expected a comma-separated list without empty items, got '${value}'`);
  return items;
}

/**
 * Parses and checks the command line (everything that needs no registry: names of backends and
 * optimizers are checked by {@link checkNames} once the registries are filled).
 *
 * @returns the config, or `'help'` for `--help`.
 * @throws UsageError naming the flag, what was expected and what came.
 */
export function parseCli(argv: readonly string[]): Config | 'help' {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(
      `${(e as Error).message.split('\n')[0]}; valid flags: ${Object.keys(OPTIONS)
        .map((k) => `--${k}`)
        .join(', ')}`,
    );
  }
  if (values.help) return 'help';
  const str = (k: string) => values[k] as string | undefined;

  if (str('compare') !== undefined && str('optimizer') !== undefined)
    throw new UsageError('--compare and --optimizer exclude each other: list every optimizer in --compare');
  const compare = str('compare') !== undefined;
  const optimizers = compare ? list(str('compare')!, 'compare') : [str('optimizer') ?? DEFAULTS.optimizer];
  if (new Set(optimizers).size !== optimizers.length)
    throw new UsageError(`--compare: an optimizer is listed twice in '${str('compare')}'`);

  const schedule = str('schedule') ?? DEFAULTS.schedule;
  if (!(SCHEDULE_NAMES as readonly string[]).includes(schedule))
    throw new UsageError(`--schedule: unknown schedule '${schedule}'; valid: ${SCHEDULE_NAMES.join(', ')}`);

  const model = str('model') ?? DEFAULTS.model;
  if (model !== 'mlp' && model !== 'cnn') throw new UsageError(`--model: expected mlp or cnn, got '${model}'`);
  const cnn = model === 'cnn';
  let hidden: number[] = cnn ? [...CNN_DEFAULTS.hidden] : [...DEFAULTS.hidden];
  const h = str('hidden');
  if (h !== undefined) {
    hidden = h.trim() === 'none' ? [] : list(h, 'hidden').map((s) => num(s, 'hidden', { int: true, min: 1, max: 8192 })!);
    if (cnn && hidden.length !== 1) throw new UsageError(`--hidden: the cnn has one hidden Dense layer; expected one width, got '${h}'`);
  }
  let channels: number[] = cnn ? [...CNN_DEFAULTS.channels] : [];
  const ch = str('channels');
  if (ch !== undefined) {
    if (!cnn) throw new UsageError('--channels: only the cnn has channels; add --model cnn');
    channels = list(ch, 'channels').map((s) => num(s, 'channels', { int: true, min: 1, max: 1024 })!);
    if (channels.length !== 2) throw new UsageError(`--channels: expected two filter counts (one per conv block), got '${ch}'`);
  }
  const pool = str('pool') ?? CNN_DEFAULTS.pool;
  if (pool !== 'avg' && pool !== 'max') throw new UsageError(`--pool: expected avg or max, got '${pool}'`);
  if (str('pool') !== undefined && !cnn) throw new UsageError('--pool: only the cnn pools; add --model cnn');

  const trainSize = num(str('train-size'), 'train-size', { int: true, min: 1, max: 60_000 }) ?? DEFAULTS.trainSize;
  const testSize = num(str('test-size'), 'test-size', { int: true, min: 1, max: 10_000 }) ?? DEFAULTS.testSize;
  // The default batch shrinks to a smaller training set (as --batch-size must not exceed it).
  const batchSize = num(str('batch-size'), 'batch-size', { int: true, min: 1, max: trainSize }) ?? Math.min(DEFAULTS.batchSize, trainSize);
  const backend = str('backend') ?? DEFAULTS.backend;
  if (backend.trim() === '') throw new UsageError('--backend: expected a backend name, got an empty string');
  const out = str('out');
  if (out !== undefined && out.trim() === '') throw new UsageError('--out: expected a folder, got an empty string');
  const resume = str('resume');
  if (resume !== undefined) {
    if (resume.trim() === '') throw new UsageError('--resume: expected a run folder, got an empty string');
    // A resumed run takes every setting from its checkpoint: the result is the uninterrupted run's.
    const allowed = new Set(['resume', 'quiet', 'plugin']);
    const extra = Object.keys(values).filter((k) => !allowed.has(k) && values[k] !== undefined);
    if (extra.length)
      throw new UsageError(
        `--resume continues a run with the settings it was started with; drop ${extra.map((k) => `--${k}`).join(', ')} (only --quiet and --plugin go with --resume)`,
      );
  }

  return {
    backend,
    optimizers,
    compare,
    plugins: (values.plugin as string[] | undefined) ?? [],
    lr: num(str('lr'), 'lr', { min: 0, minExclusive: true, max: 100 }),
    schedule: schedule as ScheduleName,
    scheduleGiven: str('schedule') !== undefined,
    epochs: num(str('epochs'), 'epochs', { int: true, min: 1, max: 1000 }) ?? (cnn ? CNN_DEFAULTS.epochs : DEFAULTS.epochs),
    batchSize,
    seed: num(str('seed'), 'seed', { int: true, min: 0, max: 2 ** 32 - 1 }) ?? DEFAULTS.seed,
    clip: num(str('clip'), 'clip', { min: 0, minExclusive: true }),
    model,
    hidden,
    channels,
    pool,
    batchnorm: Boolean(values.batchnorm),
    dropout: num(str('dropout'), 'dropout', { min: 0, max: 1, maxExclusive: true }) ?? (cnn ? CNN_DEFAULTS.dropout : DEFAULTS.dropout),
    out,
    force: Boolean(values.force),
    resume,
    quiet: Boolean(values.quiet),
    trainSize,
    testSize,
  };
}

/**
 * Checks the backend and optimizer names against the registries (after the register entry points
 * and plugins are imported).
 *
 * @throws UsageError listing the valid names.
 */
export function checkNames(config: Config, backends: readonly string[], optimizers: readonly string[]): void {
  if (config.backend !== 'auto' && !backends.includes(config.backend)) {
    throw new UsageError(`--backend: unknown backend '${config.backend}'; valid: auto, ${backends.join(', ')}`);
  }
  const flag = config.compare ? 'compare' : 'optimizer';
  for (const name of config.optimizers) {
    if (!optimizers.includes(name)) {
      throw new UsageError(`--${flag}: unknown optimizer '${name}'; valid: ${optimizers.join(', ')} (plugins add more: --plugin <module>)`);
    }
  }
}
