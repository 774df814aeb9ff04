/**
 * `pnpm --filter downhill-example-optimizer-paths start`: optimizers' paths over the contours of
 * two-dimensional test functions, their loss against step, and the effect of the learning rate.
 * See README.md; `--help` prints the flags.
 */
import '@downhill/backend-cpu/register';
import '@downhill/optimizers/register';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBackend } from '@downhill/backend';
import { listOptimizers } from '@downhill/optimizers';
import { USAGE, UsageError, checkOptimizers, parseCli } from './cli.js';
import { ALIASES } from 'downhill-example-surfaces';
import { makeFigures } from './figures.js';
import { PluginImportError, importPlugins } from './plugins.js';

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const t0 = performance.now();
  let config: ReturnType<typeof parseCli>;
  let outDir: string;
  try {
    config = parseCli(argv);
    if (config === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    try {
      await importPlugins(config.plugins);
    } catch (e) {
      if (e instanceof PluginImportError) throw new UsageError(`--plugin: ${e.message}`);
      throw e;
    }
    checkOptimizers(config, [...Object.keys(ALIASES), ...listOptimizers().map((o) => o.name)]);
    outDir = resolve(config.out ?? join('runs', timestamp()));
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out: '${config.out}' exists and is not a folder`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\nRun with --help for the usage.\n`);
      return 2;
    }
    throw e;
  }
  const backend = await getBackend('cpu');
  const figures = await makeFigures(backend, config);
  mkdirSync(outDir, { recursive: true });
  for (const fig of figures) {
    writeFileSync(join(outDir, `${fig.name}.svg`), fig.rendered.svg);
    writeFileSync(join(outDir, `${fig.name}.png`), fig.rendered.png);
    process.stdout.write(`${fig.name}: ${fig.summary}\n`);
  }
  process.stdout.write(
    `wrote ${figures.map((f) => `${f.name}.svg/.png`).join(', ')} to ${outDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

main(process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
