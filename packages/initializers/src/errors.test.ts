// Bad input gives the typed errors of @downhill/backend, naming the argument, and makes nothing.
import { DTypeError, InvalidArgumentError, UnsupportedError, type Backend, type DType } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  constant,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  normal,
  ones,
  orthogonal,
  rng,
  truncatedNormal,
  uniform,
  varianceScaling,
  zeros,
  type Distribution,
  type FanMode,
  type Nonlinearity,
  type Rng,
} from './index.js';

const backend = cpu();
/** backend-cpu as a backend without float64 (as TensorFlow.js declares). */
const noFloat64: Backend = Object.create(backend, { capabilities: { value: { ...backend.capabilities, float64: false } } });

type ErrorClass = typeof InvalidArgumentError | typeof DTypeError | typeof UnsupportedError;
const cases: [string, () => unknown, ErrorClass, string][] = [
  [
    'negative dimension',
    () => heNormal()(backend, [3, -2], { seed: 0 }),
    InvalidArgumentError,
    'heNormal: shape must be an array of non-negative integers, got [3, -2]',
  ],
  [
    'fractional dimension',
    () => glorotUniform()(backend, [2.5, 2], { seed: 0 }),
    InvalidArgumentError,
    'glorotUniform: shape must be an array of non-negative integers',
  ],
  [
    'negative dimension, zeros',
    () => zeros()(backend, [-1]),
    InvalidArgumentError,
    'zeros: shape must be an array of non-negative integers, got [-1]',
  ],
  ['negative dimension, sample', () => uniform().sample([-4], { seed: 0 }), InvalidArgumentError, 'uniform: shape must be an array'],
  [
    'unknown nonlinearity',
    () => heNormal({ nonlinearity: 'swish' as Nonlinearity }),
    InvalidArgumentError,
    `heNormal: nonlinearity must be one of 'linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu', got "swish"`,
  ],
  [
    'unknown nonlinearity, uniform',
    () => heUniform({ nonlinearity: 'gelu' as Nonlinearity }),
    InvalidArgumentError,
    'heUniform: nonlinearity must be one of',
  ],
  [
    'invalid mode',
    () => varianceScaling(1, { mode: 'fanSum' as FanMode }),
    InvalidArgumentError,
    `varianceScaling: mode must be one of 'fanIn', 'fanOut', 'fanAvg', got "fanSum"`,
  ],
  [
    'invalid He mode',
    () => heNormal({ mode: 'fanAvg' as 'fanIn' }),
    InvalidArgumentError,
    `heNormal: mode must be one of 'fanIn', 'fanOut', got "fanAvg"`,
  ],
  [
    'invalid distribution',
    () => varianceScaling(1, { distribution: 'laplace' as Distribution }),
    InvalidArgumentError,
    'varianceScaling: distribution must be one of',
  ],
  [
    'uniform for a normal member',
    () => glorotNormal({ distribution: 'uniform' as 'normal' }),
    InvalidArgumentError,
    `glorotNormal: distribution must be one of 'truncatedNormal', 'normal', got "uniform"`,
  ],
  ['non-positive scale', () => varianceScaling(0), InvalidArgumentError, 'varianceScaling: scale must be a finite number > 0, got 0'],
  ['bad gain', () => glorotUniform({ gain: -1 }), InvalidArgumentError, 'glorotUniform: gain must be a finite number > 0, got -1'],
  ['bad axis', () => lecunNormal({ inAxis: 0.5 }), InvalidArgumentError, 'lecunNormal: inAxis must be an integer axis, got 0.5'],
  [
    'axis out of range at the call',
    () => heNormal({ inAxis: 5 })(backend, [3, 4], { seed: 0 }),
    InvalidArgumentError,
    'heNormal: inAxis must be an integer axis in [-2, 1] for a rank-2 shape, got 5',
  ],
  [
    'no seed and no rng',
    () => heNormal()(backend, [3, 4]),
    InvalidArgumentError,
    'heNormal: a random initializer needs { seed } or { rng }',
  ],
  ['both seed and rng', () => normal().sample([3], { seed: 1, rng: rng(1) }), InvalidArgumentError, 'normal: give seed or rng, not both'],
  ['a bad seed', () => normal()(backend, [3], { seed: 0.5 }), InvalidArgumentError, 'normal: seed must be a safe integer, got 0.5'],
  [
    'an rng that is not an Rng',
    () => normal()(backend, [3], { rng: { split: () => [] } as unknown as Rng }),
    InvalidArgumentError,
    'normal: rng must be an Rng',
  ],
  [
    'integer dtype for random weights',
    () => uniform()(backend, [3], { seed: 0, dtype: 'int32' }),
    DTypeError,
    'uniform: random weights need a float dtype (float32 or float64), got int32',
  ],
  [
    'unknown dtype',
    () => zeros()(backend, [3], { dtype: 'float16' as DType }),
    DTypeError,
    "zeros: dtype must be one of float32, float64, int32, bool, got 'float16'",
  ],
  [
    'float64 where the backend has none',
    () => heNormal()(noFloat64, [3, 3], { seed: 0, dtype: 'float64' }),
    UnsupportedError,
    "heNormal: backend 'cpu' has no float64",
  ],
  ['constant not finite', () => constant(NaN), InvalidArgumentError, 'constant: value must be a finite number, got NaN'],
  ['uniform min ≥ max', () => uniform({ min: 1, max: 1 }), InvalidArgumentError, 'uniform: min must be below max, got min 1 and max 1'],
  ['normal negative std', () => normal({ std: -0.1 }), InvalidArgumentError, 'normal: std must be ≥ 0, got -0.1'],
  [
    'truncatedNormal cut out of order',
    () => truncatedNormal({ lower: 1, upper: -1 }),
    InvalidArgumentError,
    'truncatedNormal: lower must be below upper, got lower 1 and upper -1',
  ],
  [
    'truncatedNormal cut in the far tail',
    () => truncatedNormal({ lower: 4, upper: 9 }),
    InvalidArgumentError,
    'truncatedNormal: the cut [4, 9] keeps 0.0032% of the normal',
  ],
  [
    'orthogonal below rank 2',
    () => orthogonal().sample([4], { seed: 0 }),
    InvalidArgumentError,
    'orthogonal: shape must have rank 2 or more',
  ],
];

describe('bad input gives typed errors naming the argument, and makes nothing', () => {
  for (const [name, f, type, text] of cases) {
    it(name, () => {
      const before = backend.memory().tensors;
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(type);
      expect((caught as Error).message).toContain(text);
      expect(backend.memory().tensors).toBe(before);
    });
  }
});

describe('zeros, ones and constant', () => {
  const rows: [string, ReturnType<typeof zeros>, number][] = [
    ['zeros', zeros(), 0],
    ['ones', ones(), 1],
    ['constant(-2.5)', constant(-2.5), -2.5],
  ];
  for (const [name, init, value] of rows) {
    it(`${name} fills every dtype without a key`, () => {
      for (const dtype of ['float32', 'float64', 'int32'] as const) {
        const t = init(backend, [2, 3], { dtype });
        expect(t.dtype).toBe(dtype);
        const expected = dtype === 'int32' ? Math.trunc(value) : value;
        expect(Array.from(backend.readSync(t))).toEqual(new Array(6).fill(expected));
        t.dispose();
      }
      expect(Array.from(init.sample([4]))).toEqual([value, value, value, value]);
      expect(init.name).toBe(name.replace(/\(.*/, ''));
    });
  }

  it('makes empty tensors for shapes with a zero dimension', () => {
    const t = heNormal()(backend, [0, 5], { seed: 0 });
    expect(t.shape).toEqual([0, 5]);
    expect(t.size).toBe(0);
    t.dispose();
  });
});
