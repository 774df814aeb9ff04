import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type DType } from '@downhill/backend';
import { cpu } from './index.js';
import { atBroadcast, randomData, ravel, unravel } from './test-helpers.js';

const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

describe('reshape', () => {
  it('keeps the data and shares the storage', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = b.reshape(x, [3, -1]);
    expect(y.shape).toEqual([3, 2]);
    expect([...b.readSync(y)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.memory()).toMatchObject({ tensors: 2, storages: 1 });
    x.dispose();
    expect([...b.readSync(y)]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('transpose against a naive permutation', () => {
  const CASES: [number[], number[]][] = [
    [
      [2, 3],
      [1, 0],
    ],
    [
      [70, 45],
      [1, 0],
    ],
    [
      [3, 40, 50],
      [0, 2, 1],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [2, 3, 4],
      [1, 2, 0],
    ],
    [
      [2, 3, 4],
      [1, 0, 2],
    ],
    [
      [2, 3, 4, 5],
      [3, 1, 0, 2],
    ],
    [
      [1, 5, 1, 6],
      [3, 2, 1, 0],
    ],
    [
      [4, 0, 3],
      [2, 1, 0],
    ],
    [[], []],
  ];
  for (const [shape, perm] of CASES) {
    it(`${JSON.stringify(shape)} by ${JSON.stringify(perm)}`, () => {
      const b = cpu();
      for (const dtype of ['float64', 'float32', 'int32', 'bool'] as DType[]) {
        const data = randomData(size(shape), 7).map((v) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 1000) + 0)); // + 0: no −0, which int32 cannot hold
        const y = b.transpose(b.tensor(data, shape, dtype), perm);
        const outShape = perm.map((p) => shape[p]);
        expect(y.shape).toEqual(outShape);
        expect(y.dtype).toBe(dtype);
        const want = Array.from({ length: size(outShape) }, (_, f) => {
          const oi = unravel(f, outShape);
          const ii = new Array<number>(shape.length);
          perm.forEach((p, i) => (ii[p] = oi[i]));
          return data[ravel(ii, shape)];
        });
        expect([...b.readSync(y)]).toEqual(want);
      }
    });
  }
});

describe('broadcastTo, slice, pad, concat', () => {
  it('broadcastTo materialises like NumPy', () => {
    const b = cpu();
    for (const [from, to] of [
      [
        [3, 1],
        [2, 3, 4],
      ],
      [[], [2, 2]],
      [
        [1, 4],
        [3, 4],
      ],
      [
        [2, 1, 3],
        [2, 5, 3],
      ],
      [[1], [0]],
      // leading axes only (copied whole, then doubled: 7 copies, not a power of two), trailing only (filled), both, empty
      [[5], [7, 5]],
      [
        [1, 5],
        [3, 1, 5],
      ],
      [
        [4, 1],
        [4, 6],
      ],
      [
        [4, 1, 1],
        [2, 4, 3, 2],
      ],
      [
        [1, 2, 1],
        [3, 2, 4],
      ],
      [[0], [3, 0]],
    ] as [number[], number[]][]) {
      const data = randomData(size(from), 3);
      for (const dtype of ['float64', 'float32', 'int32'] as const) {
        const values = dtype === 'float64' ? data : dtype === 'float32' ? data.map(Math.fround) : data.map((v) => Math.round(v * 100));
        const y = b.broadcastTo(b.tensor(values, from, dtype), to);
        expect(y.shape).toEqual(to);
        expect([...b.readSync(y)]).toEqual(Array.from({ length: size(to) }, (_, f) => atBroadcast(values, from, unravel(f, to))));
      }
    }
    // a float32 broadcast into the WebAssembly heap (at least 4096 elements)
    const bias = randomData(300, 4).map(Math.fround);
    const big = b.readSync(b.broadcastTo(b.tensor(bias, [300]), [20, 300]));
    expect([...big]).toEqual(Array.from({ length: 6000 }, (_, f) => bias[f % 300]));
  });

  it('slice picks the box', () => {
    const b = cpu();
    const shape = [4, 5, 6];
    const data = Array.from({ length: 120 }, (_, i) => i);
    const x = b.tensor(data, shape, 'int32');
    for (const [begin, sz] of [
      [
        [1, 2, 3],
        [2, 2, 2],
      ],
      [
        [0, 0, 0],
        [4, 5, 6],
      ],
      [
        [3, 0, 1],
        [1, 5, 5],
      ],
      [
        [0, 4, 0],
        [4, 1, 6],
      ],
      [
        [2, 2, 2],
        [0, 3, 3],
      ],
    ] as [number[], number[]][]) {
      const y = b.slice(x, begin, sz);
      expect(y.shape).toEqual(sz);
      expect([...b.readSync(y)]).toEqual(
        Array.from(
          { length: size(sz) },
          (_, f) =>
            data[
              ravel(
                unravel(f, sz).map((v, a) => v + begin[a]),
                shape,
              )
            ],
        ),
      );
    }
    expect([...b.readSync(b.slice(x, [3, 4, 4]))]).toEqual([118, 119]);
  });

  it('pad surrounds with the value, stored as the dtype stores it', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3, 4], [2, 2], 'float64');
    const y = b.pad(
      x,
      [
        [1, 0],
        [0, 2],
      ],
      -1,
    );
    expect(y.shape).toEqual([3, 4]);
    expect([...b.readSync(y)]).toEqual([-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1]);
    expect([...b.readSync(b.pad(b.tensor([1, 0], [2], 'bool'), [[1, 1]], 0.5))]).toEqual([1, 1, 0, 1]);
    expect([...b.readSync(b.pad(b.tensor([7], [1], 'int32'), [[0, 2]]))]).toEqual([7, 0, 0]);
    expect(
      b.pad(b.zeros([0, 2]), [
        [1, 1],
        [0, 0],
      ]).shape,
    ).toEqual([2, 2]);
  });

  it('concat joins along any axis', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3, 4], [2, 2], 'float64');
    const y = b.tensor([5, 6], [2, 1], 'float64');
    const z = b.tensor([], [2, 0], 'float64');
    expect([...b.readSync(b.concat([x, y, z], 1))]).toEqual([1, 2, 5, 3, 4, 6]);
    expect([...b.readSync(b.concat([x, b.tensor([9, 9], [1, 2], 'float64')], 0))]).toEqual([1, 2, 3, 4, 9, 9]);
    const big = b.tensor(
      Array.from({ length: 80 }, (_, i) => i),
      [2, 40],
      'float64',
    );
    const c = b.readSync(b.concat([big, big], 0));
    expect(c.length).toBe(160);
    expect(c[100]).toBe(20);
  });
});

describe('gather and scatterAdd', () => {
  it('gather picks slices along an axis with indices of any shape', () => {
    const b = cpu();
    const x = b.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4], 'float64');
    const i = b.tensor([2, 0, 2], [3], 'int32');
    expect([...b.readSync(b.gather(x, i, 0))]).toEqual([8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    const j = b.tensor([3, 1, 1, 0], [2, 2], 'int32');
    const g = b.gather(x, j, 1);
    expect(g.shape).toEqual([3, 2, 2]);
    expect([...b.readSync(g)]).toEqual([3, 1, 1, 0, 7, 5, 5, 4, 11, 9, 9, 8]);
    expect(b.gather(x, b.tensor([], [0], 'int32'), 0).shape).toEqual([0, 4]);
  });

  it('gather refuses out-of-range indices, naming the index and the axis size', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => b.gather(x, b.tensor([0, 3], [2], 'int32'), 1)).toThrow(InvalidArgumentError);
    expect(() => b.gather(x, b.tensor([0, 3], [2], 'int32'), 1)).toThrow(/index 3 .*axis 1 of size 3/);
    expect(() => b.gather(x, b.tensor([-1], [1], 'int32'), 0)).toThrow(/index -1 .*axis 0 of size 2/);
    expect(() => b.scatterAdd(x, b.tensor([0, 5], [2], 'int32'), 0, 4)).toThrow(/index 5 .*axis 0 of size 4/);
  });

  it('scatterAdd is the transpose of gather: repeated indices add up', () => {
    const b = cpu();
    const u = b.tensor([1, 2, 3, 4, 5, 6], [3, 2], 'float64');
    const y = b.scatterAdd(u, b.tensor([2, 0, 2], [3], 'int32'), 0, 4);
    expect(y.shape).toEqual([4, 2]);
    expect([...b.readSync(y)]).toEqual([3, 4, 0, 0, 6, 8, 0, 0]);
    const v = b.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
    const z = b.scatterAdd(v, b.tensor([1, 1, 0, 1], [2, 2], 'int32'), 1, 3);
    expect(z.shape).toEqual([2, 3]);
    // out[o, k] = Σ of v[o, q] over the q with idx[q] = k: idx = [1, 1, 0, 1]
    expect([...b.readSync(z)]).toEqual([3, 1 + 2 + 4, 0, 7, 5 + 6 + 8, 0]);
  });

  it('scatterAdd with distinct indices (a scatter): every dtype, zeros elsewhere, −0 added to zero is +0', () => {
    const b = cpu();
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      // [outer 2, q 3, inner 2] into [2, 5, 2] at rows [4, 0, 2]
      const data = [1, -0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((v) => (dtype === 'int32' ? v + 0 : v));
      const y = b.readSync(b.scatterAdd(b.tensor(data, [2, 3, 2], dtype), b.tensor([4, 0, 2], [3], 'int32'), 1, 5));
      const want = new Array<number>(20).fill(0);
      [4, 0, 2].forEach((row, q) => {
        for (let o = 0; o < 2; o++) for (let j = 0; j < 2; j++) want[(o * 5 + row) * 2 + j] += data[(o * 3 + q) * 2 + j];
      });
      expect([...y]).toEqual(want);
      expect(Object.is(y[9], 0)).toBe(true); // the −0 update at row 4, column 1 of the first block
    }
  });

  it('scatterAdd in float32 accumulates in float64 and rounds once', () => {
    const b = cpu();
    const n = 4097;
    const u = new Float32Array(n).fill(2 ** -24);
    u[0] = 1;
    const y = b.scatterAdd(b.tensor(u, [n]), b.tensor(new Int32Array(n), [n]), 0, 1);
    expect(b.readSync(y)[0]).toBe(Math.fround(1 + 4096 * 2 ** -24));
  });
});
