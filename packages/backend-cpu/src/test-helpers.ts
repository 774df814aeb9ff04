/** Helpers shared by the tests of this package (not published). */
import type { ElementwiseProgram, ProgramNode } from '@downhill/backend';
import { expect } from 'vitest';

/** A deterministic generator of floats in [−1, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** `n` random floats in [−1, 1). */
export function randomData(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => r());
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

/** The flat position of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let a = 0; a < shape.length; a++) f = f * shape[a] + idx[a];
  return f;
}

/** Element of `data` (shape `shape`) at the broadcast of multi-index `idx` of a larger shape. */
export function atBroadcast(data: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  const off = idx.length - shape.length;
  return data[
    ravel(
      shape.map((d, a) => (d === 1 ? 0 : idx[a + off])),
      shape,
    )
  ];
}

/** Asserts elementwise closeness `|a − e| ≤ atol + rtol·|e|`; NaN matches NaN; infinities must agree. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-12, atol = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`element ${i}: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) expect.fail(`element ${i}: expected ${e}, got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: expected ${e}, got ${a} (difference ${Math.abs(a - e)}, tolerance ${atol + rtol * Math.abs(e)})`);
    }
  }
}

const I = (index: number): ProgramNode => ({ op: 'input', index });
const S = (index: number): ProgramNode => ({ op: 'scalar', index });

/**
 * Adam's moments and step as an elementwise program, every op with a float32 instruction (the
 * fixture of the program tests and of the threads tests). Inputs p, g, m, v; scalars lr, b1,
 * 1−b1, b2, 1−b2, eps; outputs p', m', v'.
 */
export const ADAM_PROGRAM: ElementwiseProgram = {
  inputs: 4,
  scalars: 6,
  nodes: [
    I(0),
    I(1),
    I(2),
    I(3),
    S(0),
    S(1),
    S(2),
    S(3),
    S(4),
    S(5), // 0‥9
    { op: 'binary', fn: 'mul', a: 2, b: 5 }, // 10
    { op: 'binary', fn: 'mul', a: 1, b: 6 }, // 11
    { op: 'binary', fn: 'add', a: 10, b: 11 }, // 12 m'
    { op: 'binary', fn: 'mul', a: 3, b: 7 }, // 13
    { op: 'unary', fn: 'square', x: 1 }, // 14
    { op: 'binary', fn: 'mul', a: 14, b: 8 }, // 15
    { op: 'binary', fn: 'add', a: 13, b: 15 }, // 16 v'
    { op: 'unary', fn: 'sqrt', x: 16 }, // 17
    { op: 'binary', fn: 'add', a: 17, b: 9 }, // 18
    { op: 'binary', fn: 'div', a: 12, b: 18 }, // 19
    { op: 'binary', fn: 'mul', a: 19, b: 4 }, // 20
    { op: 'binary', fn: 'sub', a: 0, b: 20 }, // 21 p'
  ],
  outputs: [21, 12, 16],
};

/**
 * {@link ADAM_PROGRAM} on one element, evaluated node by node in float32 (`Math.fround` after each
 * node, scalars rounded to float32 first): the reference of a float32 run. Returns [p', m', v'].
 */
export function adamProgramReference(p: number, g: number, m: number, v: number, scalars: readonly number[]): [number, number, number] {
  const f = Math.fround;
  const s = scalars.map(f);
  const m1 = f(f(m * s[1]) + f(g * s[2]));
  const v1 = f(f(v * s[3]) + f(f(g * g) * s[4]));
  const p1 = f(p - f(f(m1 / f(f(Math.sqrt(v1)) + s[5])) * s[0]));
  return [p1, m1, v1];
}
