/** Helpers shared by the tests of this package (not published). */
import type { DownhillError, ElementwiseProgram, ProgramNode } from '@downhill/backend';
import { SAMPLE_UPDATE_PROGRAM, sampleUpdateReference } from '@downhill/backend/conformance';
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

/** Asserts that `fn` throws an error of `type` whose message matches every pattern. */
export function expectError(fn: () => unknown, type: new (...args: never[]) => DownhillError, ...patterns: RegExp[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(type);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
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

/**
 * Adam's moments and step as an elementwise program (the fixture of the program tests and of the
 * threads tests), shared with the other backends' tests from `@downhill/backend/conformance`.
 */
export const ADAM_PROGRAM: ElementwiseProgram = SAMPLE_UPDATE_PROGRAM;

/** {@link ADAM_PROGRAM} on one element in float32, node by node: the reference of a float32 run. */
export const adamProgramReference = sampleUpdateReference;

/** A program node reading tensor input `index` (for writing test programs). */
export const I = (index: number): ProgramNode => ({ op: 'input', index });

/** A program node reading scalar `index` (for writing test programs). */
export const S = (index: number): ProgramNode => ({ op: 'scalar', index });

/**
 * Every other op with a float32 instruction, comparisons, `where`, a constant −0; two outputs, and
 * an input read late (the fixture of the program tests beside {@link ADAM_PROGRAM}).
 */
export const BRANCHY_PROGRAM: ElementwiseProgram = {
  inputs: 3,
  scalars: 1,
  nodes: [
    I(0),
    I(1),
    S(0),
    { op: 'const', value: -0 }, // 0‥3
    { op: 'unary', fn: 'sign', x: 0 }, // 4
    { op: 'unary', fn: 'round', x: 1 }, // 5
    { op: 'unary', fn: 'floor', x: 0 }, // 6
    { op: 'unary', fn: 'ceil', x: 1 }, // 7
    { op: 'unary', fn: 'abs', x: 0 }, // 8
    { op: 'unary', fn: 'neg', x: 8 }, // 9
    { op: 'unary', fn: 'reciprocal', x: 1 }, // 10
    { op: 'binary', fn: 'maximum', a: 0, b: 3 }, // 11
    { op: 'binary', fn: 'minimum', a: 1, b: 2 }, // 12
    { op: 'compare', fn: 'lessEqual', a: 0, b: 1 }, // 13
    { op: 'where', cond: 13, a: 10, b: 9 }, // 14
    { op: 'compare', fn: 'equal', a: 5, b: 7 }, // 15
    { op: 'where', cond: 15, a: 4, b: 11 }, // 16
    { op: 'binary', fn: 'add', a: 16, b: 6 }, // 17
    I(2), // 18
    { op: 'binary', fn: 'sub', a: 17, b: 12 }, // 19
    { op: 'binary', fn: 'mul', a: 19, b: 18 }, // 20
  ],
  outputs: [14, 20],
};
