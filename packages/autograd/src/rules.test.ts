/**
 * One property test per derivative rule: on random shapes (broadcasts and size-1 axes included)
 * and random values kept away from the points where the primitive is not differentiable, the
 * analytic gradient of `Σ w·op(x)` agrees with central finite differences in float64 (100 runs),
 * and, for every rule with a non-zero derivative, the Hessian of `Σ op(x)·(w₁ + w₂·op(x))` agrees
 * with finite differences of the gradient. fast-check prints the seed and path of a failure;
 * replay one with `fc.assert(..., { seed, path })`.
 */
import {
  BINARY_OPS,
  COMPARE_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  isFloatDType,
  type DType,
  type ConvOptions,
  type PrimitiveName,
  type ReduceWindowOp,
  type ReduceWindowOptions,
  type Tensor,
} from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGrads, noGrad, ops, valueAndGrad, VJP_RULES, type TensorLike } from './index.js';
import { convCase, reduceWindowCase } from './test-helpers.js';

const backend = cpu();

// ------------------------------------------------------------------ arbitraries

type Shape = number[];
type Inputs = Record<string, { shape: Shape; data: number[] }>;
type Extra = Record<string, unknown>;
interface Sample {
  inputs: Inputs;
  extra: Extra;
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
const shapeArb = (minRank = 0, maxRank = 3, maxSize = 12) =>
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: minRank, maxLength: maxRank }).filter((s) => size(s) <= maxSize);

/** Values in `[lo, hi]`, optionally with |x| ≥ `gap` (away from 0) and fractional parts avoiding `avoid`. */
const valueArb = ({ lo = -2, hi = 2, gap = 0 }: { lo?: number; hi?: number; gap?: number } = {}) =>
  fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).filter((v) => Math.abs(v) >= gap);

const dataArb = (shape: Shape, values = valueArb()) => fc.array(values, { minLength: size(shape), maxLength: size(shape) });

/** Distinct values at least 0.1 apart (no ties for max/min/argmax), in [−2, 2]. */
const distinctArb = (shape: Shape) =>
  fc
    .uniqueArray(fc.integer({ min: -20, max: 20 }), { minLength: size(shape), maxLength: size(shape) })
    .map((xs) => xs.map((v) => v / 10 + 0.003));

/** A shape that broadcasts to `out`: some leading axes dropped, some axes set to 1. */
const broadcastFrom = (out: Shape) =>
  fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.map((d, i) => (ones[i] ? 1 : d)).slice(drop));

const tensorIn = (shape: Shape, values = valueArb()) => dataArb(shape, values).map((data) => ({ shape, data }));

/** One tensor input `x`. */
const unaryCase = (values = valueArb()) =>
  shapeArb()
    .chain((s) => tensorIn(s, values))
    .map((x) => ({ inputs: { x }, extra: {} }));

/** Inputs `a` and `b` broadcasting against each other; `ok` filters elementwise pairs. */
const binaryCase = (va = valueArb(), vb = valueArb(), ok?: (a: number, b: number) => boolean) =>
  shapeArb()
    .chain((out) => fc.tuple(broadcastFrom(out), broadcastFrom(out)))
    .chain(([sa, sb]) => fc.tuple(tensorIn(sa, va), tensorIn(sb, vb)))
    .filter(([a, b]) => !ok || pairs(a, b).every(([x, y]) => ok(x, y)))
    .map(([a, b]) => ({ inputs: { a, b }, extra: {} }));

/** Every broadcast pair of elements of two tensors. */
function pairs(a: { shape: Shape; data: number[] }, b: { shape: Shape; data: number[] }): [number, number][] {
  const n = Math.max(a.shape.length, b.shape.length);
  const pa = [...Array(n - a.shape.length).fill(1), ...a.shape];
  const pb = [...Array(n - b.shape.length).fill(1), ...b.shape];
  const out = pa.map((d, i) => Math.max(d, pb[i]));
  const at = (t: { data: number[] }, shape: Shape, idx: number[]) =>
    t.data[idx.reduce((f, v, i) => f * shape[i] + (shape[i] === 1 ? 0 : v), 0)];
  const res: [number, number][] = [];
  for (let k = 0; k < size(out); k++) {
    const idx = out.map((_, i) => Math.floor(k / size(out.slice(i + 1))) % out[i]);
    res.push([at(a, pa, idx), at(b, pb, idx)]);
  }
  return res;
}

/** A tensor and a reduction: random axes (possibly none, possibly negative) and keepDims. */
const reduceCase = (values: (s: Shape) => fc.Arbitrary<number[]>) =>
  shapeArb(1)
    .chain((s) =>
      fc.tuple(
        values(s).map((data) => ({ shape: s, data })),
        fc.subarray(s.map((_, i) => i)),
        fc.boolean(),
        fc.boolean(),
      ),
    )
    .map(([x, axes, keepDims, negative]) => ({
      inputs: { x },
      extra: { axis: axes.length === 0 ? undefined : axes.map((a) => (negative ? a - x.shape.length : a)), keepDims },
    }));

// ------------------------------------------------------------------ the cases

interface RuleCase {
  /** Random inputs (differentiated, float64) and extra arguments. */
  readonly arb: fc.Arbitrary<Sample>;
  /** The primitive applied to traced inputs. */
  readonly apply: (x: Record<string, TensorLike>, extra: Extra) => TensorLike;
  /** Whether the second-order check runs (false for rules with zero gradient). Default true. */
  readonly order2?: boolean;
  /** Inputs for the second-order check where they differ from `arb`. */
  readonly arb2?: fc.Arbitrary<Sample>;
  readonly tol?: { eps?: number; rtol?: number; atol?: number };
  /** Runs of the second-order check (default 25). */
  readonly runs2?: number;
}

const int32 = (data: number[], shape: Shape) => backend.tensor(data, shape, 'int32');
const unary = (op: (x: TensorLike) => TensorLike, values = valueArb(), more: Partial<RuleCase> = {}): RuleCase => ({
  arb: unaryCase(values),
  apply: (x) => op(x.x),
  ...more,
});
const binary = (op: (a: TensorLike, b: TensorLike) => TensorLike, arb = binaryCase(), more: Partial<RuleCase> = {}): RuleCase => ({
  arb,
  apply: (x) => op(x.a, x.b),
  ...more,
});
const noTies = (a: number, b: number) => Math.abs(a - b) > 0.05;
const compare = (op: (a: TensorLike, b: TensorLike) => TensorLike): RuleCase =>
  binary(op, binaryCase(valueArb(), valueArb(), noTies), { order2: false });
const frac = (v: number) => v - Math.floor(v);

/** The case of every rule in the table; the key type makes a missing case a compile error too. */
const CASES: { readonly [P in PrimitiveName]: RuleCase } = {
  neg: unary(ops.neg),
  abs: unary(ops.abs, valueArb({ gap: 0.05 })),
  sign: unary(ops.sign, valueArb({ gap: 0.05 }), { order2: false }),
  square: unary(ops.square),
  sqrt: unary(ops.sqrt, valueArb({ lo: 0.2, hi: 3 })),
  rsqrt: unary(ops.rsqrt, valueArb({ lo: 0.2, hi: 3 })),
  reciprocal: unary(ops.reciprocal, valueArb({ gap: 0.3 })),
  exp: unary(ops.exp),
  expm1: unary(ops.expm1),
  log: unary(ops.log, valueArb({ lo: 0.2, hi: 3 })),
  log1p: unary(ops.log1p, valueArb({ lo: -0.7, hi: 3 })),
  sin: unary(ops.sin, valueArb({ lo: -4, hi: 4 })),
  cos: unary(ops.cos, valueArb({ lo: -4, hi: 4 })),
  tanh: unary(ops.tanh),
  erf: unary(ops.erf),
  floor: unary(
    ops.floor,
    valueArb({ lo: -3, hi: 3 }).filter((v) => frac(v) > 0.05 && frac(v) < 0.95),
    { order2: false },
  ),
  ceil: unary(
    ops.ceil,
    valueArb({ lo: -3, hi: 3 }).filter((v) => frac(v) > 0.05 && frac(v) < 0.95),
    { order2: false },
  ),
  round: unary(
    ops.round,
    valueArb({ lo: -3, hi: 3 }).filter((v) => Math.abs(frac(v) - 0.5) > 0.05),
    { order2: false },
  ),

  add: binary(ops.add),
  sub: binary(ops.sub),
  mul: binary(ops.mul),
  div: binary(ops.div, binaryCase(valueArb(), valueArb({ gap: 0.3 }))),
  pow: {
    // Three domains: positive bases with any exponent; bases that include exact zeros with integer
    // exponents ≥ 1 (both inputs differentiated: 0^y is 0 near such y); and any base, zero and
    // negative included, raised to a constant integer exponent (d/dy is not real at x < 0).
    arb: fc.oneof(
      binaryCase(valueArb({ lo: 0.3, hi: 2 }), valueArb({ lo: -2, hi: 2 })),
      binaryCase(fc.oneof(fc.constant(0), valueArb({ lo: 0.3, hi: 2 })), fc.integer({ min: 1, max: 3 })),
      fc.integer({ min: -2, max: 3 }).chain((k) =>
        unaryCase(fc.oneof(fc.constant(0), valueArb({ lo: -2, hi: 2 })))
          .filter((u) => k >= 0 || u.inputs.x.data.every((v) => Math.abs(v) >= 0.3))
          .map((u) => ({ inputs: { a: u.inputs.x }, extra: { k } })),
      ),
    ),
    // At x = 0 the mixed second derivative ∂²(x^y)/∂x∂y does not exist (0^(y−1) jumps from 0 to ∞
    // as y crosses 1); the second-order check keeps to where it does.
    arb2: fc.oneof(
      binaryCase(valueArb({ lo: 0.3, hi: 2 }), valueArb({ lo: -2, hi: 2 })),
      fc.integer({ min: -2, max: 3 }).chain((k) =>
        unaryCase(fc.oneof(fc.constant(0), valueArb({ lo: -2, hi: 2 })))
          .filter((u) => k >= 0 || u.inputs.x.data.every((v) => Math.abs(v) >= 0.3))
          .map((u) => ({ inputs: { a: u.inputs.x }, extra: { k } })),
      ),
    ),
    apply: (x, e) => (e.k === undefined ? ops.pow(x.a, x.b) : ops.pow(x.a, e.k as number)),
  },
  maximum: binary(ops.maximum, binaryCase(valueArb(), valueArb(), noTies)),
  minimum: binary(ops.minimum, binaryCase(valueArb(), valueArb(), noTies)),

  equal: compare(ops.equal),
  notEqual: compare(ops.notEqual),
  less: compare(ops.less),
  lessEqual: compare(ops.lessEqual),
  greater: compare(ops.greater),
  greaterEqual: compare(ops.greaterEqual),

  sum: { arb: reduceCase((s) => dataArb(s)), apply: (x, e) => ops.sum(x.x, e) },
  max: { arb: reduceCase(distinctArb), apply: (x, e) => ops.max(x.x, e) },
  min: { arb: reduceCase(distinctArb), apply: (x, e) => ops.min(x.x, e) },
  argmax: {
    arb: shapeArb(1).chain((s) =>
      fc
        .tuple(distinctArb(s), fc.integer({ min: -s.length, max: s.length - 1 }))
        .map(([data, axis]) => ({ inputs: { x: { shape: s, data } }, extra: { axis } })),
    ),
    apply: (x, e) => ops.argmax(x.x, e.axis as number),
    order2: false,
  },
  argmin: {
    arb: shapeArb(1).chain((s) =>
      fc
        .tuple(distinctArb(s), fc.integer({ min: -s.length, max: s.length - 1 }))
        .map(([data, axis]) => ({ inputs: { x: { shape: s, data } }, extra: { axis } })),
    ),
    apply: (x, e) => ops.argmin(x.x, e.axis as number),
    order2: false,
  },

  where: {
    arb: shapeArb()
      .chain((out) => fc.tuple(broadcastFrom(out), broadcastFrom(out), broadcastFrom(out)))
      .chain(([sc, sa, sb]) =>
        fc
          .tuple(dataArb(sc, valueArb({ gap: 0.05 })), tensorIn(sa), tensorIn(sb))
          .map(([c, a, b]) => ({ inputs: { a, b }, extra: { c, sc } })),
      ),
    apply: (x, e) => ops.where(ops.greater(backend.tensor(e.c as number[], e.sc as Shape, 'float64'), 0), x.a, x.b),
  },
  cast: {
    // float64 → float32 → float64 (the gradient casts back), and float64 → int32 (no gradient).
    arb: fc
      .tuple(
        unaryCase(valueArb({ lo: -3, hi: 3 }).filter((v) => frac(v) > 0.05 && frac(v) < 0.95)),
        fc.constantFrom<DType>('float32', 'int32'),
      )
      .map(([s, to]) => ({ ...s, extra: { to } })),
    apply: (x, e) => ops.cast(ops.mul(ops.cast(x.x, e.to as DType), 1), 'float64'),
    // float32 rounding (~1e-7) over a step of 1e-2: the finite difference is good to ~1e-5.
    tol: { eps: 1e-2, rtol: 1e-4, atol: 1e-4 },
  },
  reshape: {
    arb: unaryCase().chain((s) => {
      const sh = s.inputs.x.shape;
      return fc
        .constantFrom<Shape>([-1], [...sh].reverse(), [1, ...sh], [...sh, 1], [size(sh)], sh.length > 1 ? [sh[0], -1] : [-1, 1])
        .map((to) => ({ ...s, extra: { to } }));
    }),
    apply: (x, e) => ops.reshape(x.x, e.to as Shape),
  },
  transpose: {
    arb: unaryCase().chain((s) => {
      const r = s.inputs.x.shape.length;
      const idx = Array.from({ length: r }, (_, i) => i);
      return fc
        .option(fc.shuffledSubarray(idx, { minLength: r, maxLength: r }))
        .map((perm) => ({ ...s, extra: { perm: perm ?? undefined } }));
    }),
    apply: (x, e) => ops.transpose(x.x, e.perm as number[] | undefined),
  },
  broadcastTo: {
    arb: shapeArb().chain((out) =>
      broadcastFrom(out)
        .chain((s) => tensorIn(s))
        .map((x) => ({ inputs: { x }, extra: { out } })),
    ),
    apply: (x, e) => ops.broadcastTo(x.x, e.out as Shape),
  },
  slice: {
    arb: unaryCase().chain((s) => {
      const sh = s.inputs.x.shape;
      return fc
        .tuple(
          ...sh.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: -1, max: d - b })))),
        )
        .map((bs) => ({ ...s, extra: { begin: bs.map(([b]) => b), size: bs.map(([, n]) => n) } }));
    }),
    apply: (x, e) => ops.slice(x.x, e.begin as number[], e.size as number[]),
  },
  pad: {
    arb: unaryCase().chain((s) =>
      fc
        .tuple(
          fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: s.inputs.x.shape.length, maxLength: s.inputs.x.shape.length }),
          valueArb(),
        )
        .map(([paddings, value]) => ({ ...s, extra: { paddings, value } })),
    ),
    apply: (x, e) => ops.pad(x.x, e.paddings as [number, number][], e.value as number),
  },
  concat: {
    arb: shapeArb(1, 3, 6)
      .chain((s) =>
        fc.tuple(
          fc.constant(s),
          fc.integer({ min: 0, max: s.length - 1 }),
          fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 3 }),
          fc.boolean(),
        ),
      )
      .chain(([s, axis, dims, negative]) =>
        fc.tuple(...dims.map((d) => tensorIn(s.map((v, i) => (i === axis ? d : v))))).map((xs) => ({
          inputs: Object.fromEntries(xs.map((x, i) => [`x${i}`, x])),
          extra: { axis: negative ? axis - s.length : axis },
        })),
      ),
    apply: (x, e) => ops.concat(Object.values(x), e.axis as number),
  },
  gather: {
    arb: unaryCase()
      .filter((s) => s.inputs.x.shape.length > 0)
      .chain((s) => {
        const sh = s.inputs.x.shape;
        return fc
          .integer({ min: 0, max: sh.length - 1 })
          .chain((axis) =>
            shapeArb(0, 2, 4).chain((is) =>
              dataArb(is, fc.integer({ min: 0, max: sh[axis] - 1 })).map((idx) => ({ ...s, extra: { axis, idx, is } })),
            ),
          );
      }),
    apply: (x, e) => ops.gather(x.x, int32(e.idx as number[], e.is as Shape), e.axis as number),
  },
  scatterAdd: {
    arb: fc.tuple(shapeArb(0, 1, 3), shapeArb(0, 2, 4), shapeArb(0, 1, 3), fc.integer({ min: 1, max: 3 })).chain(([pre, is, post, n]) =>
      fc.tuple(tensorIn([...pre, ...is, ...post]), dataArb(is, fc.integer({ min: 0, max: n - 1 }))).map(([u, idx]) => ({
        inputs: { u },
        extra: { idx, is, axis: pre.length, n },
      })),
    ),
    apply: (x, e) => ops.scatterAdd(x.u, int32(e.idx as number[], e.is as Shape), e.axis as number, e.n as number),
  },
  matmul: {
    arb: fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        shapeArb(0, 1, 2),
        fc.boolean(),
        fc.boolean(),
      )
      .chain(([m, k, n, batch, tA, tB]) =>
        fc.tuple(broadcastFrom(batch), broadcastFrom(batch)).chain(([ba, bb]) =>
          fc.tuple(tensorIn([...ba, ...(tA ? [k, m] : [m, k])]), tensorIn([...bb, ...(tB ? [n, k] : [k, n])])).map(([a, b]) => ({
            inputs: { a, b },
            extra: { tA, tB },
          })),
        ),
      ),
    apply: (x, e) => ops.matmul(x.a, x.b, { transposeA: e.tA as boolean, transposeB: e.tB as boolean }),
  },
  // Random 1-D and 2-D convolutions: strides, SAME/VALID/explicit (negative too) padding, input
  // and kernel dilation, feature and batch groups; 100 configurations at each order.
  conv: {
    arb: convCase(),
    apply: (x, e) => ops.conv(x.lhs, x.rhs, e.options as ConvOptions),
    runs2: 100,
  },
  // Random windowed sums and maxima over every axis (distinct values: no ties), with strides,
  // padding, base and window dilation; 100 configurations at each order.
  reduceWindow: {
    arb: reduceWindowCase(),
    apply: (x, e) => ops.reduceWindow(e.op as ReduceWindowOp, x.x, e.options as ReduceWindowOptions),
    runs2: 100,
  },
};

// ------------------------------------------------------------------ the checks

/** Deterministic weights in [−1, −0.25] ∪ [0.25, 1] (never near 0, so no element is ignored). */
function weights(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    return u < 0.5 ? -1 + 1.5 * u : 0.25 + 1.5 * (u - 0.5);
  });
}

const asFloat = (y: TensorLike) => (isFloatDType(y.dtype) ? (y.dtype === 'float64' ? y : ops.cast(y, 'float64')) : ops.cast(y, 'float64'));

async function checkRule(c: RuleCase, sample: Sample, seed: number, order: 1 | 2): Promise<void> {
  const before = backend.memory().tensors;
  const x = Object.fromEntries(Object.entries(sample.inputs).map(([k, v]) => [k, backend.tensor(v.data, v.shape, 'float64')])) as Record<
    string,
    Tensor
  >;
  const shape = noGrad(() => backend.scope(() => c.apply(x, sample.extra).shape));
  const n = size([...shape]);
  const w1 = backend.tensor(weights(n, seed), shape, 'float64');
  const w2 = backend.tensor(weights(n, seed + 1), shape, 'float64');
  const f =
    order === 1
      ? (p: Record<string, TensorLike>) => ops.sum(ops.mul(asFloat(c.apply(p, sample.extra)), w1))
      : (p: Record<string, TensorLike>) => {
          const y = asFloat(c.apply(p, sample.extra));
          return ops.sum(ops.mul(y, ops.add(w1, ops.mul(w2, y))));
        };
  try {
    await checkGrads(f, x, { order, eps: 1e-6, rtol: 1e-6, atol: 1e-8, ...c.tol });
  } finally {
    backend.dispose([x, w1, w2]);
  }
  expect(backend.memory().tensors).toBe(before);
}

describe('derivative rules', () => {
  it('every rule in the table has a property test, and every primitive a rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(VJP_RULES).sort());
    const primitives = [
      ...UNARY_OPS,
      ...BINARY_OPS,
      ...COMPARE_OPS,
      ...REDUCE_OPS,
      'argmax',
      'argmin',
      'where',
      'cast',
      'reshape',
      'transpose',
      'broadcastTo',
      'slice',
      'pad',
      'concat',
      'gather',
      'scatterAdd',
      'matmul',
      'conv',
      'reduceWindow',
    ];
    expect(Object.keys(VJP_RULES).sort()).toEqual([...primitives].sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: gradients match finite differences`, async () => {
      await fc.assert(
        fc.asyncProperty(c.arb, fc.integer(), async (sample, seed) => checkRule(c, sample, seed, 1)),
        { numRuns: 100 },
      );
    });
    if (c.order2 !== false) {
      it(`${name}: second derivatives match finite differences of gradients`, async () => {
        await fc.assert(
          fc.asyncProperty(c.arb2 ?? c.arb, fc.integer(), async (sample, seed) => checkRule(c, sample, seed, 2)),
          { numRuns: c.runs2 ?? 25 },
        );
      });
    }
  }
});

describe('pow at base 0: the conventions of JAX (lax.pow: _pow_jvp_lhs, _pow_jvp_rhs)', () => {
  // JAX: ∂/∂x x^y = y·x^(y−1) with the exponent replaced by 1 where y = 0 (so 0 where y = 0), and
  // ∂/∂y x^y = log(x)·x^y with log's argument replaced by 1 where x = 0 (so 0 at x = 0). Where the
  // derivative is a limit (y ≥ 1 at x = 0) that limit is the value; where it is infinite it stays so.
  it.each([
    // x, y, ∂/∂x, ∂/∂y
    [0, 0, 0, 0],
    [0, 1, 1, 0],
    [0, 2, 0, 0],
    [0, 3, 0, 0],
    [0, 0.5, Infinity, 0],
    [-2, 0, 0, NaN],
    [-2, 2, -4, NaN],
  ])('x = %d, y = %d: ∂/∂x = %d, ∂/∂y = %d, never NaN where JAX has a number', (x, y, dx, dy) => {
    const before = backend.memory().tensors;
    const a = backend.tensor([x], [1], 'float64');
    const b = backend.tensor([y], [1], 'float64');
    const [value, g] = valueAndGrad((p: Record<string, TensorLike>) => ops.sum(ops.pow(p.a, p.b)))({ a, b });
    const unsigned = (v: number) => (v === 0 ? 0 : v); // −0 and +0 alike
    const got = [unsigned(backend.readSync(g.a as Tensor)[0]), unsigned(backend.readSync(g.b as Tensor)[0])];
    expect(got[0]).toBe(dx);
    expect(got[1]).toBe(dy);
    backend.dispose([a, b, value as Tensor, g.a as Tensor, g.b as Tensor]);
    // A constant exponent: the same ∂/∂x.
    const c = backend.tensor([x], [1], 'float64');
    const [v2, g2] = valueAndGrad((p: Record<string, TensorLike>) => ops.sum(ops.pow(p.c, y)))({ c });
    expect(unsigned(backend.readSync(g2.c as Tensor)[0])).toBe(dx);
    backend.dispose([c, v2 as Tensor, g2.c as Tensor]);
    expect(backend.memory().tensors).toBe(before);
  });
});
