import type { BinaryOp, CompareOp, UnaryOp } from './ops.js';

/**
 * One node of an {@link ElementwiseProgram}. Operands name earlier nodes by their index in
 * `program.nodes`, so a program is a DAG in topological order.
 *
 * - `input`: element `i` of the group's tensor input `index` (every input of a group has one shape
 *   and one float dtype).
 * - `scalar`: the group's host scalar `index` (the same value for every element: a hyperparameter,
 *   a bias correction, a schedule's value, a global norm read back from a reduction).
 * - `const`: a literal baked into the program (prefer `scalar` for anything that changes between
 *   calls, so the compiled program is reused).
 * - `unary`, `binary`: the backend's elementwise math, with the primitives' semantics.
 * - `compare`: a boolean; usable only as the `cond` of a `where`.
 * - `where`: `cond ? a : b`.
 *
 * @example
 * ```ts
 * // m' = b1·m + (1 − b1)·g, with b1 and (1 − b1) as scalars 0 and 1
 * const nodes: ProgramNode[] = [
 *   { op: 'input', index: 0 },             // 0: g
 *   { op: 'input', index: 1 },             // 1: m
 *   { op: 'scalar', index: 0 },            // 2: b1
 *   { op: 'scalar', index: 1 },            // 3: 1 − b1
 *   { op: 'binary', fn: 'mul', a: 1, b: 2 },
 *   { op: 'binary', fn: 'mul', a: 0, b: 3 },
 *   { op: 'binary', fn: 'add', a: 4, b: 5 },
 * ];
 * ```
 */
export type ProgramNode =
  | { readonly op: 'input'; readonly index: number }
  | { readonly op: 'scalar'; readonly index: number }
  | { readonly op: 'const'; readonly value: number }
  | { readonly op: 'unary'; readonly fn: UnaryOp; readonly x: number }
  | { readonly op: 'binary'; readonly fn: BinaryOp; readonly a: number; readonly b: number }
  | { readonly op: 'compare'; readonly fn: CompareOp; readonly a: number; readonly b: number }
  | { readonly op: 'where'; readonly cond: number; readonly a: number; readonly b: number };

/**
 * An elementwise program: a small expression DAG over same-shaped float tensors and host scalars,
 * built from the backend's own elementwise primitives, with one or more outputs. The waist knows
 * no optimizer by name: an optimizer step, an activation with its derivative, or any other
 * elementwise computation is a program.
 *
 * A backend whose `capabilities.programs` is true compiles a program once (keyed by its
 * structure) and runs it in one pass per tensor group; every other backend runs the same program
 * through its primitives (the composed interpretation), with the same results within the dtype's
 * rounding.
 *
 * @example
 * ```ts
 * const program: ElementwiseProgram = {
 *   inputs: 2, scalars: 1,
 *   nodes: [{ op: 'input', index: 0 }, { op: 'input', index: 1 }, { op: 'scalar', index: 0 },
 *           { op: 'binary', fn: 'mul', a: 1, b: 2 }, { op: 'binary', fn: 'sub', a: 0, b: 3 }],
 *   outputs: [4],                     // p − lr·u
 * };
 * ```
 */
export interface ElementwiseProgram {
  /** How many tensor inputs each group supplies. */
  readonly inputs: number;
  /** How many host scalars each group supplies. */
  readonly scalars: number;
  /** The DAG, in topological order. */
  readonly nodes: readonly ProgramNode[];
  /** The node computed into each output (a float node: not a `compare`). */
  readonly outputs: readonly number[];
}

/**
 * One set of operands of a program run: its tensors (all of one shape and one float dtype, in the
 * program's input order) and its host scalars. A run takes many groups at once (one per
 * parameter of a model, for an optimizer step), so a backend can cross into its kernels once.
 *
 * @example
 * ```ts
 * const group: ProgramGroup = { inputs: [param, update], scalars: [1e-3] };
 * ```
 */
export interface ProgramGroup<T = unknown> {
  /** The tensor inputs, `program.inputs` of them, one shape and one float dtype. */
  readonly inputs: readonly T[];
  /** The host scalars, `program.scalars` of them. */
  readonly scalars: readonly number[];
}

/**
 * Options of a program run.
 *
 * @example
 * ```ts
 * backend.runProgram(program, groups, { inPlace: [0, 2] }); // output 0 into input 0, output 1 into input 2
 * ```
 */
export interface RunProgramOptions {
  /**
   * For each output, the index of the input whose storage it overwrites, or `undefined` for a new
   * tensor. Honoured only where the backend can write in place and no other handle shares that
   * input's storage; elsewhere a new tensor comes back and the input is left as it was.
   */
  readonly inPlace?: readonly (number | undefined)[];
}
