/**
 * Convolution and pooling layers over random geometries (float64): the gradients of `Σ y·r` with
 * respect to the input and the parameters agree with central finite differences (Conv2D and Conv1D
 * with random strides, padding, dilation and groups; MaxPool and AvgPool; first order here, the
 * primitives' second order is tested with their rules in @downhill/autograd). Also: a Conv2D
 * kernel's initial variance uses the window in its fans; Flatten keeps NHWC order; errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu } from '@downhill/backend-cpu';
import { InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { checkGrads, ops, type TensorLike } from '@downhill/autograd';
import { heNormal, rng } from '@downhill/initializers';
import { AvgPool, Conv1D, Conv2D, Flatten, GlobalAvgPool, MaxPool, type Module, type Params } from './index.js';

const b = cpu();
const read = (t: TensorLike) => Array.from(b.readSync(t as Tensor));
const randn = (shape: number[], seed: number) => b.tensor(Array.from(rng(seed).normal(shape.reduce((a, v) => a * v, 1))), shape, 'float64');

async function expectGradsOk(m: Module, x: Tensor, seed: number): Promise<void> {
  const y = m.call(x);
  const r = randn([...y.shape], seed);
  const report = await checkGrads((i: { p: Params; x: TensorLike }) => ops.sum(ops.mul(m.apply(i.p, i.x), r)), { p: m.parameters(), x });
  expect(report.failures).toEqual([]);
}

const geometry = fc.record({
  strides: fc.integer({ min: 1, max: 2 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom('VALID', 'SAME') as fc.Arbitrary<'VALID' | 'SAME'>,
  groups: fc.integer({ min: 1, max: 2 }),
  perGroupIn: fc.integer({ min: 1, max: 2 }),
  perGroupOut: fc.integer({ min: 1, max: 2 }),
  k: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

describe('convolution layers: gradients against finite differences (float64)', () => {
  it('Conv2D and Conv1D with random strides, padding, dilation and groups', async () => {
    await fc.assert(
      fc.asyncProperty(geometry, async ({ strides, dilation, padding, groups, perGroupIn, perGroupOut, k, seed }) => {
        const [cin, cout] = [groups * perGroupIn, groups * perGroupOut];
        const size = (k - 1) * dilation + 2; // at least one VALID output
        const c2 = new Conv2D(cin, cout, [k, Math.max(1, k - 1)], { strides, dilation, padding, groups }).init(b, {
          seed,
          dtype: 'float64',
        });
        await expectGradsOk(c2, randn([2, size, size + 1, cin], seed + 1), seed + 2);
        const c1 = new Conv1D(cin, cout, k, { strides, dilation, padding, groups }).init(b, { seed, dtype: 'float64' });
        await expectGradsOk(c1, randn([2, size + 1, cin], seed + 3), seed + 4);
      }),
      { numRuns: 15 },
    );
  });

  it('MaxPool, AvgPool and GlobalAvgPool', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom('VALID', 'SAME') as fc.Arbitrary<'VALID' | 'SAME'>,
        fc.integer({ min: 0, max: 1_000_000 }),
        async (pool, strides, padding, seed) => {
          // Distinct values spaced well beyond the finite-difference step, so no max changes place.
          const n = 2 * 5 * 4 * 2;
          const values = Array.from({ length: n }, (_, i) => i * 0.37 - 7);
          const perm = rng(seed).uniform(n);
          const order = [...values.keys()].sort((a, c) => perm[a] - perm[c]);
          const x = b.tensor(
            order.map((i) => values[i]),
            [2, 5, 4, 2],
            'float64',
          );
          for (const m of [new MaxPool(pool, { strides, padding }), new AvgPool(pool, { strides, padding }), new GlobalAvgPool()])
            await expectGradsOk(m.init(b, { seed: 0, dtype: 'float64' }), x, seed);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('convolution layers: structure', () => {
  it('the kernel is HWIO and He initialization counts the window in fanIn (variance 2 / (kh·kw·C/G))', () => {
    const conv = new Conv2D(32, 64, 3, { groups: 4, kernelInit: heNormal() });
    expect(conv.parameterShapes()).toEqual({ kernel: [3, 3, 8, 64], bias: [64] });
    conv.init(b, { seed: 1, dtype: 'float64' });
    const w = read(conv.parameters().kernel as Tensor);
    const variance = w.reduce((s, v) => s + v * v, 0) / w.length;
    // 4,608 draws: the sample variance is within 5% of 2/72 with overwhelming probability; a wrong
    // fan (72 · 4 without groups, or 8 without the window) is off by 4× or 9×.
    expect(Math.abs(variance / (2 / 72) - 1)).toBeLessThan(0.1);
  });

  it('Flatten keeps the NHWC order: element [n, h, w, c] goes to column (h·W + w)·C + c', () => {
    const x = b.tensor(
      Array.from({ length: 2 * 3 * 2 * 4 }, (_, i) => i),
      [2, 3, 2, 4],
    );
    const y = new Flatten().init(b, { seed: 0 }).call(x);
    expect(y.shape).toEqual([2, 24]);
    const v = read(y);
    expect(v[1 * 24 + (2 * 2 + 1) * 4 + 3]).toBe(((1 * 3 + 2) * 2 + 1) * 4 + 3);
  });

  it('refuses bad sizes and inputs with typed errors that say what was expected', () => {
    expect(() => new Conv2D(6, 4, 3, { groups: 4 })).toThrow(InvalidArgumentError);
    expect(() => new Conv2D(6, 4, 3, { groups: 4 })).toThrow(
      /groups must be a positive integer dividing inChannels \(6\) and outChannels \(4\), got 4/,
    );
    expect(() => new Conv2D(1, 4, [3, 3, 3])).toThrow(/kernelSize must be a positive integer or 2 of them/);
    expect(() => new Conv1D(1, 4, 3, { padding: 'FULL' as 'SAME' })).toThrow(/padding must be 'VALID', 'SAME' or 1/);
    expect(() => new MaxPool(0)).toThrow(/poolSize must be a positive integer/);
    const conv = new Conv2D(3, 4, 3).init(b, { seed: 0 });
    expect(() => conv.call(b.zeros([2, 8, 8, 1]))).toThrow(ShapeError);
    expect(() => conv.call(b.zeros([2, 8, 8, 1]))).toThrow(/\[2, 8, 8, 1\] should be \[batch, height, width, channels\] with 3 channels/);
    expect(() => new MaxPool([2, 2]).init(b, { seed: 0 }).call(b.zeros([1, 4, 3]))).toThrow(
      /should be \[batch, 2 spatial axes, channels\]/,
    );
  });
});
