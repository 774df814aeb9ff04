/**
 * `pnpm start`: trains an MLP on MNIST with downhill and writes metrics.json and learning-curve
 * plots. See README.md for the flags; `--help` prints them.
 */
import '@downhill/backend-cpu/register';
import '@downhill/backend-tfjs/register';
import '@downhill/optimizers/register';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listBackends } from '@downhill/backend';
import { listOptimizers } from '@downhill/optimizers';
import { chooseBackend } from './backends.js';
import { USAGE, UsageError, checkNames, parseCli, type Config } from './cli.js';
import { loadMnist, pixelStats, standardize } from './data.js';
import { PluginImportError, importPlugins } from './plugins.js';
import { learningRateFor } from './lr-defaults.js';
import { writeMetrics, type Metrics } from './metrics.js';
import { describeMlp } from './model.js';
import { learningCurveSpec } from './plots.js';
import { fmtLr, fmtPct, progressReporter } from './progress.js';
import { renderVegaLite } from './render.js';
import { train, type RunResult } from './train.js';


function timestamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Everything checked before anything is written: flags, plugins, names, the output folder. */
async function prepare(argv: readonly string[]): Promise<{ config: Config; outDir: string } | 'help'> {
  const config = parseCli(argv);
  if (config === 'help') return 'help';
  try {
    await importPlugins(config.plugins);
  } catch (e) {
    if (e instanceof PluginImportError) throw new UsageError(`--plugin: ${e.message}`);
    throw e;
  }
  checkNames(
    config,
    listBackends(),
    listOptimizers().map((o) => o.name),
  );
  const outDir = resolve(config.out ?? join('runs', timestamp()));
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out: '${config.out}' exists and is not a folder`);
  return { config, outDir };
}

async function main(argv: readonly string[]): Promise<number> {
  const t0 = performance.now();
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\nRun with --help for the usage.\n`);
      return 2;
    }
    throw e;
  }
  if (prepared === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { config, outDir } = prepared;
  const say = (s: string) => process.stdout.write(`${s}\n`);

  const raw = loadMnist({ trainLimit: config.trainSize, testLimit: config.testSize });
  const stats = pixelStats(raw.train);
  const trainSet = standardize(raw.train, stats);
  const testSet = standardize(raw.test, stats);
  const modelShape = { inputs: 784, hidden: config.hidden, classes: 10, batchnorm: config.batchnorm, dropout: config.dropout };

  const selection = await chooseBackend(config.backend, { optimizer: config.optimizers[0], hidden: config.hidden, batchnorm: config.batchnorm, dropout: config.dropout, batchSize: config.batchSize, data: trainSet });
  say(`backend: ${selection.name} — ${selection.reason}`);
  say(`data: ${trainSet.count} training and ${testSet.count} test images (pixels centred: mean ${stats.mean.toFixed(4)}, std ${stats.std.toFixed(4)})`);
  say(`model: ${describeMlp(modelShape)}; ${config.epochs} epochs of batch ${config.batchSize}, schedule ${config.schedule}, seed ${config.seed}${config.clip ? `, clip ${config.clip}` : ''}`);

  const runs: RunResult[] = [];
  for (const name of config.optimizers) {
    const { lr } = learningRateFor(name, config.lr);
    say(`optimizer: ${name}, peak learning rate ${fmtLr(lr)}`);
    const result = await train({
      backend: selection.backend,
      optimizer: name,
      lr,
      schedule: config.schedule,
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      clip: config.clip,
      hidden: config.hidden,
      batchnorm: config.batchnorm,
      dropout: config.dropout,
      train: trainSet,
      test: testSet,
      onProgress: progressReporter(config.compare ? name : '', config.epochs, { quiet: config.quiet }),
    });
    runs.push(result);
    say(`${name}: test accuracy ${fmtPct(result.testAccuracy)} after ${config.epochs} epochs in ${result.wallTimeSeconds.toFixed(1)} s`);
  }

  const { quiet: _q, out: _o, ...settings } = config;
  const modelDesc = describeMlp(modelShape);
  const title = `MNIST · MLP ${modelDesc.split(' (')[0]} · ${config.compare ? 'optimizers compared' : config.optimizers[0]} · ${selection.name}`;
  const subtitle = `${config.epochs} epochs, batch ${config.batchSize}, ${config.schedule} schedule, seed ${config.seed}${config.batchnorm ? ', BatchNorm' : ''}${config.dropout ? `, dropout ${config.dropout}` : ''}${config.clip ? `, clip ${config.clip}` : ''} · ${trainSet.count} training / ${testSet.count} test images`;
  const plot = await renderVegaLite(learningCurveSpec(runs, { title, subtitle }));
  const metrics: Metrics = {
    program: 'downhill-example-mnist',
    config: settings,
    backend: { name: selection.name, reason: selection.reason, ...(selection.probe ? { probeExamplesPerSecond: selection.probe } : {}) },
    data: { train: trainSet.count, test: testSet.count, pixelMean: stats.mean, pixelStd: stats.std },
    model: { description: modelDesc, parameters: runs[0].parameterCount },
    seed: config.seed,
    runs,
    wallTimeSeconds: (performance.now() - t0) / 1000,
  };
  const metricsPath = writeMetrics(outDir, metrics);
  writeFileSync(join(outDir, 'learning-curves.svg'), plot.svg);
  writeFileSync(join(outDir, 'learning-curves.png'), plot.png);
  const best = runs.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  say(`test accuracy: ${runs.map((r) => `${r.optimizer.name} ${fmtPct(r.testAccuracy)}`).join(', ')}${runs.length > 1 ? ` (best: ${best.optimizer.name})` : ''}`);
  say(`wall time: ${metrics.wallTimeSeconds.toFixed(1)} s`);
  say(`wrote ${metricsPath}, learning-curves.svg and learning-curves.png`);
  return 0;
}

main(process.argv.slice(2)[0] === "--" ? process.argv.slice(3) : process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
