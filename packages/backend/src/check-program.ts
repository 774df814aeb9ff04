import { isFloatDType } from './dtype.js';
import { DTypeError, InvalidArgumentError, ShapeError, fmtShape } from './errors.js';
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS } from './ops.js';
import type { ElementwiseProgram, ProgramGroup, ProgramNode } from './program.js';
import { shapesEqual } from './shape.js';
import { Tensor } from './tensor.js';

const UNARY = new Set<string>(UNARY_OPS);
const BINARY = new Set<string>(BINARY_OPS);
const COMPARE = new Set<string>(COMPARE_OPS);

/** Programs already found well formed (a program is treated as immutable once run). */
const checked = new WeakSet<ElementwiseProgram>();

/**
 * Checks that a program is well formed, once per program object: at least one tensor input and one
 * output; every node's operands name earlier nodes (so `nodes` is in topological order); `input` and
 * `scalar` indices in range; ops from the backend's unary, binary and comparison sets; a `compare`
 * used only as the `cond` of a `where`, and every `cond` a `compare`; every output a float node.
 * Throws an `InvalidArgumentError` naming the node otherwise.
 *
 * A program is treated as immutable once it has been checked: change a copy, not the original.
 *
 * @param program - The program to check.
 * @param where - Where the check happens, for the error message (such as `cpu.runProgram`).
 *
 * @example
 * ```ts
 * checkProgram({ inputs: 1, scalars: 0, nodes: [{ op: 'input', index: 0 }], outputs: [0] }, 'mine'); // fine
 * checkProgram({ inputs: 1, scalars: 0, nodes: [{ op: 'unary', fn: 'exp', x: 3 }], outputs: [0] }, 'mine');
 * // InvalidArgumentError: mine: program node 0 (unary exp) reads node 3, which is not an earlier node
 * ```
 */
export function checkProgram(program: ElementwiseProgram, where: string): void {
  if (checked.has(program)) return;
  const fail = (msg: string): never => {
    throw new InvalidArgumentError(`${where}: ${msg}`);
  };
  if (program === null || typeof program !== 'object') fail(`expected an ElementwiseProgram, got ${String(program)}`);
  const { inputs, scalars, nodes, outputs } = program;
  if (!Number.isInteger(inputs) || inputs < 1) fail(`a program needs an integer count of tensor inputs ≥ 1, got ${String(inputs)}`);
  if (!Number.isInteger(scalars) || scalars < 0) fail(`a program needs an integer count of scalars ≥ 0, got ${String(scalars)}`);
  if (!Array.isArray(nodes) || nodes.length === 0) fail('a program needs a non-empty array of nodes');
  if (!Array.isArray(outputs) || outputs.length === 0) fail('a program needs at least one output');
  // kinds: 'f' a float value, 'c' a comparison
  const kinds: ('f' | 'c')[] = [];
  const usedAsCond = new Set<number>();
  nodes.forEach((node: ProgramNode, i: number) => {
    const label = `program node ${i} (${describeNode(node)})`;
    const operand = (j: number, role: string, want: 'f' | 'c'): void => {
      if (!Number.isInteger(j) || j < 0 || j >= i) fail(`${label} reads node ${String(j)} as ${role}, which is not an earlier node`);
      if (kinds[j] !== want) {
        fail(
          want === 'c'
            ? `${label} needs a compare node as ${role}, but node ${j} is ${describeNode(nodes[j])}`
            : `${label} reads node ${j} (${describeNode(nodes[j])}) as ${role}; a compare is usable only as the cond of a where`,
        );
      }
    };
    switch (node?.op) {
      case 'input':
        if (!Number.isInteger(node.index) || node.index < 0 || node.index >= inputs)
          fail(`${label}: input index must be an integer in [0, ${inputs}), got ${String(node.index)}`);
        kinds.push('f');
        return;
      case 'scalar':
        if (!Number.isInteger(node.index) || node.index < 0 || node.index >= scalars)
          fail(`${label}: scalar index must be an integer in [0, ${scalars}), got ${String(node.index)}`);
        kinds.push('f');
        return;
      case 'const':
        if (typeof node.value !== 'number') fail(`${label}: a const needs a number value, got ${typeof node.value}`);
        kinds.push('f');
        return;
      case 'unary':
        if (!UNARY.has(node.fn)) fail(`${label}: unknown unary op '${String(node.fn)}' (expected one of ${UNARY_OPS.join(', ')})`);
        operand(node.x, 'x', 'f');
        kinds.push('f');
        return;
      case 'binary':
        if (!BINARY.has(node.fn)) fail(`${label}: unknown binary op '${String(node.fn)}' (expected one of ${BINARY_OPS.join(', ')})`);
        operand(node.a, 'a', 'f');
        operand(node.b, 'b', 'f');
        kinds.push('f');
        return;
      case 'compare':
        if (!COMPARE.has(node.fn)) fail(`${label}: unknown comparison '${String(node.fn)}' (expected one of ${COMPARE_OPS.join(', ')})`);
        operand(node.a, 'a', 'f');
        operand(node.b, 'b', 'f');
        kinds.push('c');
        return;
      case 'where':
        operand(node.cond, 'cond', 'c');
        operand(node.a, 'a', 'f');
        operand(node.b, 'b', 'f');
        usedAsCond.add(node.cond);
        kinds.push('f');
        return;
      default:
        fail(
          `program node ${i}: unknown op '${String((node as { op?: unknown } | undefined)?.op)}' (expected input, scalar, const, unary, binary, compare or where)`,
        );
    }
  });
  outputs.forEach((o: number, k: number) => {
    if (!Number.isInteger(o) || o < 0 || o >= nodes.length)
      fail(`output ${k} names node ${String(o)}, outside the program's ${nodes.length} nodes`);
    if (kinds[o] !== 'f') fail(`output ${k} names node ${o} (${describeNode(nodes[o])}); outputs must be float nodes, not comparisons`);
  });
  checked.add(program);
}

/**
 * Checks the groups of a program run: an array of groups, each with `program.inputs` tensors of
 * one shape and one float dtype and `program.scalars` numbers (any number: NaN and infinities are
 * values too). Ownership and liveness are the backend's to check. Throws `InvalidArgumentError`,
 * `ShapeError` or `DTypeError` naming the group and the input.
 *
 * @param program - The (checked) program.
 * @param groups - The groups.
 * @param where - Where the check happens, for the error message.
 *
 * @example
 * ```ts
 * checkProgramGroups(program, [{ inputs: [p, g], scalars: [0.1] }], 'cpu.runProgram');
 * ```
 */
export function checkProgramGroups(program: ElementwiseProgram, groups: readonly ProgramGroup<Tensor>[], where: string): void {
  if (!Array.isArray(groups)) throw new InvalidArgumentError(`${where}: expected an array of groups, got ${typeof groups}`);
  // (loops, not closures: this runs on every optimizer step, for every parameter)
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi];
    if (g === null || typeof g !== 'object' || !Array.isArray(g.inputs) || !Array.isArray(g.scalars)) {
      throw new InvalidArgumentError(`${where}: group ${gi} must be { inputs: Tensor[], scalars: number[] }`);
    }
    if (g.inputs.length !== program.inputs) {
      throw new InvalidArgumentError(`${where}: group ${gi} has ${g.inputs.length} tensor inputs but the program takes ${program.inputs}`);
    }
    if (g.scalars.length !== program.scalars) {
      throw new InvalidArgumentError(`${where}: group ${gi} has ${g.scalars.length} scalars but the program takes ${program.scalars}`);
    }
    for (let si = 0; si < g.scalars.length; si++) {
      const v: unknown = g.scalars[si];
      if (typeof v !== 'number') throw new InvalidArgumentError(`${where}: group ${gi} scalar ${si} must be a number, got ${typeof v}`);
    }
    const first = g.inputs[0];
    for (let ti = 0; ti < g.inputs.length; ti++) {
      const t: Tensor = g.inputs[ti];
      if (!(t instanceof Tensor)) throw new InvalidArgumentError(`${where}: group ${gi} input ${ti} must be a Tensor, got ${typeof t}`);
      if (!isFloatDType(t.dtype)) throw new DTypeError(`${where}: group ${gi} input ${ti} must be float32 or float64, got ${t}`);
      if (t.dtype !== first.dtype)
        throw new DTypeError(`${where}: group ${gi} mixes dtypes: input 0 is ${first.dtype}, input ${ti} is ${t.dtype}`);
      if (!shapesEqual(t.shape, first.shape)) {
        throw new ShapeError(
          `${where}: group ${gi} mixes shapes: input 0 has shape ${fmtShape(first.shape)}, input ${ti} has ${fmtShape(t.shape)}`,
        );
      }
    }
  }
}

/** A short description of a node for error messages, such as `binary mul` or `input 2`. */
export function describeNode(node: ProgramNode | undefined): string {
  if (node === undefined || node === null || typeof node !== 'object') return String(node);
  switch (node.op) {
    case 'input':
    case 'scalar':
      return `${node.op} ${String(node.index)}`;
    case 'const':
      return `const ${String(node.value)}`;
    case 'unary':
    case 'binary':
    case 'compare':
      return `${node.op} ${String(node.fn)}`;
    case 'where':
      return 'where';
    default:
      return `op ${String((node as { op?: unknown }).op)}`;
  }
}
