import type { BinaryOp, CompareOp, ElementwiseProgram, UnaryOp } from '@downhill/backend';
import { powNumPy } from './binary.js';
import { erf } from './erf.js';
import { roundHalfEven } from './unary.js';

/**
 * A program compiled to a JavaScript loop: `run(inputs, outputs, scalars, n)` computes elements
 * `0 … n − 1` of every output from the inputs (typed arrays of one dtype). Every input element is
 * loaded before any output element is stored, so an output may be one of the inputs (in place).
 */
export type JsProgram = (
  inputs: readonly ArrayLike<number>[],
  outputs: readonly { [i: number]: number }[],
  scalars: readonly number[],
  n: number,
) => void;

const UNARY_JS: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  abs: (x) => `Math.abs(${x})`,
  sign: (x) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : ${x})`,
  square: (x) => `${x} * ${x}`,
  sqrt: (x) => `Math.sqrt(${x})`,
  rsqrt: (x) => `1 / Math.sqrt(${x})`,
  reciprocal: (x) => `1 / ${x}`,
  exp: (x) => `Math.exp(${x})`,
  expm1: (x) => `Math.expm1(${x})`,
  log: (x) => `Math.log(${x})`,
  log1p: (x) => `Math.log1p(${x})`,
  sin: (x) => `Math.sin(${x})`,
  cos: (x) => `Math.cos(${x})`,
  tanh: (x) => `Math.tanh(${x})`,
  erf: (x) => `erf(${x})`,
  floor: (x) => `Math.floor(${x})`,
  ceil: (x) => `Math.ceil(${x})`,
  round: (x) => `roundHalfEven(${x})`,
};

const BINARY_JS: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `powNumPy(${a}, ${b})`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
  minimum: (a, b) => `Math.min(${a}, ${b})`,
};

const COMPARE_JS: Record<CompareOp, string> = {
  equal: '===',
  notEqual: '!==',
  less: '<',
  lessEqual: '<=',
  greater: '>',
  greaterEqual: '>=',
};

/** A number as JavaScript source (keeping −0's sign). */
function literal(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * The source of the loop body of a program: one `const` per node, in float64 arithmetic, rounded
 * to float32 after every node when `float32` (as the float32 primitives round each result), so the
 * fused loop gives the composed primitives' exact results.
 */
function body(program: ElementwiseProgram, float32: boolean): { pre: string; loop: string } {
  const r = (e: string) => (float32 ? `fround(${e})` : e);
  const pre: string[] = [];
  const loads: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < program.inputs; i++) pre.push(`const in${i} = inputs[${i}];`);
  program.outputs.forEach((_, o) => pre.push(`const out${o} = outputs[${o}];`));
  program.nodes.forEach((node, i) => {
    switch (node.op) {
      case 'input':
        loads.push(`const v${i} = in${node.index}[i];`);
        break;
      case 'scalar':
        pre.push(`const v${i} = ${r(`scalars[${node.index}]`)};`);
        break;
      case 'const':
        pre.push(`const v${i} = ${literal(float32 ? Math.fround(node.value) : node.value)};`);
        break;
      case 'unary':
        lines.push(`const v${i} = ${r(UNARY_JS[node.fn](`v${node.x}`))};`);
        break;
      case 'binary':
        lines.push(`const v${i} = ${r(BINARY_JS[node.fn](`v${node.a}`, `v${node.b}`))};`);
        break;
      case 'compare':
        lines.push(`const v${i} = v${node.a} ${COMPARE_JS[node.fn]} v${node.b};`);
        break;
      case 'where':
        lines.push(`const v${i} = v${node.cond} ? v${node.a} : v${node.b};`);
        break;
      default:
        node satisfies never;
    }
  });
  const stores = program.outputs.map((o, k) => `out${k}[i] = v${o};`);
  return { pre: pre.join('\n'), loop: [...loads, ...lines, ...stores].join('\n    ') };
}

/**
 * Compiles a program to a JavaScript loop (`new Function`): float64 arithmetic throughout, or,
 * for float32, float64 arithmetic rounded to float32 after every node. V8 optimises the loop like
 * hand-written code: one pass over the elements, no intermediate arrays.
 *
 * @param program - A checked program.
 * @param float32 - Round every node to float32.
 * @returns The compiled loop.
 */
export function compileJs(program: ElementwiseProgram, float32: boolean): JsProgram {
  const { pre, loop } = body(program, float32);
  const src = `"use strict";
return function program(inputs, outputs, scalars, n) {
  ${pre}
  for (let i = 0; i < n; i++) {
    ${loop}
  }
};`;
  const factory = new Function('fround', 'erf', 'roundHalfEven', 'powNumPy', src) as (...helpers: unknown[]) => JsProgram;
  return factory(Math.fround, erf, roundHalfEven, powNumPy);
}
