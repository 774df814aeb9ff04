/**
 * `pnpm start`: trains an MLP (or with `--model cnn` a CNN) on MNIST with downhill and writes metrics.json and learning-curve
 * plots. See README.md for the flags; `--help` prints them.
 */
import '@downhill/backend-cpu/register';
import '@downhill/backend-tfjs/register';
import '@downhill/backend-webgpu/register';
import '@downhill/backend-cuda/register';
import '@downhill/optimizers/register';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { BackendNotFoundError, BackendUnavailableError, listBackends } from '@downhill/backend';
import { CheckpointError } from '@downhill/layers';
import { listOptimizers } from '@downhill/optimizers';
import { chooseBackend, type BackendChoice } from './backends.js';
import { CHECKPOINT_FILE, readRunCheckpoint, writeRunCheckpoint, type Settings } from './checkpoint.js';
import { USAGE, UsageError, checkNames, parseCli, type Config } from './cli.js';
import { loadMnist, pixelStats, standardize } from './data.js';
import { PluginImportError, importPlugins } from './plugins.js';
import { DEFAULT_OPTIONS, learningRateFor } from './lr-defaults.js';
import { scheduleFor } from './schedules.js';
import { writeMetrics, type Metrics } from './metrics.js';
import { describeModel } from './model.js';
import { learningCurveSpec } from './plots.js';
import { fmtLr, fmtPct, progressReporter } from './progress.js';
import { renderVegaLite } from 'downhill-example-plots';
import { train, type RunResult } from './train.js';

function timestamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The directory the user ran the command in: pnpm runs scripts in the package's folder and says where it was started in INIT_CWD. */
export function userDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD && isAbsolute(env.INIT_CWD) ? env.INIT_CWD : process.cwd();
}

/** What a run starts from: its settings, its folder, and (resuming) the checkpoint. */
interface Prepared {
  readonly config: Config;
  readonly settings: Settings;
  readonly outDir: string;
  readonly resumed?: Awaited<ReturnType<typeof readRunCheckpoint>>;
}

/** Everything checked before anything is written: flags, plugins, names, the output folder, the checkpoint to resume. */
async function prepare(argv: readonly string[]): Promise<Prepared | 'help'> {
  const parsed = parseCli(argv);
  if (parsed === 'help') return 'help';
  let config: Config = parsed;
  let outDir: string;
  let resumed: Prepared['resumed'];
  if (config.resume !== undefined) {
    outDir = resolve(userDir(), config.resume);
    try {
      resumed = await readRunCheckpoint(outDir);
    } catch (e) {
      if (e instanceof CheckpointError) throw new UsageError(`--resume: ${e.message}`);
      throw e;
    }
    const saved = resumed.state.settings;
    config = {
      ...saved,
      plugins: [...saved.plugins, ...config.plugins.filter((p) => !saved.plugins.includes(p))],
      out: config.resume,
      force: false,
      resume: config.resume,
      quiet: config.quiet,
    };
  } else {
    outDir = config.out !== undefined ? resolve(userDir(), config.out) : resolve('runs', timestamp());
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out: '${config.out}' exists and is not a folder`);
    const earlier = ['metrics.json', CHECKPOINT_FILE].filter((f) => existsSync(join(outDir, f)));
    if (earlier.length && !config.force) {
      throw new UsageError(
        `--out: '${outDir}' holds a run already (${earlier.join(', ')}); pass --force to overwrite it, --resume ${config.out} to continue it, or another --out`,
      );
    }
  }
  try {
    await importPlugins(config.plugins, { from: userDir() });
  } catch (e) {
    if (e instanceof PluginImportError) throw new UsageError(`--plugin: ${e.message}`);
    throw e;
  }
  checkNames(
    config,
    listBackends(),
    listOptimizers().map((o) => o.name),
  );
  const { quiet: _q, out: _o, force: _f, resume: _r, ...settings } = config;
  // Plugins named by path are kept as absolute paths, so a resumed run finds them from anywhere.
  return {
    config,
    settings: { ...settings, plugins: settings.plugins.map((p) => (p.startsWith('.') ? resolve(userDir(), p) : p)) },
    outDir,
    resumed,
  };
}

/** Ctrl-C and SIGTERM: the first asks the run to stop after the current step and write a checkpoint; a second one quits at once. */
function stopOnSignals(say: (s: string) => void): { requested: () => NodeJS.Signals | undefined } {
  let got: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (got) {
      process.stderr.write(`\n${signal} again: quitting without a new checkpoint (the last one written is intact)\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    got = signal;
    say(
      `\n${signal}: finishing the current step, then writing a checkpoint (${signal === 'SIGINT' ? 'Ctrl-C' : 'send it'} again to quit at once)`,
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { requested: () => got };
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
  const { config, settings, outDir, resumed } = prepared;
  const say = (s: string) => process.stdout.write(`${s}\n`);

  const raw = loadMnist({ trainLimit: config.trainSize, testLimit: config.testSize });
  const stats = pixelStats(raw.train);
  const trainSet = standardize(raw.train, stats);
  const testSet = standardize(raw.test, stats);
  // A checkpoint written before --model existed holds no model: it was an MLP.
  const model = config.model ?? 'mlp';
  const modelShape = {
    model,
    hidden: config.hidden,
    channels: config.channels ?? [],
    // A checkpoint written before --pool existed pooled by averaging.
    pool: config.pool ?? 'avg',
    batchnorm: config.batchnorm,
    dropout: config.dropout,
  };

  let selection: BackendChoice;
  try {
    selection = resumed
      ? {
          ...(await chooseBackend(resumed.state.backend.name, {
            optimizer: config.optimizers[0],
            ...modelShape,
            batchSize: config.batchSize,
            data: trainSet,
          })),
          reason: resumed.state.backend.reason,
          probe: resumed.state.backend.probeExamplesPerSecond,
        }
      : await chooseBackend(config.backend, {
          optimizer: config.optimizers[0],
          ...modelShape,
          batchSize: config.batchSize,
          data: trainSet,
        });
  } catch (e) {
    if (e instanceof BackendUnavailableError || e instanceof BackendNotFoundError) {
      const env = process.env.DOWNHILL_BACKEND;
      const via = resumed
        ? `the backend of the run being resumed ('${resumed.state.backend.name}')`
        : config.backend !== 'auto'
          ? `--backend ${config.backend}`
          : env
            ? `DOWNHILL_BACKEND=${env} (the environment variable; unset it to let the program choose)`
            : 'auto-selection';
      process.stderr.write(`error: ${via}: ${e.message}\n\nRun with --help for the usage.\n`);
      return 2;
    }
    throw e;
  }
  const backendRecord = {
    name: selection.name,
    reason: selection.reason,
    ...(selection.probe ? { probeExamplesPerSecond: selection.probe } : {}),
  };
  say(`backend: ${selection.name} — ${selection.reason}`);
  say(
    `data: ${trainSet.count} training and ${testSet.count} test images (pixels centred: mean ${stats.mean.toFixed(4)}, std ${stats.std.toFixed(4)})`,
  );
  say(
    `model: ${describeModel(modelShape)}; ${plural(config.epochs, 'epoch')} of batch ${config.batchSize}, schedule ${config.schedule}, seed ${config.seed}${config.clip ? `, clip ${config.clip}` : ''}`,
  );
  if (resumed) {
    const p = resumed.state.current.position;
    say(
      `resuming ${outDir}: ${resumed.state.current.optimizer} at epoch ${Math.min(p.epoch, config.epochs)}, step ${p.stepInEpoch} of the epoch (${p.step} steps done)`,
    );
  } else if (config.force) {
    for (const f of ['metrics.json', CHECKPOINT_FILE]) rmSync(join(outDir, f), { force: true });
  }
  mkdirSync(outDir, { recursive: true });

  const runs: RunResult[] = [...(resumed?.state.runs ?? [])];
  const earlierSeconds = resumed?.state.wallTimeSeconds ?? 0;
  const programSeconds = () => earlierSeconds + (performance.now() - t0) / 1000;
  // Installed until the program ends: a signal after the last step lets the outputs be written.
  const signals = stopOnSignals(say);
  for (const name of config.optimizers.slice(runs.length)) {
    const { lr } = learningRateFor(name, config.lr, config.model ?? 'mlp');
    const schedule = scheduleFor(name, config);
    say(
      `optimizer: ${name}, peak learning rate ${fmtLr(lr)}${DEFAULT_OPTIONS[name] ? `, options ${JSON.stringify(DEFAULT_OPTIONS[name])}` : ''}${schedule === config.schedule ? '' : `, schedule ${schedule} (schedule-free: its warmup is inside the method)`}`,
    );
    const resumeHere =
      resumed && resumed.state.current.optimizer === name && runs.length === resumed.state.runs.length ? resumed : undefined;
    const result = await train({
      backend: selection.backend,
      optimizer: name,
      lr,
      schedule,
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      clip: config.clip,
      ...modelShape,
      train: trainSet,
      test: testSet,
      onProgress: progressReporter(config.compare ? name : '', config.epochs, { quiet: config.quiet }),
      resume: resumeHere ? { position: resumeHere.state.current.position, restore: resumeHere.restore } : undefined,
      onCheckpoint: (position, trainer) =>
        writeRunCheckpoint(outDir, trainer, {
          program: 'downhill-example-mnist',
          settings,
          backend: backendRecord,
          runs,
          current: { optimizer: name, position },
          wallTimeSeconds: programSeconds(),
        }),
      shouldStop: () => signals.requested() !== undefined,
    });
    if ('interrupted' in result) {
      const p = result.interrupted;
      const where = p.stepInEpoch === 0 ? `after epoch ${p.epoch - 1}` : `at step ${p.stepInEpoch} of epoch ${p.epoch}`;
      say(`stopped ${where} (${name}); checkpoint written to ${join(outDir, CHECKPOINT_FILE)}`);
      say(`continue with: pnpm start --resume ${outDir}`);
      return signals.requested() === 'SIGTERM' ? 143 : 130;
    }
    runs.push(result);
    say(
      `${name}: test accuracy ${fmtPct(result.testAccuracy)} after ${plural(config.epochs, 'epoch')} in ${result.wallTimeSeconds.toFixed(1)} s`,
    );
  }

  const modelDesc = describeModel(modelShape);
  const title = `MNIST · ${model === 'cnn' ? 'CNN' : 'MLP'} ${modelDesc.split(' (')[0]} · ${config.compare ? 'optimizers compared' : config.optimizers[0]} · ${selection.name}`;
  const subtitle = `${plural(config.epochs, 'epoch')}, batch ${config.batchSize}, ${config.schedule} schedule, seed ${config.seed}${config.batchnorm ? ', BatchNorm' : ''}${config.dropout ? `, dropout ${config.dropout}` : ''}${config.clip ? `, clip ${config.clip}` : ''} · ${trainSet.count} training / ${testSet.count} test images`;
  const plot = await renderVegaLite(learningCurveSpec(runs, { title, subtitle }));
  const metrics: Metrics = {
    program: 'downhill-example-mnist',
    config: settings,
    backend: backendRecord,
    data: { train: trainSet.count, test: testSet.count, pixelMean: stats.mean, pixelStd: stats.std },
    model: { description: modelDesc, parameters: runs[0].parameterCount },
    seed: config.seed,
    runs,
    wallTimeSeconds: programSeconds(),
  };
  const metricsPath = writeMetrics(outDir, metrics);
  writeFileSync(join(outDir, 'learning-curves.svg'), plot.svg);
  writeFileSync(join(outDir, 'learning-curves.png'), plot.png);
  const best = runs.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  say(
    `test accuracy: ${runs.map((r) => `${r.optimizer.name} ${fmtPct(r.testAccuracy)}`).join(', ')}${runs.length > 1 ? ` (best: ${best.optimizer.name})` : ''}`,
  );
  say(`wall time: ${metrics.wallTimeSeconds.toFixed(1)} s`);
  say(
    `wrote ${metricsPath}, learning-curves.svg and learning-curves.png, ${config.compare ? 'weights-<optimizer>.safetensors' : 'weights.safetensors'} and ${CHECKPOINT_FILE}`,
  );
  return 0;
}

/** `1 epoch`, `8 epochs`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

main(process.argv.slice(2)[0] === '--' ? process.argv.slice(3) : process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
