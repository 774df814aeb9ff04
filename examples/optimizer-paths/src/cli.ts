import { parseArgs } from 'node:util';
import { FUNCTIONS } from 'downhill-example-surfaces';

/** A command-line mistake: printed with a pointer to `--help`, exit code 2, nothing written. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The validated command line. */
export interface Config {
  readonly optimizers: readonly string[];
  readonly plugins: readonly string[];
  readonly functions: readonly string[];
  readonly steps: number;
  /** The optimizer of the learning-rate figure. */
  readonly lrOptimizer: string;
  /** `undefined`: `runs/<timestamp>`. */
  readonly out: string | undefined;
}

export const DEFAULT_OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;

export const USAGE = `Usage: pnpm --filter downhill-example-optimizer-paths start [-- options]

Draws optimizers' paths on two-dimensional test functions (SVG and PNG).

  --optimizers <a,b,...>  registered optimizers, plus 'momentum' and 'nesterov' (SGD with
                          momentum 0.9); default ${DEFAULT_OPTIMIZERS.join(',')}
  --plugin <module>       import a module that registers optimizers (repeatable), e.g.
                          --plugin downhill-example-plugin-qhadam --optimizers adam,qhadam
  --functions <a,b,...>   ${FUNCTIONS.map((f) => f.name).join(', ')} (default: all)
  --steps <int>           steps per run (default 300)
  --lr-optimizer <name>   the optimizer of the learning-rate figure (default sgd)
  --out <dir>             output folder (default runs/<timestamp>)
  --help                  this text`;

const OPTIONS = {
  optimizers: { type: 'string' },
  plugin: { type: 'string', multiple: true },
  functions: { type: 'string' },
  steps: { type: 'string' },
  'lr-optimizer': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} as const;

function list(value: string, flag: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${flag}: expected a comma-separated list without empty items, got '${value}'`);
  if (new Set(items).size !== items.length) throw new UsageError(`--${flag}: a name is listed twice in '${value}'`);
  return items;
}

/**
 * Parses the command line; names of optimizers are checked later by {@link checkOptimizers},
 * once plugins are imported.
 *
 * @throws UsageError naming the flag, what was expected and what came.
 */
export function parseCli(argv: readonly string[]): Config | 'help' {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(
      `${(e as Error).message.split('\n')[0]}; valid flags: ${Object.keys(OPTIONS)
        .map((k) => `--${k}`)
        .join(', ')}`,
    );
  }
  if (values.help) return 'help';
  const str = (k: string) => values[k] as string | undefined;
  const functions = str('functions') === undefined ? FUNCTIONS.map((f) => f.name) : list(str('functions')!, 'functions');
  for (const f of functions) {
    if (!FUNCTIONS.some((g) => g.name === f))
      throw new UsageError(`--functions: unknown function '${f}'; valid: ${FUNCTIONS.map((g) => g.name).join(', ')}`);
  }
  let steps = 300;
  if (str('steps') !== undefined) {
    const s = str('steps')!.trim();
    steps = s === '' ? NaN : Number(s);
    if (!Number.isInteger(steps) || steps < 1 || steps > 100_000)
      throw new UsageError(`--steps: expected an integer from 1 to 100000, got '${str('steps')}'`);
  }
  const out = str('out');
  if (out !== undefined && out.trim() === '') throw new UsageError('--out: expected a folder, got an empty string');
  return {
    optimizers: str('optimizers') === undefined ? [...DEFAULT_OPTIMIZERS] : list(str('optimizers')!, 'optimizers'),
    plugins: (values.plugin as string[] | undefined) ?? [],
    functions,
    steps,
    lrOptimizer: str('lr-optimizer') ?? 'sgd',
    out,
  };
}

/** Checks optimizer names against the registry and the aliases. @throws UsageError listing the valid names. */
export function checkOptimizers(config: Config, known: readonly string[]): void {
  for (const [flag, names] of [
    ['optimizers', config.optimizers],
    ['lr-optimizer', [config.lrOptimizer]],
  ] as const) {
    for (const name of names) {
      if (!known.includes(name))
        throw new UsageError(`--${flag}: unknown optimizer '${name}'; valid: ${known.join(', ')} (plugins add more: --plugin <module>)`);
    }
  }
}
