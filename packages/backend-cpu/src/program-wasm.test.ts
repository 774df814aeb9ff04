import { describe, expect, it } from 'vitest';
import type { ElementwiseProgram } from '@downhill/backend';
import { compileWasm, DEFAULT_LOOP_SHAPE, type WasmLoopShape } from './program-wasm.js';
import { ADAM_PROGRAM as ADAM, BRANCHY_PROGRAM as BRANCHY, I, rng, S } from './test-helpers.js';
import { getRuntime, PAGES_MAX } from './wasm/runtime.js';

/** AdaBelief's shape: the second moment reads the new first moment (a longer chain than Adam's). */
const BELIEF: ElementwiseProgram = {
  inputs: 4,
  scalars: 5,
  nodes: [
    I(0),
    I(1),
    I(2),
    I(3),
    S(0),
    S(1),
    S(2),
    S(3),
    S(4), // 0‥8: p, g, m, s; lr, b1, 1−b1, b2, eps
    { op: 'binary', fn: 'mul', a: 2, b: 5 }, // 9
    { op: 'binary', fn: 'mul', a: 1, b: 6 }, // 10
    { op: 'binary', fn: 'add', a: 9, b: 10 }, // 11 m'
    { op: 'binary', fn: 'sub', a: 1, b: 11 }, // 12
    { op: 'unary', fn: 'square', x: 12 }, // 13
    { op: 'binary', fn: 'mul', a: 3, b: 7 }, // 14
    { op: 'binary', fn: 'add', a: 14, b: 13 }, // 15
    { op: 'binary', fn: 'add', a: 15, b: 8 }, // 16 s'
    { op: 'unary', fn: 'sqrt', x: 16 }, // 17
    { op: 'binary', fn: 'add', a: 17, b: 8 }, // 18
    { op: 'binary', fn: 'div', a: 11, b: 18 }, // 19
    { op: 'binary', fn: 'mul', a: 19, b: 4 }, // 20
    { op: 'binary', fn: 'sub', a: 0, b: 20 }, // 21 p'
  ],
  outputs: [21, 11, 16],
};

const f = Math.fround;

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function unary(fn: string, a: number): number {
  switch (fn) {
    case 'neg':
      return -a;
    case 'abs':
      return Math.abs(a);
    case 'sqrt':
      return Math.sqrt(a);
    case 'floor':
      return Math.floor(a);
    case 'ceil':
      return Math.ceil(a);
    case 'round':
      return roundHalfEven(a);
    case 'square':
      return a * a;
    case 'reciprocal':
      return 1 / a;
    case 'sign':
      return a > 0 ? 1 : a < 0 ? -1 : a;
    default:
      throw new Error(`the reference has no ${fn}`);
  }
}

function binary(fn: string, a: number, b: number): number {
  switch (fn) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return a / b;
    case 'maximum':
      return Math.max(a, b);
    case 'minimum':
      return Math.min(a, b);
    default:
      throw new Error(`the reference has no ${fn}`);
  }
}

/**
 * The independent reference: one element, node by node in float64, every node rounded to float32
 * (exact for these ops: a float32 instruction's result is the exact result rounded once).
 */
function reference(p: ElementwiseProgram, inputs: readonly number[], scalars: readonly number[]): number[] {
  const v: (number | boolean)[] = [];
  const x = (j: number) => v[j] as number;
  for (const n of p.nodes) {
    switch (n.op) {
      case 'input':
        v.push(inputs[n.index]);
        break;
      case 'scalar':
        v.push(f(scalars[n.index]));
        break;
      case 'const':
        v.push(f(n.value));
        break;
      case 'unary':
        v.push(f(unary(n.fn, x(n.x))));
        break;
      case 'binary':
        v.push(f(binary(n.fn, x(n.a), x(n.b))));
        break;
      case 'compare': {
        const [a, b] = [x(n.a), x(n.b)];
        const table = { equal: a === b, notEqual: a !== b, less: a < b, lessEqual: a <= b, greater: a > b, greaterEqual: a >= b };
        v.push(table[n.fn]);
        break;
      }
      case 'where':
        v.push(v[n.cond] ? x(n.a) : x(n.b));
        break;
      default:
        n satisfies never;
    }
  }
  return p.outputs.map(x);
}

/** Inputs with zeros of both signs, halves and ties (for round), repeats (for equal), and uniform values. */
function inputValues(n: number, seed: number, nonNegative: boolean): Float32Array {
  const special = [0, -0, 0.5, 1.5, -2.5, 1, -1, 2, 3.25];
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % 3 === 0 ? special[(i + seed) % special.length] : r() * 4;
    out[i] = nonNegative ? Math.abs(x) : x;
  }
  return out;
}

const SCALARS: Record<string, number[]> = {
  adam: [0.01, 0.9, 0.1, 0.999, 0.001, 1e-8],
  belief: [0.01, 0.9, 0.1, 0.999, 1e-8],
  branchy: [0.25],
};

const SHAPES: WasmLoopShape[] = [
  { unroll: 1, order: 'node' },
  { unroll: 2, order: 'node' },
  { unroll: 2, order: 'vector' },
  { unroll: 4, order: 'node' },
  { unroll: 4, order: 'vector' },
];

/** Elements after each output that the run must leave alone. */
const GUARD = 8;

describe('backend-cpu compileWasm: the loop structure', () => {
  const rt = getRuntime();
  /** The reference's outputs per program and lengths (the same inputs for every loop shape). */
  const expected = new Map<string, number[][][]>();

  /**
   * Runs `program` compiled with `shape` over one call of groups of the given lengths (each group's
   * arrays starting `gi mod 4` elements past a 16-byte boundary, so the vector loads are unaligned
   * in every way), outputs apart or in place of the first inputs, and checks every element bitwise
   * (NaN as NaN) against the float32 reference, and that no element past a group's end was written.
   */
  function check(name: string, program: ElementwiseProgram, shape: WasmLoopShape, lengths: readonly number[], inPlace: boolean): void {
    if (!rt?.shared) {
      console.log(`skipped the generated-loop check: no shared WebAssembly heap here`);
      return;
    }
    const w = compileWasm(program, rt.memory, PAGES_MAX, shape);
    expect(w).toBeDefined();
    const k = program.inputs;
    const m = program.outputs.length;
    const scalars = SCALARS[name];
    const blocks: number[] = [];
    const block = (bytes: number) => {
      const ptr = rt.exports.allocUninit(bytes);
      blocks.push(ptr);
      return ptr;
    };
    try {
      const groups = lengths.map((n, gi) => {
        const skew = gi % 4;
        const inputs = Array.from({ length: k }, (_, t) => {
          const ptr = block((n + skew + GUARD) * 4 + 16) + skew * 4;
          const values = inputValues(n, gi * 13 + t, name === 'adam' && t === 3);
          new Float32Array(rt.current(), ptr, n + GUARD).set([...values, ...Array(GUARD).fill(7.5)]);
          return { ptr, values };
        });
        const outputs = Array.from({ length: m }, (_, q) => {
          if (inPlace && q < k) return inputs[q].ptr;
          const ptr = block((n + skew + GUARD) * 4 + 16) + skew * 4;
          new Float32Array(rt.current(), ptr, n + GUARD).fill(7.5);
          return ptr;
        });
        return { n, inputs, outputs };
      });
      const stride = 1 + k + m + program.scalars;
      const desc = block(groups.length * stride * 4 + 4);
      const words = new Int32Array(rt.current(), desc, groups.length * stride);
      const floats = new Float32Array(rt.current(), desc, groups.length * stride);
      groups.forEach((g, gi) => {
        let at = gi * stride;
        words[at++] = g.n;
        for (const x of g.inputs) words[at++] = x.ptr;
        for (const o of g.outputs) words[at++] = o;
        for (const s of scalars) floats[at++] = s;
      });
      w!.run(desc, groups.length);
      const key = `${name}/${lengths.join(',')}`;
      const want =
        expected.get(key) ??
        groups.map((g) =>
          Array.from({ length: g.n }, (_, i) =>
            reference(
              program,
              g.inputs.map((x) => x.values[i]),
              scalars,
            ),
          ),
        );
      expected.set(key, want);
      groups.forEach((g, gi) => {
        const got = g.outputs.map((o) => new Float32Array(rt.current(), o, g.n + GUARD));
        for (let i = 0; i < g.n; i++) {
          for (let q = 0; q < m; q++) {
            if (!Object.is(got[q][i], want[gi][i][q]))
              expect.fail(
                `${name}, ${JSON.stringify(shape)}, n = ${g.n}: output ${q} element ${i} is ${got[q][i]}, the reference ${want[gi][i][q]}`,
              );
          }
        }
        for (let q = 0; q < m; q++)
          for (let i = g.n; i < g.n + GUARD; i++)
            if (got[q][i] !== 7.5) expect.fail(`${name}, n = ${g.n}: output ${q} was written past its end, at ${i}`);
      });
    } finally {
      for (const ptr of blocks) rt.exports.free(ptr);
    }
  }

  const small = Array.from({ length: 38 }, (_, n) => n); // 0‥37: every remainder of 4, 8 and 16
  const large = [1021, 4099, 8195, 65_543];

  it('the default is two vectors (eight lanes) per iteration', () => {
    expect(DEFAULT_LOOP_SHAPE).toEqual({ unroll: 2, order: 'node' });
  });

  for (const [name, program] of [
    ['adam', ADAM],
    ['belief', BELIEF],
    ['branchy', BRANCHY],
  ] as const) {
    for (const shape of SHAPES) {
      it(`${name}, ${shape.unroll} vector(s) per iteration, ${shape.order} by ${shape.order}: lengths 0 to 37 in one call, and ${large.join(', ')}`, () => {
        check(name, program, shape, small, false);
        check(name, program, shape, large, false);
        check(name, program, shape, [...small].reverse(), true);
      });
    }
  }
});
