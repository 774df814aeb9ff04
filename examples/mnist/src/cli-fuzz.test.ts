/**
 * Fuzz: the MNIST job's command line. Random argument lists built from the real flags, unknown
 * flags, positionals, repeated flags and values of every kind (numbers in and out of range,
 * negative, fractional, NaN, Infinity, hex, empty, blank, lists with empty items, names) go
 * through `parseCli` and `checkNames`. Each either gives a config whose every field lies in its
 * documented range, or throws a UsageError that names a flag (`--x`) and says what it expected;
 * nothing else escapes. The number of inputs tried is printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError, checkNames, parseCli } from './cli.js';
import { SCHEDULE_NAMES } from './schedules.js';

const STRING_FLAGS = [
  'backend',
  'optimizer',
  'plugin',
  'compare',
  'lr',
  'schedule',
  'epochs',
  'batch-size',
  'seed',
  'clip',
  'hidden',
  'model',
  'channels',
  'pool',
  'dropout',
  'out',
  'resume',
  'train-size',
  'test-size',
];
const BOOLEAN_FLAGS = ['batchnorm', 'force', 'quiet', 'help'];
const value = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '0.5',
    '-0.1',
    '1e-3',
    '1e9',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '',
    ' ',
    '3.7',
    '128',
    '60000',
    '60001',
    '4294967296',
    'none',
    '64,32',
    '64,,32',
    ',',
    'adam,sgd',
    'mlp',
    'cnn',
    'cnn',
    'avg',
    'max',
    '8,16',
    '8',
    'adam,adam',
    'cpu',
    'auto',
    'cosine',
    'warmup-cosine',
    'nope',
    '--lr',
  ),
  fc.double().map(String),
  fc.integer({ min: -5, max: 70_000 }).map(String),
  fc.string({ maxLength: 6 }),
);
const arg = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...STRING_FLAGS), value, fc.boolean()) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...BOOLEAN_FLAGS, 'bogus', 'learning-rate', 'batch_size'), fc.constant(''), fc.constant(false)),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant(''), value, fc.constant(false)) },
);

function argv(parts: [string, string, boolean][]): string[] {
  const out: string[] = [];
  for (const [flag, v, joined] of parts) {
    if (flag === '')
      out.push(v); // a positional
    else if (BOOLEAN_FLAGS.includes(flag) || !STRING_FLAGS.includes(flag)) out.push(`--${flag}`);
    else if (joined) out.push(`--${flag}=${v}`);
    else out.push(`--${flag}`, v);
  }
  return out;
}

const inRange = (n: number, lo: number, hi: number, int = true) =>
  Number.isFinite(n) && n >= lo && n <= hi && (!int || Number.isInteger(n));

describe('fuzz: MNIST command line', () => {
  it('random flags and values: a config within every documented range, or a UsageError naming the flag', () => {
    let tried = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 5 }), (parts) => {
        tried++;
        const args = argv(parts);
        let config: ReturnType<typeof parseCli>;
        try {
          config = parseCli(args);
          if (config !== 'help') checkNames(config, ['cpu', 'tfjs'], ['adam', 'sgd', 'adamw']);
        } catch (e) {
          expect(e, `${JSON.stringify(args)}: ${String(e)}`).toBeInstanceOf(UsageError);
          expect((e as Error).message, JSON.stringify(args)).toMatch(/--[a-z]/);
          return;
        }
        accepted++;
        if (config === 'help') return;
        const c = config;
        expect(['auto', 'cpu', 'tfjs']).toContain(c.backend);
        expect(c.optimizers.length).toBeGreaterThan(0);
        for (const o of c.optimizers) expect(['adam', 'sgd', 'adamw']).toContain(o);
        expect(new Set(c.optimizers).size).toBe(c.optimizers.length);
        expect(SCHEDULE_NAMES).toContain(c.schedule);
        if (c.lr !== undefined) expect(c.lr > 0 && c.lr <= 100, `lr ${c.lr}`).toBe(true);
        if (c.clip !== undefined) expect(c.clip > 0 && Number.isFinite(c.clip), `clip ${c.clip}`).toBe(true);
        expect(inRange(c.epochs, 1, 1000), `epochs ${c.epochs}`).toBe(true);
        expect(inRange(c.trainSize, 1, 60_000), `trainSize ${c.trainSize}`).toBe(true);
        expect(inRange(c.testSize, 1, 10_000), `testSize ${c.testSize}`).toBe(true);
        expect(inRange(c.batchSize, 1, c.trainSize), `batchSize ${c.batchSize}`).toBe(true);
        expect(inRange(c.seed, 0, 2 ** 32 - 1), `seed ${c.seed}`).toBe(true);
        expect(c.dropout >= 0 && c.dropout < 1, `dropout ${c.dropout}`).toBe(true);
        for (const h of c.hidden) expect(inRange(h, 1, 8192), `hidden ${h}`).toBe(true);
        expect(['mlp', 'cnn']).toContain(c.model);
        expect(['avg', 'max']).toContain(c.pool);
        if (c.model === 'cnn') {
          expect(c.channels.length).toBe(2);
          for (const k of c.channels) expect(inRange(k, 1, 1024), `channels ${k}`).toBe(true);
          expect(c.hidden.length).toBe(1);
        } else expect(c.channels).toEqual([]);
        if (c.out !== undefined) expect(c.out.trim()).not.toBe('');
        if (c.resume !== undefined) expect(c.resume.trim()).not.toBe('');
      }),
      { numRuns: 3000, seed: 61 },
    );
    console.log(`fuzz: MNIST command line: ${tried} inputs tried, ${accepted} accepted`);
  });

  it('found by this fuzz: --train-size below the default batch gives a batch of the whole training set', () => {
    const c = parseCli(['--train-size', '1']);
    expect(c !== 'help' && c.batchSize).toBe(1);
  });
});
