import { describe, expect, it, onTestFinished } from 'vitest';
import { broadcastShapes } from '@downhill/backend';
import { cpu } from './index.js';
import { matmulWasm } from './matmul-wasm.js';
import { createRuntime, getRuntime, setWasmEnabled } from './wasm/runtime.js';
import { expectClose, randomData, rng, unravel } from './test-helpers.js';

/** Runs `fn` with the WebAssembly kernels on or off, restoring the setting after. */
function withWasm<T>(on: boolean, fn: () => T): T {
  const was = setWasmEnabled(on);
  try {
    return fn();
  } finally {
    setWasmEnabled(was);
  }
}

/** The textbook triple loop over the broadcast batch, in float64. */
function naiveMatmul(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  tA: boolean,
  tB: boolean,
): { data: number[]; shape: number[]; absSum: number[]; k: number } {
  const ar = aShape.length;
  const br = bShape.length;
  const M = tA ? aShape[ar - 1] : aShape[ar - 2];
  const K = tA ? aShape[ar - 2] : aShape[ar - 1];
  const N = tB ? bShape[br - 2] : bShape[br - 1];
  const batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2));
  const shape = [...batch, M, N];
  const batches = batch.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  const absSum: number[] = [];
  for (let t = 0; t < batches; t++) {
    const bi = unravel(t, batch);
    // the first element of this batch's matrices, through broadcasting
    const aBase = atIndex(aShape, [...bi, 0, 0]);
    const bBase = atIndex(bShape, [...bi, 0, 0]);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        let sa = 0;
        for (let k = 0; k < K; k++) {
          const av = a[aBase + (tA ? k * M + i : i * K + k)];
          const bv = b[bBase + (tB ? j * K + k : k * N + j)];
          s += av * bv;
          sa += Math.abs(av * bv);
        }
        data.push(s);
        absSum.push(sa);
      }
    }
  }
  return { data, shape, absSum, k: K };
}

/**
 * Asserts the bound of float32 recursive summation: `|got − exact| ≤ (K + 1)·2⁻²⁴·Σₖ|aₖ·bₖ|`
 * for each element (the products of float32 values are exact in float64, so `exact` is the float64
 * triple loop up to 1e-15 relative).
 */
function expectWithinF32Bound(got: ArrayLike<number>, ref: { data: number[]; absSum: number[]; k: number }): void {
  expect(got.length).toBe(ref.data.length);
  const u = 2 ** -24;
  for (let i = 0; i < ref.data.length; i++) {
    const tol = (ref.k + 1) * u * ref.absSum[i] + 1e-30;
    if (!(Math.abs(got[i] - ref.data[i]) <= tol)) {
      expect.fail(`element ${i}: expected ${ref.data[i]} within ${tol}, got ${got[i]}`);
    }
  }
}

/** Flat position in `shape` of the broadcast of a multi-index of the (larger) batch shape. */
function atIndex(shape: number[], idx: number[]): number {
  const off = idx.length - shape.length;
  let f = 0;
  for (let a = 0; a < shape.length; a++) f = f * shape[a] + (shape[a] === 1 ? 0 : idx[a + off]);
  return f;
}

/** A batched operand: a's last two axes are [M, K] (or [K, M] when transposed). */
function operandShape(batch: number[], rows: number, cols: number, t: boolean): number[] {
  return [...batch, ...(t ? [cols, rows] : [rows, cols])];
}

const CASES: { name: string; aBatch: number[]; bBatch: number[]; m: number; k: number; n: number }[] = [
  { name: 'square', aBatch: [], bBatch: [], m: 3, k: 3, n: 3 },
  { name: 'vector-matrix', aBatch: [], bBatch: [], m: 1, k: 5, n: 4 },
  { name: 'matrix-vector', aBatch: [], bBatch: [], m: 4, k: 5, n: 1 },
  { name: 'outer product (k = 1)', aBatch: [], bBatch: [], m: 4, k: 1, n: 3 },
  { name: 'k = 0 gives zeros', aBatch: [], bBatch: [], m: 2, k: 0, n: 3 },
  { name: 'm = 0', aBatch: [], bBatch: [], m: 0, k: 3, n: 2 },
  { name: 'n = 0', aBatch: [2], bBatch: [2], m: 2, k: 3, n: 0 },
  { name: 'zero batch', aBatch: [0], bBatch: [], m: 2, k: 3, n: 2 },
  { name: 'batched', aBatch: [3], bBatch: [3], m: 2, k: 7, n: 5 },
  { name: 'b broadcast over a batch', aBatch: [2, 3], bBatch: [], m: 4, k: 6, n: 3 },
  { name: 'a broadcast over b batch', aBatch: [], bBatch: [4], m: 3, k: 2, n: 5 },
  { name: 'both broadcast', aBatch: [2, 1], bBatch: [1, 3], m: 3, k: 4, n: 2 },
  { name: 'larger than one block', aBatch: [], bBatch: [], m: 37, k: 300, n: 290 },
  { name: 'odd sizes', aBatch: [2], bBatch: [1], m: 13, k: 131, n: 17 },
];

const PATHS = [
  { path: 'float64 (JavaScript)', dtype: 'float64', wasm: false },
  { path: 'float32 (JavaScript, float64 accumulation)', dtype: 'float32', wasm: false },
  { path: 'float32 (WebAssembly SIMD, float32 accumulation)', dtype: 'float32', wasm: true },
] as const;

describe('matmul against a naive triple loop', () => {
  for (const { path, dtype, wasm } of PATHS) {
    for (const c of CASES) {
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        it(`${path} ${c.name} tA=${tA} tB=${tB}`, () => {
          const b = cpu();
          const aShape = operandShape(c.aBatch, c.m, c.k, tA);
          const bShape = operandShape(c.bBatch, c.k, c.n, tB);
          const aSize = aShape.reduce((x, y) => x * y, 1);
          const bSize = bShape.reduce((x, y) => x * y, 1);
          const ta = b.tensor(randomData(aSize, 1 + c.m), aShape, dtype);
          const tb = b.tensor(randomData(bSize, 2 + c.n), bShape, dtype);
          // the reference reads the values as stored (rounded to float32 where they are)
          const ref = naiveMatmul(b.readSync(ta), aShape, b.readSync(tb), bShape, tA, tB);
          const out = withWasm(wasm, () => b.matmul(ta, tb, { transposeA: tA, transposeB: tB }));
          expect(out.shape).toEqual(ref.shape);
          expect(out.dtype).toBe(dtype);
          const got = b.readSync(out);
          expect(got).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
          if (wasm) expectWithinF32Bound(got, ref);
          // float64: only the summation order differs; float32 in JS: one rounding of a float64 sum
          else expectClose(got, ref.data, dtype === 'float64' ? 1e-13 : 1e-6, dtype === 'float64' ? 1e-13 : 1e-6);
        });
      }
    }
  }

  it('gives exact integer results and propagates NaN and infinity', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
    const y = b.tensor([7, 8, 9, 10, 11, 12], [3, 2], 'float64');
    expect([...b.readSync(b.matmul(x, y))]).toEqual([58, 64, 139, 154]);
    const n = b.tensor([NaN, 0, 0, 1], [2, 2], 'float64');
    const z = b.tensor([0, 0, 0, 0], [2, 2], 'float64');
    const r = b.readSync(b.matmul(n, z));
    expect(Number.isNaN(r[0]) && Number.isNaN(r[1])).toBe(true); // NaN·0 is NaN
    expect([r[2], r[3]]).toEqual([0, 0]);
  });

  it('rounds a float32 result once from a float64 sum (JavaScript path)', () => {
    const b = cpu();
    const was = setWasmEnabled(false);
    onTestFinished(() => void setWasmEnabled(was));
    const r = rng(9);
    const k = 4096;
    const a = Float32Array.from({ length: k }, () => r());
    const c = Float32Array.from({ length: k }, () => r());
    let exact = 0;
    for (let i = 0; i < k; i++) exact += a[i] * c[i];
    const out = b.readSync(b.matmul(b.tensor(a, [1, k]), b.tensor(c, [k, 1])));
    expect(out[0]).toBe(Math.fround(exact));
  });
});

describe('the WebAssembly matmul kernel', () => {
  it('is running here (Node has shared WebAssembly memory)', () => {
    expect(getRuntime()?.shared).toBe(true);
  });

  // Shapes around the kernel's tiles (4 × 8 registers, 64 rows and 256 of the shared axis per
  // block), every transpose, and operands small enough to stay outside the heap (copied in).
  const SHAPES: [number, number, number][] = [
    [1, 1, 1],
    [3, 2, 5],
    [4, 16, 8],
    [5, 17, 9],
    [65, 257, 33],
    [128, 300, 10],
    [7, 513, 70],
  ];
  for (const variant of ['shared', 'private'] as const) {
    for (const [m, k, n] of SHAPES) {
      for (const [tA, tB] of [
        [false, false],
        [true, true],
        [true, false],
        [false, true],
      ] as const) {
        it(`${variant} memory: ${m}×${k} · ${k}×${n}, tA=${tA} tB=${tB}, within the float32 summation bound`, () => {
          const rt = variant === 'shared' ? getRuntime()! : createRuntime('private');
          const b = cpu();
          const aShape = tA ? [k, m] : [m, k];
          const bShape = tB ? [n, k] : [k, n];
          const ta = b.tensor(randomData(m * k, 3 + m), aShape);
          const tb = b.tensor(randomData(k * n, 5 + n), bShape);
          const ref = naiveMatmul(b.readSync(ta), aShape, b.readSync(tb), bShape, tA, tB);
          const got = matmulWasm(rt, ta, tb, tA, tB, [m, n]);
          expectWithinF32Bound(got, ref);
          // and it is not the float64 result by accident: the difference is of float32 size
          const worst = Math.max(...ref.data.map((v, i) => Math.abs(v - got[i])));
          expect(worst).toBeLessThan(1e-4);
        });
      }
    }
  }

  it('propagates NaN and infinity like the float64 loop', () => {
    const b = cpu();
    const n = b.tensor([NaN, 0, 0, 1, Infinity, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [4, 4]);
    const z = b.tensor(
      Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : 1)),
      [4, 4],
    );
    const r = b.readSync(b.matmul(n, z));
    expect(Number.isNaN(r[0])).toBe(true); // NaN·0
    expect(Number.isNaN(r[4])).toBe(true); // ∞·0
    expect(r[5]).toBe(Infinity);
    expect([...r.slice(8)]).toEqual(new Array(8).fill(0));
  });
});
