/**
 * The composites over random shapes, axes and values (like the primitive rules in `rules.test.ts`):
 * logSumExp, softmax and logSoftmax, mean, variance and std over one or several axes (with and
 * without keepDims, negative axes), the L1 and L2 norms over axes, and the global norm of a tree.
 * For each, the gradient of `Σ w·op(x)` agrees with central finite differences in float64 (100
 * runs), and the Hessian of `Σ op(x)·(w₁ + w₂·op(x))` with finite differences of the gradient (25
 * runs). Shapes have at most 12 elements, so the whole file runs in seconds.
 */
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGrads, noGrad, ops, type TensorLike } from './index.js';

const backend = cpu();
type Shape = number[];
const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

interface Sample {
  shape: Shape;
  data: number[];
  /** The reduced axes (possibly negative; undefined for every axis), keepDims, and ddof. */
  axis: number[] | undefined;
  keepDims: boolean;
  ddof: 0 | 1;
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).filter((s) => size(s) <= 12);
const values = (n: number, lo: number, hi: number, gap = 0) =>
  fc.array(
    fc.double({ min: lo, max: hi, noNaN: true }).filter((v) => Math.abs(v) >= gap),
    { minLength: n, maxLength: n },
  );

/** A tensor and a reduction over a random subset of its axes (or all of them), random keepDims, ddof. */
const sampleArb = (lo = -3, hi = 3, gap = 0) =>
  shapeArb.chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      data: values(size(shape), lo, hi, gap),
      axis: fc.option(
        fc
          .tuple(
            fc.subarray(
              shape.map((_, i) => i),
              { minLength: 1 },
            ),
            fc.boolean(),
          )
          .map(([ax, neg]) => ax.map((a) => (neg ? a - shape.length : a))),
        { nil: undefined },
      ),
      keepDims: fc.boolean(),
      ddof: fc.constantFrom(0 as const, 1 as const),
    }),
  );

/** One axis (for softmax), possibly negative. */
const oneAxis = (s: Sample) => (s.axis ? s.axis[0] : -1);

/** The reduced axes' element count. */
const reducedCount = (s: Sample) =>
  s.axis ? s.axis.reduce((n, a) => n * s.shape[(a + s.shape.length) % s.shape.length], 1) : size(s.shape);

interface CompositeCase {
  readonly arb: fc.Arbitrary<Sample>;
  readonly apply: (x: TensorLike, s: Sample) => TensorLike;
}

const CASES: Record<string, CompositeCase> = {
  logSumExp: { arb: sampleArb(), apply: (x, s) => ops.logSumExp(x, { axis: s.axis, keepDims: s.keepDims }) },
  softmax: { arb: sampleArb(), apply: (x, s) => ops.softmax(x, { axis: oneAxis(s) }) },
  logSoftmax: { arb: sampleArb(), apply: (x, s) => ops.logSoftmax(x, { axis: oneAxis(s) }) },
  mean: { arb: sampleArb(), apply: (x, s) => ops.mean(x, { axis: s.axis, keepDims: s.keepDims }) },
  variance: {
    arb: sampleArb().filter((s) => reducedCount(s) > s.ddof),
    apply: (x, s) => ops.variance(x, { axis: s.axis, keepDims: s.keepDims, ddof: s.ddof }),
  },
  std: {
    // Distinct values at least 0.1 apart: every reduced group of two or more has a spread, so its
    // std stays away from the kink of √ at 0.
    arb: sampleArb()
      .chain((s) =>
        fc
          .uniqueArray(fc.integer({ min: -30, max: 30 }), { minLength: s.data.length, maxLength: s.data.length })
          .map((v) => ({ ...s, data: v.map((k) => k / 10 + 0.003) })),
      )
      .filter((s) => reducedCount(s) > Math.max(1, s.ddof)),
    apply: (x, s) => ops.std(x, { axis: s.axis, keepDims: s.keepDims, ddof: s.ddof }),
  },
  l2Norm: { arb: sampleArb(-3, 3, 0.2), apply: (x, s) => ops.l2Norm(x, { axis: s.axis, keepDims: s.keepDims }) },
  l1Norm: { arb: sampleArb(-3, 3, 0.05), apply: (x, s) => ops.l1Norm(x, { axis: s.axis, keepDims: s.keepDims }) },
  globalNorm: {
    // A tree of two leaves (the tensor and half of it): the norm of every leaf together.
    arb: sampleArb(-3, 3, 0.2),
    apply: (x) => ops.globalNorm({ a: x, b: { c: ops.mul(x, 0.5) } }),
  },
};

/** Deterministic weights in [−1, −0.25] ∪ [0.25, 1]. */
function weights(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    return u < 0.5 ? -1 + 1.5 * u : 0.25 + 1.5 * (u - 0.5);
  });
}

async function check(c: CompositeCase, s: Sample, seed: number, order: 1 | 2): Promise<void> {
  const before = backend.memory().tensors;
  const x = backend.tensor(s.data, s.shape, 'float64');
  const shape = noGrad(() => backend.scope(() => c.apply(x, s).shape));
  const w1 = backend.tensor(weights(size([...shape]), seed), shape, 'float64');
  const w2 = backend.tensor(weights(size([...shape]), seed + 1), shape, 'float64');
  const f =
    order === 1
      ? (p: TensorLike) => ops.sum(ops.mul(c.apply(p, s), w1))
      : (p: TensorLike) => {
          const y = c.apply(p, s);
          return ops.sum(ops.mul(y, ops.add(w1, ops.mul(w2, y))));
        };
  try {
    await checkGrads(f, x as Tensor, { order, eps: 1e-6, rtol: 1e-5, atol: 1e-7 });
  } finally {
    backend.dispose([x, w1, w2]);
  }
  expect(backend.memory().tensors).toBe(before);
}

describe('composite gradients over random shapes and axes (float64)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: gradients match finite differences (100 runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(c.arb, fc.integer(), (s, seed) => check(c, s, seed, 1)),
        { numRuns: 100 },
      );
    });
    it(`${name}: second derivatives match finite differences of gradients (25 runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(c.arb, fc.integer(), (s, seed) => check(c, s, seed, 2)),
        { numRuns: 25 },
      );
    });
  }
});
