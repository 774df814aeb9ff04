import { describe, expect, it } from 'vitest';
import { broadcastShapes, matmulShape, normalizeAxes, reducedShape, ShapeError } from '@downhill/backend';

describe('shape helpers', () => {
  it('broadcasts like NumPy', () => {
    expect(broadcastShapes([3, 1], [4])).toEqual([3, 4]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([2, 1, 5], [4, 1])).toEqual([2, 4, 5]);
    expect(broadcastShapes([0, 1], [1, 3])).toEqual([0, 3]);
    expect(() => broadcastShapes([2, 3], [3, 2])).toThrow(ShapeError);
    expect(() => broadcastShapes([2, 3], [3, 2])).toThrow(/\[2, 3\] and \[3, 2\]/);
  });
  it('normalises axes and reduces shapes', () => {
    expect(normalizeAxes(-1, 3)).toEqual([2]);
    expect(normalizeAxes(undefined, 2)).toEqual([0, 1]);
    expect(() => normalizeAxes([0, 0], 2)).toThrow(/repeated/);
    expect(() => normalizeAxes(3, 3)).toThrow(/out of range/);
    expect(reducedShape([2, 3, 4], [0, 2], true)).toEqual([1, 3, 1]);
    expect(reducedShape([2, 3, 4], [0, 2], false)).toEqual([3]);
  });
  it('computes batched matmul shapes', () => {
    expect(matmulShape([5, 2, 3], [3, 4], false, false)).toEqual([5, 2, 4]);
    expect(matmulShape([3, 2], [4, 3], true, true)).toEqual([2, 4]);
    expect(() => matmulShape([2, 3], [2, 3], false, false)).toThrow(/contracts 3 with 2/);
  });
});

describe('small conventions', () => {
  it('maps NaN to true when making a bool tensor, as cast does', async () => {
    const { toTyped } = await import('@downhill/backend');
    expect([...toTyped([NaN, 0, -0, 2], 'bool')]).toEqual([1, 0, 0, 1]);
  });
});
