/**
 * The float32 elementwise SIMD kernels must give exactly what the JavaScript loops give (float32
 * +, −, ×, ÷ are correctly rounded; max/min and comparisons treat NaN, ±0 and ±∞ as Math does),
 * for every op, every broadcast layout they take, in both memory variants.
 */
import { describe, expect, it } from 'vitest';
import type { BinaryOp, CompareOp, Tensor } from '@downhill/backend';
import { ELEMENTWISE_MIN, binaryWasm, compareWasm, sumLeadingWasm, whereWasm } from './elementwise-wasm.js';
import { cpu } from './index.js';
import { rng } from './test-helpers.js';
import { createRuntime, getRuntime, setWasmEnabled } from './wasm/runtime.js';

const b = cpu();
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 3.4e38, 1e-45];

/** float32 data of `shape`: random values with the special ones sprinkled in. */
function data(shape: number[], seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((x, y) => x * y, 1);
  const v = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? SPECIAL[(i * 5 + seed) % SPECIAL.length] : r() * 4));
  return b.tensor(v, shape, 'float32');
}

/** The JavaScript loops' result of `fn` (the SIMD kernels off). */
function reference<T>(fn: () => T): T {
  const was = setWasmEnabled(false);
  try {
    return fn();
  } finally {
    setWasmEnabled(was);
  }
}

/** Bitwise equality of float32 arrays (NaN equals NaN, −0 differs from +0). */
function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  const g = new Uint32Array(Float32Array.from(got).buffer);
  const w = new Uint32Array(Float32Array.from(want).buffer);
  for (let i = 0; i < w.length; i++) {
    const bothNaN = Number.isNaN(got[i]) && Number.isNaN(want[i]);
    if (!bothNaN && g[i] !== w[i]) expect.fail(`element ${i}: expected ${want[i]}, got ${got[i]}`);
  }
}

// [a shape, b shape]: same shape, scalars on either side, a row broadcast, a tail of 3
const LAYOUTS: [number[], number[]][] = [
  [[2051], [2051]],
  [[40, 100], []],
  [[1], [40, 100]],
  [[33, 128], [128]],
  [[128], [9, 128]],
];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const COMPARE: CompareOp[] = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];

describe('float32 elementwise kernels equal the JavaScript loops', () => {
  it('2-D broadcasts with short rows (a column, a row) run on the kernel when the output is in the heap', () => {
    const rt = getRuntime()!;
    for (const [as, bs] of [
      [
        [700, 10],
        [700, 1],
      ],
      [[10], [500, 10]],
      [
        [1, 12],
        [400, 1],
      ],
    ]) {
      const out = [Math.max(as[0], bs[0]), Math.max(as.at(-1)!, bs.at(-1)!)];
      const [x, y] = [data(as, 11), data(bs, 12)];
      for (const op of BINARY) {
        const got = binaryWasm(rt, op, x, y, out);
        expect(got, `${op} ${JSON.stringify(as)} with ${JSON.stringify(bs)}`).toBeDefined();
        expectSameBits(
          got!,
          reference(() => b.readSync(b.binary(op, x, y))),
        );
      }
    }
  });

  it('run on the kernels for large float32 arrays (and not below the threshold)', () => {
    const rt = getRuntime()!;
    const [x, y] = [data([2051], 1), data([2051], 2)];
    expect(binaryWasm(rt, 'add', x, y, [2051])).toBeDefined();
    expect(binaryWasm(rt, 'pow', x, y, [2051])).toBeUndefined(); // pow stays in JavaScript
    const [s, t] = [data([ELEMENTWISE_MIN - 1], 1), data([ELEMENTWISE_MIN - 1], 2)];
    expect(binaryWasm(rt, 'add', s, t, [ELEMENTWISE_MIN - 1])).toBeUndefined();
  });

  for (const variant of ['shared', 'private'] as const) {
    const rt = () => (variant === 'shared' ? getRuntime()! : createRuntime('private'));
    for (const [as, bs] of LAYOUTS) {
      const out = as.length >= bs.length ? (bs.length === 2 ? bs : as) : bs;
      it(`${variant} memory: binary ops, ${JSON.stringify(as)} with ${JSON.stringify(bs)}`, () => {
        const [x, y] = [data(as, 3), data(bs, 4)];
        const r = rt();
        for (const op of BINARY) {
          const got = binaryWasm(r, op, x, y, out);
          expect(got, op).toBeDefined();
          expectSameBits(
            got!,
            reference(() => b.readSync(b.binary(op, x, y))),
          );
        }
      });
      it(`${variant} memory: comparisons, ${JSON.stringify(as)} with ${JSON.stringify(bs)}`, () => {
        const [x, y] = [data(as, 5), data(bs, 5)]; // equal seeds: many equal pairs
        const r = rt();
        for (const op of COMPARE) {
          const got = compareWasm(r, op, x, y, out);
          expect(got, op).toBeDefined();
          expect(Array.from(got!), op).toEqual(Array.from(reference(() => b.readSync(b.compare(op, x, y)))));
        }
      });
    }

    it(`${variant} memory: where with every mix of arrays and single values`, () => {
      const r = rt();
      const n = 2053;
      const cond = b.compare('greater', data([n], 7), 0);
      const one = b.compare('greater', b.tensor([1]), 0);
      for (const [c, x, y] of [
        [cond, data([n], 8), data([n], 9)],
        [cond, data([n], 8), b.scalar(0)],
        [cond, b.scalar(-2), data([n], 9)],
        [one, data([n], 8), data([n], 9)],
      ] as const) {
        const got = whereWasm(r, c, x, y, [n]);
        expect(got).toBeDefined();
        expectSameBits(
          got!,
          reference(() => b.readSync(b.where(c, x, y))),
        );
      }
    });

    it(`${variant} memory: sums over leading axes (float64 accumulation, the same sums)`, () => {
      const r = rt();
      for (const [shape, axes] of [
        [[300, 129], [0]],
        [
          [4, 50, 33],
          [0, 1],
        ],
      ] as [number[], number[]][]) {
        const x = b.tensor(
          Array.from({ length: shape.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(i) * 1e3 + 1e-3 * i),
          shape,
          'float32',
        );
        const outSize = shape.slice(axes.length).reduce((p, q) => p * q, 1);
        const got = sumLeadingWasm(r, x, axes, outSize);
        expect(got).toBeDefined();
        expectSameBits(
          got!,
          reference(() => b.readSync(b.reduce('sum', x, axes))),
        );
      }
    });
  }

  it('through the backend: a bias add, a ReLU and its mask, a bias gradient', () => {
    const h = data([64, 256], 11);
    const bias = data([256], 12);
    const run = () => {
      const z = b.add(h, bias);
      const mask = b.compare('greater', z, 0);
      return [z, mask, b.where(mask, z, 0), b.reduce('sum', z, 0)].map((t) => Array.from(b.readSync(t)));
    };
    const got = run();
    const want = reference(run);
    got.forEach((g, i) => expectSameBits(g, want[i]));
  });
});
