import { describe, expect, it } from 'vitest';
import {
  BINARY_OPS,
  COMPARE_OPS,
  UNARY_OPS,
  broadcastShapes,
  type BinaryOp,
  type CompareOp,
  type DType,
  type UnaryOp,
} from '@downhill/backend';
import { powNumPy } from './binary.js';
import { erf } from './erf.js';
import { cpu } from './index.js';
import { atBroadcast, randomData, unravel } from './test-helpers.js';
import { roundHalfEven } from './unary.js';

/** Reference of each unary op in float64. */
const UNARY_REF: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  square: (x) => x * x,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
};

const UNARY_INPUTS = [-2.5, -1.5, -0.75, -0.5, 0, 0.25, 0.5, 1, 1.5, 2.5, 3.7, 10, NaN, Infinity, -Infinity];

describe('unary ops', () => {
  for (const op of UNARY_OPS) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      it(`${op} in ${dtype} matches the float64 reference rounded to ${dtype}`, () => {
        const b = cpu();
        const x = b.tensor(UNARY_INPUTS, [3, 5], dtype);
        const y = b.unary(op, x);
        expect(y.shape).toEqual([3, 5]);
        expect(y.dtype).toBe(dtype);
        const got = b.readSync(y);
        const stored = b.readSync(x);
        const want = Array.from(stored, (v) => (dtype === 'float32' ? Math.fround(UNARY_REF[op](v)) : UNARY_REF[op](v)));
        expect(Array.from(got)).toEqual(want);
      });
    }
  }

  it('hand-computed values', () => {
    const b = cpu();
    const x = b.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5], undefined, 'float64');
    expect([...b.readSync(b.unary('round', x))]).toEqual([-2, -2, -0, 0, 2, 2, 4, -4]);
    expect([...b.readSync(b.unary('floor', x))]).toEqual([-3, -2, -1, 0, 1, 2, 3, -4]);
    expect([...b.readSync(b.unary('ceil', x))]).toEqual([-2, -1, -0, 1, 2, 3, 4, -3]);
    const y = b.tensor([4, 0.25, 1], undefined, 'float64');
    expect([...b.readSync(b.unary('sqrt', y))]).toEqual([2, 0.5, 1]);
    expect([...b.readSync(b.unary('rsqrt', y))]).toEqual([0.5, 2, 1]);
    expect([...b.readSync(b.unary('reciprocal', y))]).toEqual([0.25, 4, 1]);
    expect([...b.readSync(b.unary('sign', b.tensor([-3, 0, 2, NaN])))]).toEqual([-1, 0, 1, NaN]);
  });

  it('int32 neg, abs, sign and square wrap like two’s complement', () => {
    const b = cpu();
    const x = b.tensor([-3, 0, 7, 2147483647, -2147483648, 65536], undefined, 'int32');
    expect([...b.readSync(b.unary('neg', x))]).toEqual([3, 0, -7, -2147483647, -2147483648, -65536]);
    expect([...b.readSync(b.unary('abs', x))]).toEqual([3, 0, 7, 2147483647, -2147483648, 65536]);
    expect([...b.readSync(b.unary('sign', x))]).toEqual([-1, 0, 1, 1, -1, 1]);
    expect([...b.readSync(b.unary('square', x))]).toEqual([9, 0, 49, 1, 0, 0]);
    expect(b.unary('square', x).dtype).toBe('int32');
  });
});

describe('erf', () => {
  // Values from mpmath at 40 digits, rounded to float64.
  const KNOWN: [number, number][] = [
    [0, 0],
    [1e-10, 1.1283791670955126e-10],
    [0.01, 0.011283415555849616],
    [0.1, 0.1124629160182849],
    [0.3, 0.32862675945912745],
    [0.5, 0.5204998778130465],
    [0.75, 0.7111556336535151],
    [1, 0.8427007929497149],
    [1.2, 0.9103139782296353],
    [1.49, 0.9648978648432042],
    [1.5, 0.9661051464753108],
    [1.51, 0.9672767481287117],
    [1.75, 0.9866716712191824],
    [2, 0.9953222650189527],
    [2.25, 0.9985372834133188],
    [2.5, 0.999593047982555],
    [2.9, 0.9999589021219005],
    [3, 0.9999779095030014],
    [3.5, 0.9999992569016276],
    [4, 0.9999999845827421],
    [4.5, 0.9999999998033839],
    [5, 0.9999999999984626],
    [5.5, 0.9999999999999927],
    [6, 1],
    [30, 1],
  ];
  it.each(KNOWN)('erf(%s) = %s to 1e-15 relative, and erf is odd', (x, want) => {
    expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(1e-15 * Math.abs(want));
    expect(erf(-x)).toBe(-erf(x));
  });
  it('handles NaN and infinities', () => {
    expect(erf(NaN)).toBeNaN();
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });
});

/** Reference of each binary op in float64 (NumPy conventions). */
const BINARY_REF: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powNumPy,
  maximum: Math.max,
  minimum: Math.min,
};

const BROADCAST_CASES: [number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], []],
  [[], [4]],
  [
    [3, 1],
    [1, 4],
  ],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [[4], [2, 3, 4]],
  [
    [2, 3, 4],
    [2, 1, 4],
  ],
  [
    [1, 5],
    [3, 1],
  ],
  // 2-D broadcasts of a training step: a column (row maxima) and a row (a bias) against a matrix
  [
    [128, 10],
    [128, 1],
  ],
  [[10], [12, 10]],
  [
    [6, 1],
    [6, 9],
  ],
  [
    [1, 7],
    [5, 7],
  ],
  [
    [0, 3],
    [1, 3],
  ],
  [
    [2, 1, 3, 1],
    [1, 4, 1, 5],
  ],
];

/** The NumPy-broadcast elementwise reference. */
function naiveBroadcast(
  a: ArrayLike<number>,
  as: number[],
  b: ArrayLike<number>,
  bs: number[],
  f: (x: number, y: number) => number,
): number[] {
  const out = broadcastShapes(as, bs);
  const size = out.reduce((x, y) => x * y, 1);
  return Array.from({ length: size }, (_, i) => {
    const idx = unravel(i, out);
    return f(atBroadcast(a, as, idx), atBroadcast(b, bs, idx));
  });
}

describe('binary ops with broadcasting', () => {
  for (const op of BINARY_OPS) {
    for (const [as, bs] of BROADCAST_CASES) {
      it(`${op} ${JSON.stringify(as)} with ${JSON.stringify(bs)} (float64 and float32)`, () => {
        const b = cpu();
        for (const dtype of ['float64', 'float32'] as DType[]) {
          const sa = as.reduce((x, y) => x * y, 1);
          const sb = bs.reduce((x, y) => x * y, 1);
          // positive bases for pow so the results are real
          const da = randomData(sa, 3).map((v) => (op === 'pow' ? Math.abs(v) + 0.1 : v * 4));
          const db = randomData(sb, 4).map((v) => (op === 'div' ? v + (v >= 0 ? 0.5 : -0.5) : v * 4));
          const ta = b.tensor(da, as, dtype);
          const tb = b.tensor(db, bs, dtype);
          const y = b.binary(op, ta, tb);
          expect(y.shape).toEqual(broadcastShapes(as, bs));
          expect(y.dtype).toBe(dtype);
          const want = naiveBroadcast(b.readSync(ta), as, b.readSync(tb), bs, BINARY_REF[op]);
          expect(Array.from(b.readSync(y))).toEqual(dtype === 'float32' ? want.map(Math.fround) : want);
        }
      });
    }
  }

  it('int32 arithmetic wraps and multiplies exactly', () => {
    const b = cpu();
    const x = b.tensor([2147483647, 123456789, -5, 7], undefined, 'int32');
    const y = b.tensor([1, 987654321, 3, -7], undefined, 'int32');
    expect([...b.readSync(b.add(x, y))]).toEqual([-2147483648, 1111111110, -2, 0]);
    expect([...b.readSync(b.sub(x, y))]).toEqual([2147483646, -864197532, -8, 14]);
    expect([...b.readSync(b.mul(x, y))]).toEqual([2147483647, Math.imul(123456789, 987654321), -15, -49]);
    expect([...b.readSync(b.binary('maximum', x, y))]).toEqual([2147483647, 987654321, 3, 7]);
    expect([...b.readSync(b.binary('minimum', x, 0))]).toEqual([0, 0, -5, 0]);
  });

  it('follows NumPy at the edges: NaN in maximum, pow(1, NaN), division by zero', () => {
    const b = cpu();
    const x = b.tensor([NaN, 1, 1, -1, 0, -1], undefined, 'float64');
    const y = b.tensor([1, NaN, Infinity, -Infinity, 0, 0], undefined, 'float64');
    expect([...b.readSync(b.binary('maximum', x, y))]).toEqual([NaN, NaN, Infinity, -1, 0, 0]);
    expect([...b.readSync(b.binary('pow', x, y))]).toEqual([NaN, 1, 1, 1, 1, 1]);
    expect([...b.readSync(b.div(x, 0))]).toEqual([NaN, Infinity, Infinity, -Infinity, NaN, -Infinity]);
  });
});

const COMPARE_REF: Record<CompareOp, (a: number, b: number) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  less: (a, b) => a < b,
  lessEqual: (a, b) => a <= b,
  greater: (a, b) => a > b,
  greaterEqual: (a, b) => a >= b,
};

describe('comparisons, where and cast', () => {
  for (const op of COMPARE_OPS) {
    it(`${op} broadcasts and gives bool (NaN compares unequal)`, () => {
      const b = cpu();
      const x = b.tensor([1, 2, NaN, 4, 2, 1], [2, 3], 'float64');
      const y = b.tensor([2, 2, NaN], [3], 'float64');
      const z = b.compare(op, x, y);
      expect(z.dtype).toBe('bool');
      expect(z.shape).toEqual([2, 3]);
      const want = naiveBroadcast(b.readSync(x), [2, 3], b.readSync(y), [3], (p, q) => (COMPARE_REF[op](p, q) ? 1 : 0));
      expect([...b.readSync(z)]).toEqual(want);
      // int32 and bool operands compare too
      const i = b.compare(op, b.tensor([1, 2, 3], undefined, 'int32'), 2);
      expect([...b.readSync(i)]).toEqual([1, 2, 3].map((v) => (COMPARE_REF[op](v, 2) ? 1 : 0)));
    });
  }

  it('where selects with three-way broadcasting', () => {
    const b = cpu();
    const cond = b.tensor([1, 0, 1], [3, 1], 'bool');
    const x = b.tensor([10, 20], [1, 2], 'float64');
    const y = b.tensor([-1, -2, -3, -4, -5, -6], [3, 2], 'float64');
    const z = b.where(cond, x, y);
    expect(z.shape).toEqual([3, 2]);
    expect([...b.readSync(z)]).toEqual([10, 20, -3, -4, 10, 20]);
    expect([...b.readSync(b.where(b.tensor([0, 1], undefined, 'bool'), 7, b.tensor([1, 2], undefined, 'int32')))]).toEqual([1, 7]);
  });

  it('cast truncates toward zero, saturates, maps NaN to 0 and non-zero to true', () => {
    const b = cpu();
    const x = b.tensor([-2.7, -0.5, 0, 0.9, 2.5, NaN, 1e10, -1e10, Infinity], undefined, 'float64');
    expect([...b.readSync(b.cast(x, 'int32'))]).toEqual([-2, 0, 0, 0, 2, 0, 2147483647, -2147483648, 2147483647]);
    expect([...b.readSync(b.cast(x, 'bool'))]).toEqual([1, 1, 0, 1, 1, 1, 1, 1, 1]);
    expect([...b.readSync(b.cast(x, 'float32'))]).toEqual([-2.7, -0.5, 0, 0.9, 2.5, NaN, 1e10, -1e10, Infinity].map(Math.fround));
    const bools = b.tensor([1, 0, 1], undefined, 'bool');
    expect(b.readSync(b.cast(bools, 'float64'))).toEqual(new Float64Array([1, 0, 1]));
    expect(b.readSync(b.cast(b.tensor([3, -4], undefined, 'int32'), 'float32'))).toEqual(new Float32Array([3, -4]));
  });

  it('full stores bool as 0 and 1 and int32 truncated', () => {
    const b = cpu();
    expect([...b.readSync(b.full([2], 0.5, 'bool'))]).toEqual([1, 1]);
    expect([...b.readSync(b.full([2], -2.9, 'int32'))]).toEqual([-2, -2]);
  });
});
