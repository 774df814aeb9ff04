import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, UsageError, checkNames, parseCli, type Config } from './cli.js';
import { runCli } from './test-helpers.js';

function config(argv: string[]): Config {
  const c = parseCli(argv);
  if (c === 'help') throw new Error('expected a config');
  return c;
}

describe('parseCli', () => {
  it('gives the defaults', () => {
    const c = config([]);
    expect(c).toMatchObject({ backend: 'auto', optimizers: ['adam'], compare: false, schedule: 'warmup-cosine', epochs: DEFAULTS.epochs, batchSize: DEFAULTS.batchSize, seed: 0, hidden: DEFAULTS.hidden, batchnorm: false, dropout: 0, lr: undefined, clip: undefined });
  });

  it('reads every flag', () => {
    const c = config(['--backend', 'cpu', '--optimizer', 'sgd', '--lr', '0.05', '--schedule', 'one-cycle', '--epochs', '3', '--batch-size', '64', '--seed', '7', '--clip', '1.5', '--hidden', '64, 32', '--batchnorm', '--dropout', '0.2', '--out', 'x', '--quiet', '--plugin', 'a', '--plugin', 'b']);
    expect(c).toMatchObject({ backend: 'cpu', optimizers: ['sgd'], lr: 0.05, schedule: 'one-cycle', epochs: 3, batchSize: 64, seed: 7, clip: 1.5, hidden: [64, 32], batchnorm: true, dropout: 0.2, out: 'x', quiet: true, plugins: ['a', 'b'] });
    expect(config(['--compare', 'adam,sgd,rmsprop'])).toMatchObject({ optimizers: ['adam', 'sgd', 'rmsprop'], compare: true });
    expect(config(['--hidden', 'none']).hidden).toEqual([]);
    expect(parseCli(['--help'])).toBe('help');
  });

  it.each([
    [['--lr', 'fast'], /--lr: expected a number, got 'fast'/],
    [['--lr', '0'], /--lr: expected a number > 0/],
    [['--lr=-1'], /--lr: expected a number > 0 and ≤ 100, got -1/],
    [['--epochs', '2.5'], /--epochs: expected an integer, got '2.5'/],
    [['--epochs', '0'], /--epochs: expected an integer ≥ 1/],
    [['--batch-size', ''], /--batch-size: expected an integer, got ''/],
    [['--batch-size', '1000', '--train-size', '500'], /--batch-size: expected an integer ≥ 1 and ≤ 500, got 1000/],
    [['--seed=-3'], /--seed: expected an integer ≥ 0/],
    [['--dropout', '1'], /--dropout: expected a number ≥ 0 and < 1, got 1/],
    [['--clip', 'NaN'], /--clip: expected a number, got 'NaN'/],
    [['--hidden', '64,,32'], /--hidden: expected a comma-separated list/],
    [['--hidden', '64,x'], /--hidden: expected an integer, got 'x'/],
    [['--schedule', 'warmup'], /--schedule: unknown schedule 'warmup'; valid: constant, cosine, warmup-cosine, one-cycle/],
    [['--compare', 'adam,adam'], /listed twice/],
    [['--compare', 'adam,sgd', '--optimizer', 'adam'], /exclude each other/],
    [['--learning-rate', '1'], /Unknown option '--learning-rate'.*valid flags: --backend/],
    [['extra'], /positional/i],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('checkNames', () => {
  it('accepts registered names and lists the valid ones otherwise', () => {
    expect(() => checkNames(config(['--backend', 'cpu']), ['cpu'], ['adam'])).not.toThrow();
    expect(() => checkNames(config(['--backend', 'gpu']), ['tfjs-wasm', 'cpu'], ['adam'])).toThrow(/--backend: unknown backend 'gpu'; valid: auto, tfjs-wasm, cpu/);
    expect(() => checkNames(config(['--optimizer', 'adamm']), ['cpu'], ['adam', 'sgd'])).toThrow(/--optimizer: unknown optimizer 'adamm'; valid: adam, sgd/);
    expect(() => checkNames(config(['--compare', 'adam,nope']), ['cpu'], ['adam', 'sgd'])).toThrow(/--compare: unknown optimizer 'nope'/);
  });
});

describe('the command line, spawned', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown backend', ['--backend', 'quantum'], /--backend: unknown backend 'quantum'; valid: auto, .*tfjs-wasm.*cpu/],
    ['an unknown optimizer', ['--optimizer', 'adamm'], /--optimizer: unknown optimizer 'adamm'; valid: .*adam.*sgd/],
    ['an unknown schedule', ['--schedule', 'cosine-warmup'], /--schedule: unknown schedule 'cosine-warmup'; valid: /],
    ['a non-numeric learning rate', ['--lr', '1e-3x'], /--lr: expected a number, got '1e-3x'/],
    ['an out-of-range dropout', ['--dropout', '1.5'], /--dropout: expected a number ≥ 0 and < 1, got 1.5/],
    ['a plugin that does not exist', ['--plugin', 'downhill-no-such-plugin'], /--plugin: could not import 'downhill-no-such-plugin'/],
  ];

  it('exits with code 2, a clear message and nothing written, for each bad input', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mnist-cli-'));
    const results = await Promise.all(cases.map(([, args], i) => runCli([...args, '--out', join(root, `run${i}`)])));
    results.forEach((r, i) => {
      const [what, , message] = cases[i];
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).toMatch(/Run with --help/);
      expect(r.stdout, what).toBe('');
      expect(existsSync(join(root, `run${i}`)), `${what}: output folder`).toBe(false);
    });
  }, 240_000); // six programs started at once, on a shared machine

  it('prints the usage with --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--compare <a,b,...>/);
    expect(r.stdout).toMatch(/warmup-cosine/);
  });
});
