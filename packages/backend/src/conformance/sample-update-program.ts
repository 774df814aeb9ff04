import type { ElementwiseProgram, ProgramNode } from '../program.js';

const I = (index: number): ProgramNode => ({ op: 'input', index });
const S = (index: number): ProgramNode => ({ op: 'scalar', index });

/**
 * A sample update program for backend tests, written once here so that backends test the same
 * fixture: exponential moving averages of an input and of its square, a root, a division and an
 * in-place style subtraction, every op with a float32 instruction (it has the shape of Adam's
 * step). Inputs p, g, m, v; scalars lr, b1, 1−b1, b2, 1−b2, eps; outputs
 * `p' = p − lr·m'/(√v' + eps)`, `m' = b1·m + (1−b1)·g`, `v' = b2·v + (1−b2)·g²`.
 *
 * @example
 * ```ts
 * import { SAMPLE_UPDATE_PROGRAM } from '@downhill/backend/conformance';
 * import { cpu } from '@downhill/backend-cpu';
 * const b = cpu();
 * const [p, g, m, v] = [1, 0.5, 0, 0].map((x) => b.tensor([x], [1], 'float64'));
 * const [p1] = b.runProgram(SAMPLE_UPDATE_PROGRAM, [{ inputs: [p, g, m, v], scalars: [0.1, 0.9, 0.1, 0.999, 0.001, 1e-8] }])[0];
 * ```
 */
export const SAMPLE_UPDATE_PROGRAM: ElementwiseProgram = {
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
 * {@link SAMPLE_UPDATE_PROGRAM} on one element, evaluated node by node in float32 (`Math.fround`
 * after each node, scalars rounded to float32 first): the independent reference of a float32 run.
 * Returns [p', m', v'].
 *
 * @example
 * ```ts
 * import { sampleUpdateReference } from '@downhill/backend/conformance';
 * const [p1, m1, v1] = sampleUpdateReference(1, 0.5, 0, 0, [0.1, 0.9, 0.1, 0.999, 0.001, 1e-8]);
 * ```
 */
export function sampleUpdateReference(p: number, g: number, m: number, v: number, scalars: readonly number[]): [number, number, number] {
  const f = Math.fround;
  const s = scalars.map(f);
  const m1 = f(f(m * s[1]) + f(g * s[2]));
  const v1 = f(f(v * s[3]) + f(f(g * g) * s[4]));
  const p1 = f(p - f(f(m1 / f(f(Math.sqrt(v1)) + s[5])) * s[0]));
  return [p1, m1, v1];
}
