import { isFloatDType, reducedShape, type PrimitiveName, type ReduceOp, type UnaryOp } from '@downhill/backend';
import { add, cast, cos, div, equal, exp, greater, less, log, mul, neg, pow, sign, sin, square, sub, where } from './ops/elementwise.js';
import { broadcastTo, gather, matmul, pad, reshape, scatterAdd, slice, transpose } from './ops/layout.js';
import { sum } from './ops/reduce.js';
import { sumTo } from './ops/sum-to.js';
import type { ParamsOf } from './primitives.js';
import type { Operand, TensorLike } from './traced.js';
import { convLhsCotangent, convRhsCotangent, maxWindowCotangent, sumWindowCotangent } from './windowed-rules.js';

/** Computes one input's cotangent; called only for inputs that need a gradient. */
export type CotangentThunk = () => TensorLike;

/**
 * A vector-Jacobian rule: given the cotangent `ct` of a primitive's output, its operands and its
 * output (all one level down, so the rule's own ops are recorded by enclosing traces and the
 * backward pass is itself differentiable), returns for each operand a thunk computing its
 * cotangent, or `null` where no gradient flows (non-float operands, piecewise-constant ops).
 * A thunk may return a cotangent of the output's broadcast shape; the engine sums it down to the
 * operand's shape.
 */
export type VjpRule<P extends PrimitiveName> = (
  ct: TensorLike,
  args: readonly Operand[],
  out: TensorLike,
  params: ParamsOf<P>,
) => readonly (CotangentThunk | null)[];

const T = (x: Operand) => x as TensorLike;
const noGradient = (): readonly null[] => [null, null, null];
const elementwise =
  (d: (ct: TensorLike, x: TensorLike, out: TensorLike) => TensorLike): VjpRule<UnaryOp> =>
  (ct, [x], out) => [() => d(ct, T(x), out)];
const _minus1 = (b: Operand) => (typeof b === 'number' ? b - 1 : sub(b, 1));

/** `y − 1`, or 1 where `x = y = 0` (where `y·x^(y−1)` would be 0·∞). */
function powExponent(x: Operand, y: TensorLike): Operand {
  if (typeof x === 'number') return x === 0 ? where(equal(y, 0), 1, sub(y, 1)) : sub(y, 1);
  return where(equal(x, 0), where(equal(y, 0), 1, sub(y, 1)), sub(y, 1));
}

/** `ct` spread back over the axes a reduction removed (so it has the input's shape). */
function unreduce(ct: TensorLike, x: TensorLike, { axes, keepDims }: ParamsOf<ReduceOp>): TensorLike {
  const kept = keepDims ? ct : reshape(ct, reducedShape(x.shape, axes, true));
  return broadcastTo(kept, x.shape);
}

/** max/min: the cotangent goes to the elements equal to the extreme, shared equally among ties. */
const extremeRule: VjpRule<'max' | 'min'> = (ct, [xa], out, params) => {
  const x = T(xa);
  return [
    () => {
      const keep = reducedShape(x.shape, params.axes, true);
      const mask = cast(equal(x, params.keepDims ? out : reshape(out, keep)), x.dtype);
      const count = sum(mask, { axis: params.axes, keepDims: true });
      return div(mul(unreduce(ct, x, params), mask), count);
    },
  ];
};

/** maximum/minimum: the cotangent goes to the winning side, half to each at ties. */
const pickRule =
  (wins: typeof greater): VjpRule<'maximum' | 'minimum'> =>
  (ct, [a, b]) => {
    const share = (x: Operand, y: Operand) => () => where(wins(x, y), ct, where(equal(x, y), mul(ct, 0.5), 0));
    return [share(a, b), share(b, a)];
  };

/**
 * The derivative rules: one vector-Jacobian rule per primitive of the backend interface. The
 * mapped type makes a missing primitive a compile error. Rules use the differentiable ops, so
 * gradients of gradients work. Comparisons, arg-reductions, `sign`, `floor`, `ceil` and `round`
 * have no gradient, said explicitly.
 * @internal exported for the tests that check every rule.
 */
export const VJP_RULES: { readonly [P in PrimitiveName]: VjpRule<P> } = {
  neg: elementwise((ct) => neg(ct)),
  abs: elementwise((ct, x) => mul(ct, sign(x))),
  sign: noGradient,
  square: elementwise((ct, x) => mul(ct, mul(x, 2))),
  sqrt: elementwise((ct, _x, out) => div(mul(ct, 0.5), out)),
  rsqrt: elementwise((ct, x, out) => mul(ct, mul(div(out, x), -0.5))),
  reciprocal: elementwise((ct, _x, out) => neg(mul(ct, square(out)))),
  exp: elementwise((ct, _x, out) => mul(ct, out)),
  expm1: elementwise((ct, _x, out) => mul(ct, add(out, 1))),
  log: elementwise((ct, x) => div(ct, x)),
  log1p: elementwise((ct, x) => div(ct, add(x, 1))),
  sin: elementwise((ct, x) => mul(ct, cos(x))),
  cos: elementwise((ct, x) => neg(mul(ct, sin(x)))),
  tanh: elementwise((ct, _x, out) => mul(ct, sub(1, square(out)))),
  erf: elementwise((ct, x) => mul(ct, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))),
  floor: noGradient,
  ceil: noGradient,
  round: noGradient,

  add: (ct) => [() => ct, () => ct],
  sub: (ct) => [() => ct, () => neg(ct)],
  mul: (ct, [a, b]) => [() => mul(ct, b), () => mul(ct, a)],
  div: (ct, [, b], out) => [() => div(ct, b), () => neg(mul(ct, div(out, b)))],
  // As JAX's lax.pow: ∂/∂x = y·x^(y−1), with the exponent taken as 1 where x = y = 0 (so x^0 has
  // derivative 0 at x = 0, not 0·0⁻¹ = NaN); JAX replaces it wherever y = 0, which would make
  // the mixed second derivative at y = 0 wrong for x ≠ 0, so only the point x = 0 is patched here.
  // ∂/∂y = log(x)·x^y with log's argument taken as 1 where x = 0 (0^y is flat in y there: 0 for
  // y > 0). Negative bases give NaN for ∂/∂y, as in JAX.
  pow: (ct, [a, b], out) => [
    () => mul(ct, typeof b === 'number' ? (b === 0 ? 0 : mul(pow(a, b - 1), b)) : mul(b, pow(a, powExponent(a, b)))),
    () => mul(ct, mul(out, typeof a === 'number' ? (a === 0 ? 0 : Math.log(a)) : log(where(equal(a, 0), 1, a)))),
  ],
  maximum: pickRule(greater),
  minimum: pickRule(less),

  equal: noGradient,
  notEqual: noGradient,
  less: noGradient,
  lessEqual: noGradient,
  greater: noGradient,
  greaterEqual: noGradient,
  argmax: noGradient,
  argmin: noGradient,

  sum: (ct, [x], _out, params) => [() => unreduce(ct, T(x), params)],
  max: extremeRule,
  min: extremeRule,

  where: (ct, [cond]) => [null, () => where(T(cond), ct, 0), () => where(T(cond), 0, ct)],
  cast: (ct, [x]) => [isFloatDType(T(x).dtype) ? () => cast(ct, T(x).dtype) : null],
  reshape: (ct, [x]) => [() => reshape(ct, T(x).shape)],
  transpose: (ct, _args, _out, { perm }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [() => transpose(ct, inverse)];
  },
  broadcastTo: (ct, [x]) => [() => sumTo(ct, T(x).shape)],
  slice: (ct, [x], _out, { begin, size }) => [
    () =>
      pad(
        ct,
        begin.map((b, i) => [b, T(x).shape[i] - b - size[i]] as const),
      ),
  ],
  pad: (ct, [x], _out, { paddings }) => [
    () =>
      slice(
        ct,
        paddings.map((p) => p[0]),
        T(x).shape,
      ),
  ],
  concat: (ct, xs, _out, { axis }) => {
    let offset = 0;
    return xs.map((x) => {
      const begin = T(x).shape.map((_, i) => (i === axis ? offset : 0));
      offset += T(x).shape[axis];
      return () => slice(ct, begin, T(x).shape);
    });
  },
  gather: (ct, [x, indices], _out, { axis }) => [() => scatterAdd(ct, T(indices), axis, T(x).shape[axis]), null],
  scatterAdd: (ct, [, indices], _out, { axis }) => [() => gather(ct, T(indices), axis), null],
  matmul: (ct, [a, b], _out, { transposeA: tA, transposeB: tB }) => [
    // C = op(A)·op(B); ∂A = Ḡ·op(B)ᵀ (transposed back when A was), ∂B = op(A)ᵀ·Ḡ (likewise).
    () => (tA ? matmul(T(b), ct, { transposeA: tB, transposeB: true }) : matmul(ct, T(b), { transposeB: !tB })),
    () => (tB ? matmul(ct, T(a), { transposeA: true, transposeB: tA }) : matmul(T(a), ct, { transposeA: !tA })),
  ],
  // Both cotangents are convolutions again (see windowed-rules.ts), as in JAX.
  conv: (ct, [lhs, rhs], _out, params) => [
    () => convLhsCotangent(ct, T(rhs), T(lhs).shape, params),
    () => convRhsCotangent(ct, T(lhs), T(rhs).shape, params),
  ],
  reduceWindow: (ct, [x], _out, { op, ...params }) => [
    op === 'sum' ? () => sumWindowCotangent(ct, T(x).shape, params) : () => maxWindowCotangent(ct, T(x), params),
  ],
};
