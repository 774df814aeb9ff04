/**
 * `--model cnn`: the flags, the model's shape and parameter names, and a small run of the real
 * program (256 training images, narrow channels, one epoch) that learns and writes its outputs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { CNN_DEFAULTS, DEFAULTS, UsageError, parseCli, type Config } from './cli.js';
import { learningRateFor } from './lr-defaults.js';
import type { Metrics } from './metrics.js';
import { buildModel, describeModel } from './model.js';
import { runCli } from './test-helpers.js';

function config(argv: string[]): Config {
  const c = parseCli(argv);
  if (c === 'help') throw new Error('expected a config');
  return c;
}

describe('--model cnn', () => {
  it('has its own defaults; the MLP stays the default model', () => {
    expect(config([])).toMatchObject({ model: 'mlp', hidden: DEFAULTS.hidden, epochs: DEFAULTS.epochs, channels: [], dropout: 0 });
    expect(config(['--model', 'cnn'])).toMatchObject({
      model: 'cnn',
      hidden: CNN_DEFAULTS.hidden,
      channels: CNN_DEFAULTS.channels,
      pool: 'max',
      epochs: CNN_DEFAULTS.epochs,
      dropout: 0.4,
    });
    expect(config(['--model', 'cnn', '--dropout', '0'])).toMatchObject({ dropout: 0 });
    // The peak rate: Adam's is 3e-3 for the CNN, 1e-3 for the MLP; a flag wins; others keep the MLP's.
    expect(learningRateFor('adam', undefined, 'cnn')).toEqual({ lr: 3e-3, source: 'default' });
    expect(learningRateFor('adam', undefined, 'mlp')).toEqual({ lr: 1e-3, source: 'default' });
    expect(learningRateFor('adam', 0.01, 'cnn')).toEqual({ lr: 0.01, source: 'flag' });
    expect(learningRateFor('sgd', undefined, 'cnn')).toEqual({ lr: 0.05, source: 'default' });
    expect(config(['--model', 'cnn', '--channels', '8,16', '--hidden', '64', '--pool', 'avg', '--epochs', '2'])).toMatchObject({
      channels: [8, 16],
      hidden: [64],
      pool: 'avg',
      epochs: 2,
    });
  });

  it.each([
    [['--model', 'rnn'], /--model: expected mlp or cnn, got 'rnn'/],
    [['--channels', '8,16'], /--channels: only the cnn has channels; add --model cnn/],
    [['--model', 'cnn', '--channels', '8'], /--channels: expected two filter counts/],
    [['--model', 'cnn', '--hidden', '64,32'], /--hidden: the cnn has one hidden Dense layer/],
    [['--model', 'cnn', '--pool', 'min'], /--pool: expected avg or max, got 'min'/],
    [['--pool', 'max'], /--pool: only the cnn pools/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('is two conv blocks then dense, with dotted parameter names and the HWIO kernels', () => {
    const choice = { model: 'cnn' as const, hidden: [128], channels: [32, 64], batchnorm: false, dropout: 0 };
    const model = buildModel(choice);
    expect(model.parameterShapes()).toEqual({
      'conv1.kernel': [3, 3, 1, 32],
      'conv1.bias': [32],
      'conv2.kernel': [3, 3, 32, 64],
      'conv2.bias': [64],
      'dense.kernel': [7 * 7 * 64, 128],
      'dense.bias': [128],
      'out.kernel': [128, 10],
      'out.bias': [10],
    });
    expect(describeModel(choice)).toBe('28×28×1 → conv 3×3 32 → max pool 2 → conv 3×3 64 → max pool 2 → 128 → 10 (ReLU, He normal)');
    const b = cpu();
    const logits = model.init(b, { seed: 0 }).call(b.zeros([2, 784]));
    expect(logits.shape).toEqual([2, 10]);
  });

  it('trains from the command line: the loss falls and the outputs are written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mnist-cnn-')), 'run');
    const r = await runCli([
      '--backend',
      'cpu',
      '--model',
      'cnn',
      '--channels',
      '4,8',
      '--pool',
      'avg',
      '--hidden',
      '16',
      '--train-size',
      '256',
      '--test-size',
      '100',
      '--batch-size',
      '32',
      '--epochs',
      '1',
      '--lr',
      '3e-3',
      '--dropout',
      '0',
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/model: 28×28×1 → conv 3×3 4 → avg pool 2 → conv 3×3 8 → avg pool 2 → 16 → 10/);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Metrics;
    expect(m.config).toMatchObject({ model: 'cnn', channels: [4, 8], hidden: [16] });
    expect(m.model.parameters).toBe(3 * 3 * 4 + 4 + 3 * 3 * 4 * 8 + 8 + 7 * 7 * 8 * 16 + 16 + 16 * 10 + 10);
    const loss = m.runs[0].steps.loss;
    expect(loss).toHaveLength(8);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });
});
