import { describe, expect, it } from 'vitest';
import { smooth } from './plots.js';
import { SCHEDULE_NAMES, makeSchedule, scheduleFor } from './schedules.js';
import { parseCli } from './cli.js';

const shape = { lr: 0.01, totalSteps: 1000, stepsPerEpoch: 100 };

describe('makeSchedule', () => {
  it.each(SCHEDULE_NAMES.map((n) => [n]))('%s stays in (0, lr] after the first step and never exceeds the peak', (name) => {
    const s = makeSchedule(name, shape);
    for (let t = 1; t < shape.totalSteps; t += 7) {
      expect(s(t), `${name} at ${t}`).toBeGreaterThanOrEqual(0);
      expect(s(t), `${name} at ${t}`).toBeLessThanOrEqual(shape.lr * (1 + 1e-12));
    }
  });

  it.each([
    [
      'constant',
      [
        [0, 0.01],
        [999, 0.01],
      ],
    ],
    [
      'warmup-cosine',
      [
        [0, 0],
        [25, 0.005],
        [50, 0.01],
        [1000, 0.0001],
      ],
    ],
    [
      'cosine',
      [
        [0, 0.01],
        [1000, 0.0001],
      ],
    ],
    [
      'step',
      [
        [499, 0.01],
        [500, 0.001],
        [750, 0.0001],
      ],
    ],
    [
      'linear',
      [
        [0, 0.01],
        [500, 0.005],
        [1000, 0],
      ],
    ],
    [
      'exponential',
      [
        [0, 0.01],
        [500, 0.001],
        [1000, 0.0001],
      ],
    ],
  ] as const)('%s takes the documented values', (name, points) => {
    const s = makeSchedule(name, shape);
    for (const [t, v] of points) expect(s(t), `${name} at ${t}`).toBeCloseTo(v, 9);
  });

  it('one-cycle rises to the peak over 30% of the run, then falls far below the start', () => {
    const s = makeSchedule('one-cycle', shape);
    expect(s(0)).toBeCloseTo(0.01 / 25, 12);
    expect(Math.max(...Array.from({ length: 1000 }, (_, t) => s(t)))).toBeCloseTo(0.01, 6);
    expect(s(999)).toBeLessThan(s(0) / 1000);
  });
});

describe('scheduleFor', () => {
  const run = (argv: string[]) => {
    const c = parseCli(argv);
    if (c === 'help') throw new Error('expected a config');
    return c;
  };
  it('runs the schedule-free optimizers at a constant rate unless --schedule is given; the others take the schedule', () => {
    const compare = run(['--compare', 'adamw,schedulefree-adamw,schedulefree-sgd']);
    expect(compare.optimizers.map((o) => scheduleFor(o, compare))).toEqual(['warmup-cosine', 'constant', 'constant']);
    const given = run(['--compare', 'adamw,schedulefree-adamw', '--schedule', 'warmup-cosine']);
    expect(given.optimizers.map((o) => scheduleFor(o, given))).toEqual(['warmup-cosine', 'warmup-cosine']);
    const cosine = run(['--optimizer', 'schedulefree-adamw', '--schedule', 'cosine']);
    expect(scheduleFor('schedulefree-adamw', cosine)).toBe('cosine');
  });

  it('keeps the recorded schedule for a checkpoint written before scheduleGiven existed', () => {
    expect(scheduleFor('schedulefree-adamw', { schedule: 'warmup-cosine' })).toBe('warmup-cosine');
  });
});

describe('smooth', () => {
  it('is bias-corrected: a constant series stays constant from the first step', () => {
    expect(smooth([2, 2, 2, 2], 0.9)).toEqual([2, 2, 2, 2].map(() => expect.closeTo(2, 12)));
    const s = smooth([1, 0, 0, 0], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(0.25 / 0.75, 12); // (0.5·0.5 + 0.5·0) / (1 − 0.5²)
  });
});
