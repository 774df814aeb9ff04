/**
 * `pnpm --filter downhill-example-names start`: trains the character model of first names and
 * prints the validation loss against the bigram model's and sampled names. See README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpu } from '@downhill/backend-cpu';
import { rng } from '@downhill/initializers';
import { saveWeightsSync } from '@downhill/layers';
import { Bigram } from './bigram.js';
import { allNames, splitNames } from './data.js';
import { learningCurveSpec } from './plots.js';
import { renderVegaLite } from 'downhill-example-plots';
import { sampleNames } from './sample.js';
import { train } from './train.js';

/** The defaults, sized to train in a few minutes on two shared cores (see README). */
export const DEFAULTS = {
  epochs: 8,
  batchSize: 64,
  lr: 3e-3,
  weightDecay: 0.1,
  seed: 0,
  dim: 64,
  layers: 2,
  heads: 4,
  dropout: 0.1,
  samples: 20,
  temperature: 0.8,
} as const;

const USAGE = `Usage: pnpm --filter downhill-example-names start [-- options]

Trains a small causal transformer on 8,422 English first names, character by character, and
compares its validation loss with a bigram model's on the same split; prints sampled names.

  --epochs <int>         passes over the training names (default ${DEFAULTS.epochs})
  --batch-size <int>     names per step (default ${DEFAULTS.batchSize})
  --lr <number>          peak learning rate of AdamW (default ${DEFAULTS.lr})
  --weight-decay <n>     AdamW's decoupled weight decay on kernels (default ${DEFAULTS.weightDecay})
  --dim <int>            model width (default ${DEFAULTS.dim})
  --layers <int>         transformer blocks (default ${DEFAULTS.layers})
  --heads <int>          attention heads (default ${DEFAULTS.heads})
  --dropout <rate>       dropout on the blocks' branches (default ${DEFAULTS.dropout})
  --seed <int>           seed of the split, the weights, the order, dropout and sampling (default 0)
  --samples <int>        names to sample at the end (default ${DEFAULTS.samples})
  --temperature <n>      sampling temperature, > 0 (default ${DEFAULTS.temperature})
  --limit <int>          use only the first N names of the shuffled list (quick looks, tests)
  --out <dir>            output folder (default runs/<timestamp>)
  --quiet                no per-step progress
  --help                 this text`;

function num(v: string | undefined, flag: string, fallback: number, { int = false, min = 0, exclusive = false } = {}): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || (exclusive ? n <= min : n < min))
    throw new Error(`--${flag}: expected ${int ? 'an integer' : 'a number'} ${exclusive ? '>' : '≥'} ${min}, got '${v}'`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(
        [
          'epochs',
          'batch-size',
          'lr',
          'weight-decay',
          'dim',
          'layers',
          'heads',
          'dropout',
          'seed',
          'samples',
          'temperature',
          'limit',
          'out',
        ].map((k) => [k, { type: 'string' as const }]),
      ),
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const s = (k: string) => (values as Record<string, string | boolean | undefined>)[k] as string | undefined;
  const seed = num(s('seed'), 'seed', DEFAULTS.seed, { int: true });
  const config = {
    epochs: num(s('epochs'), 'epochs', DEFAULTS.epochs, { int: true, min: 1 }),
    batchSize: num(s('batch-size'), 'batch-size', DEFAULTS.batchSize, { int: true, min: 1 }),
    lr: num(s('lr'), 'lr', DEFAULTS.lr, { exclusive: true }),
    weightDecay: num(s('weight-decay'), 'weight-decay', DEFAULTS.weightDecay),
    dim: num(s('dim'), 'dim', DEFAULTS.dim, { int: true, min: 1 }),
    layers: num(s('layers'), 'layers', DEFAULTS.layers, { int: true, min: 1 }),
    heads: num(s('heads'), 'heads', DEFAULTS.heads, { int: true, min: 1 }),
    dropout: num(s('dropout'), 'dropout', DEFAULTS.dropout),
    seed,
  };
  const samples = num(s('samples'), 'samples', DEFAULTS.samples, { int: true });
  const temperature = num(s('temperature'), 'temperature', DEFAULTS.temperature, { exclusive: true });
  const limit = s('limit') === undefined ? undefined : num(s('limit'), 'limit', 0, { int: true, min: 2 });
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const names = allNames();
  const data = splitNames(limit === undefined ? names : splitNames(names, { seed, validationFraction: 0 }).train.slice(0, limit), { seed });
  const bigram = new Bigram(data.vocabulary, data.train);
  const bigramLoss = bigram.natsPerCharacter(data.validation);
  say(
    `data: ${data.train.length} training and ${data.validation.length} validation names, ${data.vocabulary.chars.length} symbols ('${data.vocabulary.chars.join('')}'), up to ${data.blockSize} positions`,
  );
  say(`bigram model (add-one smoothing): validation ${bigramLoss.toFixed(4)} nats/char`);
  const backend = cpu();
  const result = train({
    backend,
    data,
    ...config,
    onProgress: (e) => {
      if (e.kind === 'step' && !values.quiet && process.stdout.isTTY)
        process.stdout.write(`\repoch ${e.epoch}: step ${e.step}/${e.stepsPerEpoch}, training loss ${e.loss.toFixed(4)}   `);
      if (e.kind === 'epoch') {
        const m = e.metrics;
        if (process.stdout.isTTY && !values.quiet) process.stdout.write('\r');
        say(
          `epoch ${m.epoch}: training ${m.trainLoss.toFixed(4)}, validation ${m.validationLoss.toFixed(4)} nats/char (${m.seconds.toFixed(1)} s)`,
        );
      }
    },
  });
  const { model } = result;
  const final = result.epochs[result.epochs.length - 1].validationLoss;
  say(
    `transformer (${result.parameterCount.toLocaleString('en-US')} parameters, ${config.layers} × dim ${config.dim}, ${config.heads} heads): validation ${final.toFixed(4)} nats/char against the bigram's ${bigramLoss.toFixed(4)} (${final < bigramLoss ? 'better' : 'worse'} by ${Math.abs(bigramLoss - final).toFixed(4)}), ${result.seconds.toFixed(1)} s`,
  );
  const sampled = sampleNames(model, backend, data.vocabulary, { count: samples, temperature, key: rng(seed).fold('sample') });
  const known = new Set(names);
  say(`samples (temperature ${temperature}, seed ${seed}; * = not in the lists):`);
  say(sampled.map((n) => `  ${n}${known.has(n) ? '' : ' *'}`).join('\n'));

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(process.env.INIT_CWD ?? process.cwd(), s('out') ?? join('runs', stamp));
  mkdirSync(outDir, { recursive: true });
  const plot = await renderVegaLite(
    learningCurveSpec(result, bigramLoss, {
      title: `First names · causal transformer ${config.layers} × ${config.dim} · ${config.epochs} epochs, seed ${seed}`,
    }),
  );
  writeFileSync(join(outDir, 'learning-curves.svg'), plot.svg);
  writeFileSync(join(outDir, 'learning-curves.png'), plot.png);
  writeFileSync(
    join(outDir, 'metrics.json'),
    `${JSON.stringify(
      {
        program: 'downhill-example-names',
        config: { ...config, temperature, limit: limit ?? null },
        data: { train: data.train.length, validation: data.validation.length, vocabulary: data.vocabulary.chars.join('') },
        parameters: result.parameterCount,
        validationNatsPerChar: { transformer: final, bigram: bigramLoss },
        epochs: result.epochs,
        stepLosses: result.stepLosses,
        samples: sampled,
        wallTimeSeconds: result.seconds,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(outDir, 'weights.safetensors'), saveWeightsSync(model));
  say(`wrote ${join(outDir, 'metrics.json')}, learning-curves.svg, learning-curves.png and weights.safetensors`);
  model.dispose();
  return 0;
}

main(process.argv.slice(2)[0] === '--' ? process.argv.slice(3) : process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
