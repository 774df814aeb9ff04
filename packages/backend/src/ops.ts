/**
 * The names of the primitive operations of the interface. Each union is closed: a table keyed by
 * one of them (a derivative rule per op, a kernel per op) fails to compile when an op is missing.
 */

/** Elementwise unary math. All keep shape and dtype; only `neg`, `abs`, `sign` and `square` accept `int32`. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'square'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round';

/** Every unary op, for tables of tests. */
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'abs',
  'sign',
  'square',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sin',
  'cos',
  'tanh',
  'erf',
  'floor',
  'ceil',
  'round',
];

/** Unary ops defined on `int32` as well as floats. */
export const INT_UNARY_OPS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square']);

/** Elementwise binary math with NumPy broadcasting; operands share a dtype. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

/** Every binary op, for tables of tests. */
export const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];

/** Binary ops defined on `int32` as well as floats (`div` and `pow` are float-only: cast first). */
export const INT_BINARY_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'sub', 'mul', 'maximum', 'minimum']);

/** Elementwise comparisons with broadcasting; the result is `bool`. */
export type CompareOp = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';

/** Every comparison, for tables of tests. */
export const COMPARE_OPS: readonly CompareOp[] = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];

/** Reductions over a set of axes. `max` and `min` of an empty set of elements is an error. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** Every reduction, for tables of tests. */
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min'];

/** Index of the largest or smallest element along one axis (`int32`; ties give the first index). */
export type ArgReduceOp = 'argmax' | 'argmin';

/** Every arg-reduction, for tables of tests. */
export const ARG_REDUCE_OPS: readonly ArgReduceOp[] = ['argmax', 'argmin'];

/**
 * Every primitive of the interface by name: the keys of a complete derivative table or kernel
 * table. Unary, binary, comparison and reduction ops are listed one by one.
 */
export type PrimitiveName =
  | UnaryOp
  | BinaryOp
  | CompareOp
  | ReduceOp
  | ArgReduceOp
  | 'where'
  | 'cast'
  | 'reshape'
  | 'transpose'
  | 'broadcastTo'
  | 'slice'
  | 'pad'
  | 'concat'
  | 'gather'
  | 'scatterAdd'
  | 'matmul'
  | 'conv'
  | 'reduceWindow';
