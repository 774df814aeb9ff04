import {
  InvalidArgumentError,
  Tensor,
  type ArgReduceOp,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type ConvParams,
  type DType,
  type PrimitiveName,
  type ReduceOp,
  type ReduceWindowOp,
  type ReduceWindowParams,
  type Shape,
  type UnaryOp,
} from '@downhill/backend';

/** Parameters of the primitives that take more than tensors; the others take none. */
export interface PrimitiveParamTable {
  cast: { readonly dtype: DType };
  reshape: { readonly shape: Shape };
  transpose: { readonly perm: readonly number[] };
  broadcastTo: { readonly shape: Shape };
  slice: { readonly begin: readonly number[]; readonly size: readonly number[] };
  pad: { readonly paddings: readonly (readonly [number, number])[]; readonly value: number };
  concat: { readonly axis: number };
  gather: { readonly axis: number };
  scatterAdd: { readonly axis: number; readonly size: number };
  matmul: { readonly transposeA: boolean; readonly transposeB: boolean };
  conv: ConvParams;
  reduceWindow: ReduceWindowParams & { readonly op: ReduceWindowOp };
}

/** Parameters of a reduction: normalised, sorted axes. */
export interface ReduceParams {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** Parameters of an arg-reduction: one normalised axis. */
export interface ArgReduceParams {
  readonly axis: number;
}

/** No parameters. */
export type NoParams = Readonly<Record<string, never>>;

/** The parameters a primitive is recorded with (complete and normalised, so rules need no defaults). */
export type ParamsOf<P extends PrimitiveName> = P extends ReduceOp
  ? ReduceParams
  : P extends ArgReduceOp
    ? ArgReduceParams
    : P extends keyof PrimitiveParamTable
      ? PrimitiveParamTable[P]
      : NoParams;

/** Operands as the backend sees them: tensors with every level of tracing removed, or numbers. */
export type RawOperand = Tensor | number;

type Impl<P extends PrimitiveName> = (prim: P, args: readonly RawOperand[], params: ParamsOf<P>) => Tensor;

function backendOf(args: readonly RawOperand[], prim: string): Backend {
  for (const a of args) if (a instanceof Tensor) return a.backend;
  throw new InvalidArgumentError(`${prim}: at least one operand must be a tensor, got only numbers`);
}

const t = (x: RawOperand, prim: string): Tensor => {
  if (!(x instanceof Tensor)) throw new InvalidArgumentError(`${prim}: expected a tensor operand, got ${typeof x} ${String(x)}`);
  return x;
};

const unary: Impl<UnaryOp> = (prim, [x]) => t(x, prim).backend.unary(prim, t(x, prim));
const binary: Impl<BinaryOp> = (prim, [a, b]) => backendOf([a, b], prim).binary(prim, a, b);
const compare: Impl<CompareOp> = (prim, [a, b]) => backendOf([a, b], prim).compare(prim, a, b);
const reduce: Impl<ReduceOp> = (prim, [x], { axes, keepDims }) => t(x, prim).backend.reduce(prim, t(x, prim), axes, keepDims);
const argReduce: Impl<ArgReduceOp> = (prim, [x], { axis }) => t(x, prim).backend.argReduce(prim, t(x, prim), axis);

/**
 * How each primitive runs on a backend once every level of tracing is removed. Keyed by
 * `PrimitiveName`, so a primitive added to the interface fails to compile here until it runs.
 * @internal
 */
export const IMPLS: { readonly [P in PrimitiveName]: Impl<P> } = {
  neg: unary,
  abs: unary,
  sign: unary,
  square: unary,
  sqrt: unary,
  rsqrt: unary,
  reciprocal: unary,
  exp: unary,
  expm1: unary,
  log: unary,
  log1p: unary,
  sin: unary,
  cos: unary,
  tanh: unary,
  erf: unary,
  floor: unary,
  ceil: unary,
  round: unary,
  add: binary,
  sub: binary,
  mul: binary,
  div: binary,
  pow: binary,
  maximum: binary,
  minimum: binary,
  equal: compare,
  notEqual: compare,
  less: compare,
  lessEqual: compare,
  greater: compare,
  greaterEqual: compare,
  sum: reduce,
  max: reduce,
  min: reduce,
  argmax: argReduce,
  argmin: argReduce,
  where: (prim, [c, a, b]) => t(c, prim).backend.where(t(c, prim), a, b),
  cast: (prim, [x], { dtype }) => t(x, prim).backend.cast(t(x, prim), dtype),
  reshape: (prim, [x], { shape }) => t(x, prim).backend.reshape(t(x, prim), shape),
  transpose: (prim, [x], { perm }) => t(x, prim).backend.transpose(t(x, prim), perm),
  broadcastTo: (prim, [x], { shape }) => t(x, prim).backend.broadcastTo(t(x, prim), shape),
  slice: (prim, [x], { begin, size }) => t(x, prim).backend.slice(t(x, prim), begin, size),
  pad: (prim, [x], { paddings, value }) => t(x, prim).backend.pad(t(x, prim), paddings, value),
  concat: (prim, xs, { axis }) =>
    t(xs[0], prim).backend.concat(
      xs.map((x) => t(x, prim)),
      axis,
    ),
  gather: (prim, [x, i], { axis }) => t(x, prim).backend.gather(t(x, prim), t(i, prim), axis),
  scatterAdd: (prim, [u, i], { axis, size }) => t(u, prim).backend.scatterAdd(t(u, prim), t(i, prim), axis, size),
  matmul: (prim, [a, b], { transposeA, transposeB }) => t(a, prim).backend.matmul(t(a, prim), t(b, prim), { transposeA, transposeB }),
  conv: (prim, [a, b], p) => t(a, prim).backend.conv(t(a, prim), t(b, prim), p),
  reduceWindow: (prim, [x], { op, windowShape, strides, padding, lhsDilation, rhsDilation }) =>
    t(x, prim).backend.reduceWindow(op, t(x, prim), {
      windowShape,
      strides,
      padding,
      baseDilation: lhsDilation,
      windowDilation: rhsDilation,
    }),
};
