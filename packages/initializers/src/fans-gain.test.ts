// computeFans in downhill's (Keras) layout and in PyTorch's, and calculateGain's table.
import { InvalidArgumentError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { calculateGain, computeFans, type FanAxes, type Nonlinearity } from './index.js';

describe('computeFans', () => {
  const rows: [string, number[], FanAxes, number, number, number][] = [
    ['scalar', [], {}, 1, 1, 1],
    ['vector (Keras: both fans the length)', [7], {}, 7, 7, 1],
    ['dense [in, out]', [784, 256], {}, 784, 256, 1],
    ['conv1d [k, in, out]', [5, 8, 16], {}, 40, 80, 5],
    ['conv2d [kh, kw, in, out]', [3, 3, 16, 32], {}, 144, 288, 9],
    ['conv3d [kd, kh, kw, in, out]', [2, 3, 3, 4, 5], {}, 72, 90, 18],
    ['PyTorch dense [out, in]', [256, 784], { inAxis: 1, outAxis: 0 }, 784, 256, 1],
    ['PyTorch conv2d [out, in, kh, kw]', [32, 16, 3, 3], { inAxis: 1, outAxis: 0 }, 144, 288, 9],
    ['negative axes', [3, 3, 16, 32], { inAxis: -2, outAxis: 3 }, 144, 288, 9],
    ['a zero dimension', [0, 5], {}, 0, 5, 1],
  ];
  for (const [name, shape, axes, fanIn, fanOut, receptiveField] of rows) {
    it(name, () => expect(computeFans(shape, axes)).toEqual({ fanIn, fanOut, receptiveField }));
  }

  it('refuses bad shapes and axes, naming them', () => {
    const cases: [() => unknown, string][] = [
      [() => computeFans([3, -1]), 'computeFans: shape must be an array of non-negative integers, got [3, -1]'],
      [() => computeFans([2.5, 3]), 'computeFans: shape must be an array of non-negative integers'],
      [() => computeFans([3, 4], { inAxis: 2 }), 'computeFans: inAxis must be an integer axis in [-2, 1] for a rank-2 shape, got 2'],
      [() => computeFans([3, 4, 5], { outAxis: 0.5 }), 'computeFans: outAxis must be an integer axis'],
      [() => computeFans([3, 4], { inAxis: 0, outAxis: -2 }), 'computeFans: inAxis (0) and outAxis (-2) name the same axis'],
    ];
    for (const [f, text] of cases) {
      expect(f).toThrow(InvalidArgumentError);
      expect(f).toThrow(text);
    }
  });
});

describe('calculateGain', () => {
  const rows: [Nonlinearity, number | undefined, number][] = [
    ['linear', undefined, 1],
    ['identity', undefined, 1],
    ['sigmoid', undefined, 1],
    ['tanh', undefined, 5 / 3],
    ['relu', undefined, Math.sqrt(2)],
    ['leakyRelu', undefined, Math.sqrt(2 / (1 + 0.01 ** 2))],
    ['leakyRelu', 0.2, Math.sqrt(2 / 1.04)],
    ['leakyRelu', 0, Math.sqrt(2)],
    ['selu', undefined, 0.75],
  ];
  for (const [nl, param, gain] of rows) {
    it(`${nl}${param === undefined ? '' : `(${param})`} = ${gain}`, () => expect(calculateGain(nl, param)).toBe(gain));
  }

  it('refuses an unknown nonlinearity and a bad slope, naming them', () => {
    expect(() => calculateGain('swish' as Nonlinearity)).toThrow(InvalidArgumentError);
    expect(() => calculateGain('swish' as Nonlinearity)).toThrow(
      'calculateGain: unknown nonlinearity "swish"; expected one of linear, identity, sigmoid, tanh, relu, leakyRelu, selu',
    );
    expect(() => calculateGain('leakyRelu', NaN)).toThrow(
      'calculateGain: the negative slope of leakyRelu must be a finite number, got NaN',
    );
  });
});
