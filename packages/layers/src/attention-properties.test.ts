/**
 * Properties of the sequence layers over random sizes (float64): gradients of `Σ y·r` with respect
 * to the input and every parameter agree with central finite differences (MultiHeadAttention,
 * TransformerBlock, Residual, Embedding; with `order: 2` for attention, so Hessian-vector products
 * through softmax and the mask are right too); a causal layer's output at position i does not move
 * when later positions change; attention without a mask is equivariant to permuting the sequence.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpu } from '@downhill/backend-cpu';
import { DTypeError, InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { checkGrads, ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import { Dense, Embedding, LayerNorm, MultiHeadAttention, Residual, SiLU, Sequential, TransformerBlock, type Params } from './index.js';

const b = cpu();
const read = (t: TensorLike) => Array.from(b.readSync(t as Tensor));
const randn = (shape: number[], seed: number) => b.tensor(Array.from(rng(seed).normal(shape.reduce((a, v) => a * v, 1))), shape, 'float64');

const sizes = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  t: fc.integer({ min: 1, max: 4 }),
  heads: fc.integer({ min: 1, max: 3 }),
  headDim: fc.integer({ min: 1, max: 3 }),
  causal: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

describe('sequence layers: gradients against finite differences (float64)', () => {
  it('MultiHeadAttention, first and second order, with and without the causal mask', async () => {
    await fc.assert(
      fc.asyncProperty(sizes, async ({ batch, t, heads, headDim, causal, seed }) => {
        const dim = heads * headDim;
        const attn = new MultiHeadAttention(dim, heads, { causal }).init(b, { seed, dtype: 'float64' });
        const x = randn([batch, t, dim], seed + 1);
        const r = randn([batch, t, dim], seed + 2);
        const f = (i: { p: Params; x: TensorLike }) => ops.sum(ops.mul(attn.apply(i.p, i.x), r));
        const first = await checkGrads(f, { p: attn.parameters(), x });
        expect(first.failures).toEqual([]);
        // Second order on the input alone (the Hessian has (batch·t·dim)² entries).
        const second = await checkGrads((xx: TensorLike) => f({ p: attn.parameters(), x: xx }), x, { order: 2 });
        expect(second.failures).toEqual([]);
      }),
      { numRuns: 12 },
    );
  });

  it('TransformerBlock and Residual, first order', async () => {
    await fc.assert(
      fc.asyncProperty(sizes, fc.constantFrom('gelu', 'relu', 'silu') as fc.Arbitrary<'gelu' | 'relu' | 'silu'>, async (s, activation) => {
        // dim ≥ 2: over a single feature LayerNorm outputs its shift alone, and ReLU would sit on its kink at 0.
        const dim = s.heads * (s.headDim + 1);
        const block = new TransformerBlock(dim, s.heads, { causal: s.causal, mlpRatio: 2, activation }).init(b, {
          seed: s.seed,
          dtype: 'float64',
        });
        const res = new Residual(new Sequential({ norm: new LayerNorm(dim), dense: new Dense(dim, dim), act: new SiLU() })).init(b, {
          seed: s.seed,
          dtype: 'float64',
        });
        const x = randn([s.batch, s.t, dim], s.seed + 1);
        const r = randn([s.batch, s.t, dim], s.seed + 2);
        for (const m of [block, res]) {
          const report = await checkGrads((i: { p: Params; x: TensorLike }) => ops.sum(ops.mul(m.apply(i.p, i.x), r)), {
            p: m.parameters(),
            x,
          });
          expect(report.failures).toEqual([]);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('Embedding: the gradient of the table, with repeated ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        async (vocab, dim, raw) => {
          const emb = new Embedding(vocab, dim).init(b, { seed: vocab, dtype: 'float64' });
          const ids = b.tensor(
            raw.map((v) => v % vocab),
            [raw.length],
            'int32',
          );
          const r = randn([raw.length, dim], dim);
          const report = await checkGrads((p: Params) => ops.sum(ops.mul(emb.apply(p, ids), r)), emb.parameters());
          expect(report.failures).toEqual([]);
          // The analytic gradient: row v of the table gets the sum of r's rows where ids = v.
          const g = new Float64Array(vocab * dim);
          const rv = read(r);
          raw.forEach((v, i) => {
            for (let k = 0; k < dim; k++) g[(v % vocab) * dim + k] += rv[i * dim + k];
          });
          const [, gt] = valueAndGrad((p: Params) => ops.sum(ops.mul(emb.apply(p, ids), r)))(emb.parameters());
          read((gt as Params).embeddings as Tensor).forEach((v, i) => expect(v).toBeCloseTo(g[i], 12));
          const y = read(emb.call(ids));
          const table = read(emb.parameters().embeddings as Tensor);
          raw.forEach((v, i) => {
            for (let k = 0; k < dim; k++) expect(y[i * dim + k]).toBe(table[(v % vocab) * dim + k]);
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('sequence layers: structure', () => {
  it('a causal layer at position i ignores positions after i; without the mask, permuting the sequence permutes the output', () => {
    fc.assert(
      fc.property(sizes, ({ batch, t, heads, headDim, seed }) => {
        const dim = heads * headDim;
        const x = randn([batch, t, dim], seed + 1);
        const causal = new TransformerBlock(dim, heads, { causal: true }).init(b, { seed, dtype: 'float64' });
        const cut = Math.max(1, t - 1);
        const changed = ops.concat([ops.slice(x, [0, 0, 0], [batch, cut, dim]), randn([batch, t - cut, dim], seed + 3)], 1);
        const y1 = read(causal.call(x));
        const y2 = read(causal.call(changed as Tensor));
        for (let n = 0; n < batch; n++)
          for (let i = 0; i < cut * dim; i++) expect(y2[n * t * dim + i]).toBeCloseTo(y1[n * t * dim + i], 12);

        const full = new MultiHeadAttention(dim, heads).init(b, { seed, dtype: 'float64' });
        const reversed = ops.gather(x, b.tensor([...Array(t).keys()].reverse(), [t], 'int32'), 1) as Tensor;
        const yr = read(full.call(reversed));
        const y = read(full.call(x));
        for (let n = 0; n < batch; n++)
          for (let i = 0; i < t; i++)
            for (let k = 0; k < dim; k++) expect(yr[(n * t + (t - 1 - i)) * dim + k]).toBeCloseTo(y[(n * t + i) * dim + k], 12);
      }),
      { numRuns: 20 },
    );
  });

  it('names parameters by dotted path', () => {
    const block = new TransformerBlock(8, 2, { mlpRatio: 2 });
    expect(block.parameterShapes()).toEqual({
      'norm1.gamma': [8],
      'norm1.beta': [8],
      'attention.query.kernel': [8, 8],
      'attention.query.bias': [8],
      'attention.key.kernel': [8, 8],
      'attention.key.bias': [8],
      'attention.value.kernel': [8, 8],
      'attention.value.bias': [8],
      'attention.output.kernel': [8, 8],
      'attention.output.bias': [8],
      'norm2.gamma': [8],
      'norm2.beta': [8],
      'mlp.fc1.kernel': [8, 16],
      'mlp.fc1.bias': [16],
      'mlp.fc2.kernel': [16, 8],
      'mlp.fc2.bias': [8],
    });
    expect(new Residual(new Dense(3, 3)).parameterShapes()).toEqual({ 'body.kernel': [3, 3], 'body.bias': [3] });
    expect(new Embedding(28, 4).parameterShapes()).toEqual({ embeddings: [28, 4] });
  });

  it('SiLU is x·σ(x)', () => {
    const xs = [-3, -0.5, 0, 0.5, 3];
    const y = read(new SiLU().init(b, { seed: 0 }).call(b.tensor(xs, [5], 'float64')));
    xs.forEach((v, i) => expect(y[i]).toBeCloseTo(v / (1 + Math.exp(-v)), 14));
  });

  it('refuses bad sizes and inputs with typed errors that say what was expected', () => {
    expect(() => new MultiHeadAttention(10, 3)).toThrow(InvalidArgumentError);
    expect(() => new MultiHeadAttention(10, 3)).toThrow(/divides dim \(10\), got 3/);
    expect(() => new Embedding(0, 4)).toThrow(/vocab must be a positive integer, got 0/);
    expect(() => new TransformerBlock(8, 2, { activation: 'tanh' as 'gelu' })).toThrow(/activation must be/);
    const attn = new MultiHeadAttention(4, 2).init(b, { seed: 0 });
    expect(() => attn.call(b.zeros([2, 3, 5]))).toThrow(ShapeError);
    expect(() => attn.call(b.zeros([2, 3, 5]))).toThrow(/\[2, 3, 5\] should be \[\.\.\., sequence, 4\]/);
    const emb = new Embedding(5, 2).init(b, { seed: 0 });
    expect(() => emb.call(b.zeros([3]))).toThrow(DTypeError);
    expect(() => new Residual(new Dense(3, 4)).init(b, { seed: 0 }).call(b.zeros([1, 3]))).toThrow(/maps \[1, 3\] to \[1, 4\]/);
  });
});
