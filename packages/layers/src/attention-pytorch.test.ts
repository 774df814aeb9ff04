/**
 * Embedding, MultiHeadAttention and TransformerBlock against PyTorch 1.13 (Debian's python3-torch):
 * nn.Embedding, nn.MultiheadAttention (batch_first, with and without a causal mask) and
 * nn.TransformerEncoderLayer (norm_first, GELU, no dropout), in float64. The weights are PyTorch's,
 * copied into downhill's layout; the outputs and the gradients of `Σ y·r` with respect to the input
 * and every parameter must agree to 1e-10. The generator is `__fixtures__/pytorch/attention.py`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { unflattenTree, type Tensor } from '@downhill/backend';
import { flattenTree, ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { Embedding, MultiHeadAttention, TransformerBlock, type Module, type Params } from './index.js';

interface Case {
  dim: number;
  heads?: number;
  vocab?: number;
  causal?: boolean;
  x?: number[];
  xShape?: number[];
  ids?: number[];
  idsShape?: number[];
  r: number[];
  y: number[];
  params: Record<string, number[]>;
  grads: Record<string, number[]>;
}

const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/pytorch/attention.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: Record<string, Case>;
};
const b = cpu();
const read = (t: TensorLike) => Array.from(b.readSync(t as Tensor));

function expectClose(actual: number[], expected: number[], what: string, tol = 1e-10): void {
  expect(actual.length, what).toBe(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]) / (1 + Math.abs(expected[i]))));
  expect(worst, `${what}: largest relative difference`).toBeLessThan(tol);
}

/** Loads the fixture's weights into `module` (float64) and compares the output and every gradient. */
function check(module: Module, c: Case, input: Tensor): void {
  module.init(b, { seed: 0, dtype: 'float64' });
  const shapes = module.parameterShapes();
  expect(Object.keys(shapes).sort()).toEqual(Object.keys(c.params).sort());
  module.setParameters(unflattenTree(Object.entries(c.params).map(([k, v]) => [k, b.tensor(v, shapes[k], 'float64')])) as Params);
  const r = b.tensor(c.r, [...input.shape, ...(c.ids ? [c.dim] : [])], 'float64');
  const float = input.dtype === 'float64';
  const f = (p: Params, x: TensorLike) => ops.sum(ops.mul(module.apply(p, x), r));
  // An int32 input (token ids) has no gradient: differentiate with respect to the parameters only.
  const [gp, gx] = float
    ? (valueAndGrad(f, { argnums: [0, 1] })(module.parameters(), input)[1] as [Params, TensorLike])
    : [valueAndGrad((p: Params) => f(p, input))(module.parameters())[1] as Params, undefined];
  expectClose(read(module.call(input)), c.y, 'output');
  for (const [k, g] of flattenTree(gp)) expectClose(read(g as TensorLike), c.grads[k], `gradient of ${k}`);
  if (gx) expectClose(read(gx), c.grads.x, 'gradient of the input');
}

describe(`layers against ${fixture.source}`, () => {
  it('Embedding: rows looked up; repeated ids accumulate their gradient rows', () => {
    const c = fixture.cases.embedding;
    check(new Embedding(c.vocab!, c.dim), c, b.tensor(c.ids!, c.idsShape!, 'int32'));
  });

  for (const causal of [false, true]) {
    it(`MultiHeadAttention, causal: ${causal}`, () => {
      const c = fixture.cases[`attention causal=${causal}`];
      check(new MultiHeadAttention(c.dim, c.heads!, { causal }), c, b.tensor(c.x!, c.xShape!, 'float64'));
    });

    it(`TransformerBlock (pre-norm, GELU), causal: ${causal}`, () => {
      const c = fixture.cases[`transformer block causal=${causal}`];
      check(new TransformerBlock(c.dim, c.heads!, { causal }), c, b.tensor(c.x!, c.xShape!, 'float64'));
    });
  }
});
