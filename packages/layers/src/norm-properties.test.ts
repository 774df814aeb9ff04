/**
 * BatchNorm and LayerNorm over random shapes, axes, parameters and inputs (float64), like the
 * primitive rules: the gradient of `Σ w·y` with respect to the parameters and the input agrees with
 * central finite differences (100 runs), and the Hessian of `Σ y·(w₁ + w₂·y)` with finite
 * differences of the gradient (20 runs). BatchNorm in training mode differentiates through the
 * batch statistics (run with applyFunctional, so the running statistics stay as they were);
 * BatchNorm in evaluation mode through the running ones. Inputs are distinct values at least 0.1
 * apart, so every normalized group has a spread and its variance stays clear of ε.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { checkGrads, ops, type TensorLike } from '@downhill/autograd';
import { BatchNorm, LayerNorm, type Module, type Params } from './index.js';

const b = cpu();
const size = (s: number[]) => s.reduce((a, v) => a * v, 1);
const distinct = (n: number) =>
  fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: n, maxLength: n }).map((v) => v.map((k) => k / 10 + 0.003));
const around = (n: number, lo: number, hi: number) =>
  fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n });

interface NormSample {
  /** Builds the module (float64, initialized) and says how to run it. */
  make: () => { module: Module; training: boolean };
  x: { shape: number[]; data: number[] };
  /** Parameter values (gamma, beta), or none for a module without them. */
  gamma?: number[];
  beta?: number[];
  seed: number;
}

/** BatchNorm over `axis` of an input of rank 2 or 3 (batch first), in training or evaluation mode. */
const batchNormArb: fc.Arbitrary<NormSample> = fc
  .record({
    n: fc.integer({ min: 2, max: 4 }),
    c: fc.integer({ min: 1, max: 3 }),
    extra: fc.integer({ min: 0, max: 2 }),
    channelsLast: fc.boolean(),
    training: fc.boolean(),
    affine: fc.boolean(),
    seed: fc.integer(),
  })
  .chain(({ n, c, extra, channelsLast, training, affine, seed }) => {
    const shape = extra === 0 ? [n, c] : channelsLast ? [n, extra, c] : [n, c, extra];
    const axis = extra === 0 || channelsLast ? -1 : 1;
    return fc.record({
      make: fc.constant(() => ({ module: new BatchNorm(c, { axis, affine }).init(b, { seed: 0, dtype: 'float64' }) as Module, training })),
      x: distinct(size(shape)).map((data) => ({ shape, data })),
      gamma: affine ? around(c, -2, 2) : fc.constant(undefined),
      beta: affine ? around(c, -1, 1) : fc.constant(undefined),
      seed: fc.constant(seed),
    });
  });

/** LayerNorm over the last one or two axes of an input of rank 2 to 4. */
const layerNormArb: fc.Arbitrary<NormSample> = fc
  .record({
    lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
    norm: fc.array(fc.integer({ min: 2, max: 3 }), { minLength: 1, maxLength: 2 }),
    affine: fc.boolean(),
    seed: fc.integer(),
  })
  .filter(({ lead, norm }) => size(lead) * size(norm) <= 18)
  .chain(({ lead, norm, affine, seed }) => {
    const shape = [...lead, ...norm];
    const k = size(norm);
    return fc.record({
      make: fc.constant(() => ({
        module: new LayerNorm(norm, { affine }).init(b, { seed: 0, dtype: 'float64' }) as Module,
        training: true,
      })),
      x: distinct(size(shape)).map((data) => ({ shape, data })),
      gamma: affine ? around(k, -2, 2) : fc.constant(undefined),
      beta: affine ? around(k, -1, 1) : fc.constant(undefined),
      seed: fc.constant(seed),
    });
  });

/** Deterministic weights in [−1, −0.25] ∪ [0.25, 1]. */
function weights(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    return u < 0.5 ? -1 + 1.5 * u : 0.25 + 1.5 * (u - 0.5);
  });
}

async function check(sample: NormSample, order: 1 | 2): Promise<void> {
  const { module, training } = sample.make();
  const before = b.memory().tensors;
  const params: Record<string, Tensor> = {};
  if (sample.gamma) {
    const shape = module.namedParameters().find(([n]) => n === 'gamma')![1].shape;
    params.gamma = b.tensor(sample.gamma, [...shape], 'float64');
    params.beta = b.tensor(sample.beta!, [...shape], 'float64');
  }
  const x = b.tensor(sample.x.data, sample.x.shape, 'float64');
  const w1 = b.tensor(weights(size(sample.x.shape), sample.seed), sample.x.shape, 'float64');
  const w2 = b.tensor(weights(size(sample.x.shape), sample.seed + 1), sample.x.shape, 'float64');
  const run = (p: Params, xi: TensorLike) => module.applyFunctional(p, undefined, xi, { training }).output;
  const f = (i: { p: Params; x: TensorLike }) => {
    const y = run(i.p, i.x);
    return order === 1 ? ops.sum(ops.mul(y, w1)) : ops.sum(ops.mul(y, ops.add(w1, ops.mul(w2, y))));
  };
  try {
    const report = await checkGrads(f, { p: params, x }, { order, eps: 1e-6, rtol: 1e-5, atol: 1e-7 });
    expect(report.ok).toBe(true);
  } finally {
    b.dispose([x, w1, w2, ...Object.values(params as Record<string, Tensor>)]);
  }
  expect(b.memory().tensors).toBe(before);
  module.dispose();
}

describe('normalization layers: gradients over random shapes and parameters (float64)', () => {
  for (const [name, arb] of [
    ['BatchNorm', batchNormArb],
    ['LayerNorm', layerNormArb],
  ] as const) {
    it(`${name}: gradients match finite differences (100 runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, (s) => check(s, 1)),
        { numRuns: 100 },
      );
    });
    it(`${name}: second derivatives match finite differences of gradients (20 runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, (s) => check(s, 2)),
        { numRuns: 20 },
      );
    });
  }
});
