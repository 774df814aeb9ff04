import { describe, expect, it } from 'vitest';
import { REDUCE_OPS, type DType, type ReduceOp } from '@downhill/backend';
import { cpu } from './index.js';
import { expectClose, randomData, unravel } from './test-helpers.js';

/** Naive reduction: every input element goes to the output slot of its kept indices. */
function naiveReduce(op: ReduceOp, data: ArrayLike<number>, shape: number[], axes: number[]): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const size = outShape.reduce((x, y) => x * y, 1);
  const out = new Array<number>(size).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  for (let f = 0; f < data.length; f++) {
    const idx = unravel(f, shape).filter((_, i) => !axes.includes(i));
    let o = 0;
    for (let a = 0; a < outShape.length; a++) o = o * outShape[a] + idx[a];
    const v = data[f];
    if (op === 'sum') out[o] += v;
    else if (Number.isNaN(v) || Number.isNaN(out[o])) out[o] = NaN;
    else out[o] = op === 'max' ? Math.max(out[o], v) : Math.min(out[o], v);
  }
  return out;
}

const SHAPES: { shape: number[]; axes: number[][] }[] = [
  { shape: [7], axes: [[0]] },
  { shape: [3, 4], axes: [[0], [1], [0, 1]] },
  { shape: [2, 3, 4], axes: [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]] },
  { shape: [2, 1, 3, 5], axes: [[1], [0, 2], [1, 3], [0, 3], [0, 1, 2, 3]] },
  { shape: [3, 0, 2], axes: [[0], [2]] },
];

describe('reduce over any axis set', () => {
  for (const op of REDUCE_OPS) {
    for (const { shape, axes } of SHAPES) {
      for (const ax of axes) {
        it(`${op} of ${JSON.stringify(shape)} over ${JSON.stringify(ax)}`, () => {
          const b = cpu();
          const size = shape.reduce((x, y) => x * y, 1);
          if (op !== 'sum' && ax.some((a) => shape[a] === 0)) return; // refused by the wrapper, tested there
          for (const dtype of ['float64', 'float32', 'int32'] as DType[]) {
            const data = randomData(size, 11).map((v) => (dtype === 'int32' ? Math.round(v * 100) : v));
            const x = b.tensor(data, shape, dtype);
            const y = b.reduce(op, x, ax);
            expect(y.dtype).toBe(dtype);
            const want = naiveReduce(op, b.readSync(x), shape, ax);
            const got = b.readSync(y);
            if (dtype === 'float32' && op === 'sum') expectClose(got, want.map(Math.fround), 1e-7, 1e-7);
            else if (dtype === 'float64' && op === 'sum') expectClose(got, want, 1e-14, 1e-15);
            else expect(Array.from(got)).toEqual(want);
          }
          // keepDims keeps the reduced axes as size 1
          expect(b.reduce(op, b.zeros(shape), ax, true).shape).toEqual(shape.map((d, i) => (ax.includes(i) ? 1 : d)));
        });
      }
    }
  }

  it('sums float32 in float64 and rounds once', () => {
    const b = cpu();
    // 1 + 2^-24 added 2^20 times: a float32 accumulator would stay at 1
    const n = 1 << 20;
    const data = new Float32Array(n + 1).fill(2 ** -24);
    data[0] = 1;
    const got = b.readSync(b.reduce('sum', b.tensor(data)))[0];
    expect(got).toBe(Math.fround(1 + n * 2 ** -24));
  });

  it('max and min propagate NaN, and handle infinities', () => {
    const b = cpu();
    const x = b.tensor([1, NaN, 3, -Infinity, -Infinity, -Infinity, 2, 5, Infinity], [3, 3], 'float64');
    expect([...b.readSync(b.reduce('max', x, 1))]).toEqual([NaN, -Infinity, Infinity]);
    expect([...b.readSync(b.reduce('min', x, 1))]).toEqual([NaN, -Infinity, 2]);
    expect([...b.readSync(b.reduce('max', x, 0))]).toEqual([2, NaN, Infinity]);
    expect([...b.readSync(b.reduce('sum', b.zeros([0, 3]), 0))]).toEqual([0, 0, 0]);
  });
});

describe('argmax and argmin', () => {
  it('return the first index on ties, along any axis', () => {
    const b = cpu();
    const x = b.tensor([1, 3, 3, 0, 0, -1, 2, 2, 7, 7, 7, 1], [2, 2, 3], 'float64');
    // x = [[[1, 3, 3], [0, 0, -1]], [[2, 2, 7], [7, 7, 1]]]
    expect([...b.readSync(b.argReduce('argmax', x, 2))]).toEqual([1, 0, 2, 0]);
    expect([...b.readSync(b.argReduce('argmin', x, 2))]).toEqual([0, 2, 0, 2]);
    expect([...b.readSync(b.argReduce('argmax', x, 0))]).toEqual([1, 0, 1, 1, 1, 1]);
    expect([...b.readSync(b.argReduce('argmax', x, 1))]).toEqual([0, 0, 0, 1, 1, 0]);
    expect([...b.readSync(b.argReduce('argmin', x, 1))]).toEqual([1, 1, 1, 0, 0, 1]);
    const y = b.argReduce('argmax', x, -1);
    expect(y.dtype).toBe('int32');
    expect(y.shape).toEqual([2, 2]);
  });

  it('treat NaN as the extreme (the first NaN wins), as NumPy does', () => {
    const b = cpu();
    const x = b.tensor([1, NaN, 5, NaN, 0], undefined, 'float64');
    expect([...b.readSync(b.argReduce('argmax', x, 0))]).toEqual([1]);
    expect([...b.readSync(b.argReduce('argmin', x, 0))]).toEqual([1]);
    const c = b.tensor([NaN, 2, 1, NaN], [2, 2], 'float32');
    expect([...b.readSync(b.argReduce('argmax', c, 0))]).toEqual([0, 1]);
  });

  it('match a naive loop on random data', () => {
    const b = cpu();
    const shape = [3, 5, 4];
    const data = randomData(60, 5).map((v) => Math.round(v * 3)); // many ties
    const x = b.tensor(data, shape, 'int32');
    for (let axis = 0; axis < 3; axis++) {
      for (const op of ['argmax', 'argmin'] as const) {
        const outShape = shape.filter((_, i) => i !== axis);
        const want: number[] = [];
        for (let f = 0; f < outShape[0] * outShape[1]; f++) {
          const idx = unravel(f, outShape);
          let best = 0;
          let bv = NaN;
          for (let k = 0; k < shape[axis]; k++) {
            const full = [...idx.slice(0, axis), k, ...idx.slice(axis)];
            const v = data[(full[0] * 5 + full[1]) * 4 + full[2]];
            if (k === 0 || (op === 'argmax' ? v > bv : v < bv)) {
              best = k;
              bv = v;
            }
          }
          want.push(best);
        }
        expect([...b.readSync(b.argReduce(op, x, axis))]).toEqual(want);
      }
    }
  });
});

describe('float64 sums are compensated', () => {
  it('keep the bits a plain running sum loses, along contiguous and strided axes', () => {
    const b = cpu();
    // 1, then 1000 copies of 1e-16: a plain float64 running sum stays at 1
    const data = [1, ...new Array<number>(1000).fill(1e-16)];
    const want = 1 + 1000 * 1e-16;
    const row = b.tensor(data, [1, 1001], 'float64');
    expect(b.readSync(b.reduce('sum', row, 1))[0]).toBeCloseTo(want, 15);
    expect(Math.abs(b.readSync(b.reduce('sum', row, 1))[0] - want)).toBeLessThanOrEqual(2.3e-16);
    const col = b.tensor(
      data.flatMap((v) => [v, 2 * v]),
      [1001, 2],
      'float64',
    );
    const s = b.readSync(b.reduce('sum', col, 0));
    expect(Math.abs(s[0] - want)).toBeLessThanOrEqual(2.3e-16);
    expect(Math.abs(s[1] - 2 * want)).toBeLessThanOrEqual(4.5e-16);
  });

  it('leave infinite and NaN sums as they are', () => {
    const b = cpu();
    const x = b.tensor([Infinity, 1, 2, -Infinity, -1, 3, NaN, 1, 2, 1e308, 1e308, -1e308], [4, 3], 'float64'); // the last row overflows
    expect([...b.readSync(b.reduce('sum', x, 1))]).toEqual([Infinity, -Infinity, NaN, Infinity]);
  });
});
