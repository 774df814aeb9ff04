/**
 * The conformance reference on values worked by hand from the interface's definitions (NumPy's
 * conventions where the interface takes them): it must be right on its own, since every backend is
 * compared with it.
 */
import { describe, expect, it } from 'vitest';
import { referenceBackend } from './reference-backend.js';

const r = referenceBackend();
const f64 = (data: number[], shape: number[]) => r.tensor(data, shape, 'float64');
const i32 = (data: number[], shape: number[]) => r.tensor(data, shape, 'int32');
const read = (t: ReturnType<typeof f64>) => Array.from(r.readSync(t));

describe('referenceBackend', () => {
  it('broadcasts binary ops and comparisons from the right', () => {
    const a = f64([1, 2, 3], [3, 1]);
    const b = f64([10, 20], [2]);
    expect(read(r.add(a, b))).toEqual([11, 21, 12, 22, 13, 23]);
    expect(read(r.compare('greater', b, f64([15], [1])))).toEqual([0, 1]);
    expect(read(r.binary('pow', f64([1, -1, 2], [3]), f64([NaN, Infinity, -1], [3])))).toEqual([1, 1, 0.5]);
    expect(read(r.binary('maximum', f64([NaN, 1], [2]), f64([0, 2], [2])))).toEqual([NaN, 2]);
  });

  it("wraps int32 arithmetic like two's complement", () => {
    expect(read(r.mul(i32([2 ** 31 - 1, 65536], [2]), i32([2 ** 31 - 1, 65536], [2])))).toEqual([1, 0]);
    expect(read(r.add(i32([2 ** 31 - 1], [1]), i32([1], [1])))).toEqual([-(2 ** 31)]);
    expect(read(r.unary('neg', i32([-(2 ** 31)], [1])))).toEqual([-(2 ** 31)]);
  });

  it('rounds half to even, casts toward zero, and reads NaN as true', () => {
    expect(read(r.unary('round', f64([0.5, 1.5, 2.5, -2.5, -0.4], [5])))).toEqual([0, 2, 2, -2, -0]);
    expect(read(r.cast(f64([1.9, -1.9, NaN], [3]), 'int32'))).toEqual([1, -1, 0]);
    expect(read(r.cast(f64([0, NaN, -0.5], [3]), 'bool'))).toEqual([0, 1, 1]);
    expect(read(r.cast(f64([0.1], [1]), 'float32'))).toEqual([Math.fround(0.1)]);
    expect(r.readSync(r.unary('erf', f64([1], [1])))[0]).toBeCloseTo(0.8427007929497149, 15);
  });

  it('reduces over axes in the row-major order of the kept axes; NaN propagates; arg-reductions take the first extreme', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(read(r.reduce('sum', x, 0))).toEqual([5, 7, 9]);
    expect(read(r.reduce('max', x, 1, true))).toEqual([3, 6]);
    expect(read(r.reduce('min', f64([1, NaN, 0], [3])))).toEqual([NaN]);
    expect(read(r.argReduce('argmax', f64([1, 3, 3, 2], [4]), 0))).toEqual([1]);
    expect(read(r.argReduce('argmin', f64([1, NaN, 0, NaN], [4]), 0))).toEqual([1]);
  });

  it('moves elements as the layout ops define', () => {
    const x = f64([0, 1, 2, 3, 4, 5], [2, 3]);
    expect(read(r.transpose(x, [1, 0]))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(read(r.slice(x, [0, 1], [2, 2]))).toEqual([1, 2, 4, 5]);
    expect(read(r.pad(f64([7], [1]), [[1, 2]], -1))).toEqual([-1, 7, -1, -1]);
    expect(read(r.concat([f64([1, 2], [2, 1]), f64([3, 4, 5, 6], [2, 2])], 1))).toEqual([1, 3, 4, 2, 5, 6]);
    expect(read(r.broadcastTo(f64([1, 2], [2, 1]), [2, 2]))).toEqual([1, 1, 2, 2]);
    expect(read(r.gather(x, i32([2, 0, 2], [3]), 1))).toEqual([2, 0, 2, 5, 3, 5]);
    expect(read(r.scatterAdd(f64([1, 2, 3], [3]), i32([1, 1, 0], [3]), 0, 2))).toEqual([3, 3]);
    expect(() => r.gather(x, i32([3], [1]), 1)).toThrow(/out of range/);
  });

  it('multiplies batched matrices with broadcast batches and every transpose', () => {
    const a = f64([1, 2, 3, 4], [2, 2]);
    const b = f64([5, 6, 7, 8, 1, 0, 0, 1], [2, 2, 2]);
    expect(read(r.matmul(a, b))).toEqual([19, 22, 43, 50, 1, 2, 3, 4]);
    expect(read(r.matmul(a, a, { transposeA: true }))).toEqual([10, 14, 14, 20]);
    expect(read(r.matmul(a, a, { transposeB: true }))).toEqual([5, 11, 11, 25]);
    expect(read(r.matmul(a, a, { transposeA: true, transposeB: true }))).toEqual([7, 15, 10, 22]);
  });
});
