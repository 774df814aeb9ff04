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
    expect(c).toMatchObject({
      backend: 'auto',
      optimizers: ['adam'],
      compare: false,
      schedule: 'warmup-cosine',
      epochs: DEFAULTS.epochs,
      batchSize: DEFAULTS.batchSize,
      seed: 0,
      hidden: DEFAULTS.hidden,
      batchnorm: false,
      dropout: 0,
      lr: undefined,
      clip: undefined,
    });
  });

  it('reads every flag', () => {
    const c = config([
      '--backend',
      'cpu',
      '--optimizer',
      'sgd',
      '--lr',
      '0.05',
      '--schedule',
      'one-cycle',
      '--epochs',
      '3',
      '--batch-size',
      '64',
      '--seed',
      '7',
      '--clip',
      '1.5',
      '--hidden',
      '64, 32',
      '--batchnorm',
      '--dropout',
      '0.2',
      '--out',
      'x',
      '--quiet',
      '--plugin',
      'a',
      '--plugin',
      'b',
    ]);
    expect(c).toMatchObject({
      backend: 'cpu',
      optimizers: ['sgd'],
      lr: 0.05,
      schedule: 'one-cycle',
      epochs: 3,
      batchSize: 64,
      seed: 7,
      clip: 1.5,
      hidden: [64, 32],
      batchnorm: true,
      dropout: 0.2,
      out: 'x',
      quiet: true,
      plugins: ['a', 'b'],
    });
    expect(config(['--compare', 'adam,sgd,rmsprop'])).toMatchObject({ optimizers: ['adam', 'sgd', 'rmsprop'], compare: true });
    expect(config(['--hidden', 'none']).hidden).toEqual([]);
    // a negative number after a space is the flag's value (Node's parser alone calls it ambiguous)
    expect(() => config(['--seed', '3', '--clip', '-1e-3', '--optimizer', 'sgd'])).toThrow(/^--clip: expected a number > 0, got -1e-3$/);
    expect(() => config(['--lr', '-.5'])).toThrow(/^--lr: expected a number > 0 and ≤ 100, got -.5$/);
    expect(config(['--resume', 'runs/a', '--quiet', '--plugin', 'p'])).toMatchObject({ resume: 'runs/a', quiet: true, plugins: ['p'] });
    expect(config(['--out', 'x', '--force'])).toMatchObject({ out: 'x', force: true });
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
    expect(() => checkNames(config(['--backend', 'gpu']), ['tfjs-wasm', 'cpu'], ['adam'])).toThrow(
      /--backend: unknown backend 'gpu'; valid: auto, tfjs-wasm, cpu/,
    );
    expect(() => checkNames(config(['--optimizer', 'adamm']), ['cpu'], ['adam', 'sgd'])).toThrow(
      /--optimizer: unknown optimizer 'adamm'; valid: adam, sgd/,
    );
    expect(() => checkNames(config(['--compare', 'adam,nope']), ['cpu'], ['adam', 'sgd'])).toThrow(/--compare: unknown optimizer 'nope'/);
  });
});

describe('the command line, spawned', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown backend',
      ['--backend', 'quantum'],
      /--backend: unknown backend 'quantum'; valid: auto, cuda, webgpu, cpu, tfjs-wasm, tfjs-cpu/,
    ],
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

  it('DOWNHILL_BACKEND naming a backend that cannot start exits 2 with a message naming the variable', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mnist-cli-'));
    // d3d12 gives no adapter on Linux: WebGPU cannot start, whatever this machine has
    const r = await runCli(['--train-size', '100', '--test-size', '10', '--out', join(root, 'run')], {
      env: { DOWNHILL_BACKEND: 'webgpu', DOWNHILL_WEBGPU_DAWN_BACKEND: 'd3d12' },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: DOWNHILL_BACKEND=webgpu \(the environment variable; unset it to let the program choose\): webgpu: no WebGPU adapter in Node through Dawn/,
    );
    expect(r.stderr).toMatch(/Run with --help/);
    expect(existsSync(join(root, 'run'))).toBe(false);
  }, 240_000);

  it('takes a relative --out from the directory the command was run in (INIT_CWD under pnpm), and refuses to overwrite a run without --force', async () => {
    const user = mkdtempSync(join(tmpdir(), 'mnist-cwd-'));
    const small = [
      '--backend',
      'cpu',
      '--train-size',
      '200',
      '--test-size',
      '50',
      '--epochs',
      '1',
      '--batch-size',
      '100',
      '--hidden',
      'none',
      '--quiet',
      '--lr',
      '-0.1',
    ];
    // a negative learning rate after a space is read as a number (and refused by its range)
    const neg = await runCli([...small, '--out', 'myrun'], { env: { INIT_CWD: user } });
    expect(neg.code).toBe(2);
    expect(neg.stderr).toMatch(/--lr: expected a number > 0 and ≤ 100, got -0.1/);
    const args = [...small.slice(0, -2), '--out', 'myrun'];
    const first = await runCli(args, { env: { INIT_CWD: user } });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(user, 'myrun', 'metrics.json'))).toBe(true);
    expect(first.stdout).toMatch(/model: 784 → 10 \(linear, Glorot uniform\); 1 epoch of batch 100/);
    expect(first.stdout).toMatch(/test accuracy .* after 1 epoch in/);
    const again = await runCli(args, { env: { INIT_CWD: user } });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /--out: '.*myrun' holds a run already \(metrics\.json, checkpoint\.safetensors\); pass --force to overwrite it, --resume myrun to continue it/,
    );
    const forced = await runCli([...args, '--force'], { env: { INIT_CWD: user } });
    expect(forced.code, forced.stderr).toBe(0);
  }, 240_000);

  it('prints the usage with --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--compare <a,b,...>/);
    expect(r.stdout).toMatch(/warmup-cosine/);
  });
});
