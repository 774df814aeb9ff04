// Values and gradients at kinks, ties, zeros and infinities against PyTorch's autograd, in float64.
// Fixture: __fixtures__/kinks-pytorch.json, written by __fixtures__/kinks-pytorch.py (PyTorch 1.13):
// a tensor result is reduced with weights 1, 2, 3, ..., a scalar result is the loss. Special
// values (NaN, infinities, zeros with their signs) are compared bit for bit, the rest to 1e-15
// relative (four ulps at most, so a gradient of 0.5 against 1 at a kink fails; gelu's erf,
// softmax's exponentials and an
// l2Norm's square root are computed in another order than PyTorch's, e.g. 0.6000000000000001
// against 0.6). Where downhill chooses otherwise on purpose, DIFFERENT says so and why.
import { readFileSync } from 'node:fs';
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { grad, ops, type TensorLike } from './index.js';

type Encoded = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
interface Case {
  readonly inputs: Record<string, Encoded[]>;
  readonly value: Encoded[];
  readonly grads: Record<string, Encoded[]>;
}
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/kinks-pytorch.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: Record<string, Case>;
};
const decode = (x: Encoded): number => (x === '-0' ? -0 : typeof x === 'number' ? x : Number(x));

type In = Record<string, TensorLike>;
/** The same functions as the fixture's, written with downhill's ops. */
const FUNCTIONS: Record<string, (p: In) => TensorLike> = {
  abs: (p) => ops.abs(p.x),
  relu: (p) => ops.relu(p.x),
  'leakyRelu alpha 0.2': (p) => ops.leakyRelu(p.x, { alpha: 0.2 }),
  elu: (p) => ops.elu(p.x),
  gelu: (p) => ops.gelu(p.x),
  silu: (p) => ops.silu(p.x),
  softplus: (p) => ops.softplus(p.x),
  sigmoid: (p) => ops.sigmoid(p.x),
  tanh: (p) => ops.tanh(p.x),
  sqrt: (p) => ops.sqrt(p.x),
  log: (p) => ops.log(p.x),
  reciprocal: (p) => ops.reciprocal(p.x),
  exp: (p) => ops.exp(p.x),
  'floor, round, sign': (p) => ops.add(ops.add(ops.floor(p.x), ops.round(p.x)), ops.sign(p.x)),
  maximum: (p) => ops.maximum(p.a, p.b),
  minimum: (p) => ops.minimum(p.a, p.b),
  'max with ties': (p) => ops.max(p.x),
  'min with ties': (p) => ops.min(p.x),
  'max with NaN': (p) => ops.max(p.x),
  pow: (p) => ops.pow(p.a, p.b),
  'pow to -1 at 0': (p) => ops.pow(p.a, p.b),
  'div by 0': (p) => ops.div(p.a, p.b),
  'clip at its bounds': (p) => ops.clip(p.x, -1, 1),
  'l2Norm of zeros': (p) => ops.l2Norm(p.x),
  l2Norm: (p) => ops.l2Norm(p.x),
  'l1Norm with a zero': (p) => ops.l1Norm(p.x),
  'logSumExp with -inf': (p) => ops.logSumExp(p.x),
  'logSumExp of all -inf': (p) => ops.logSumExp(p.x),
  'softmax with -inf': (p) => ops.softmax(p.x),
  'logSoftmax with -inf': (p) => ops.logSoftmax(p.x),
  'std of equal values': (p) => ops.std(p.x, { ddof: 1 }),
  'variance of equal values': (p) => ops.variance(p.x, { ddof: 1 }),
  mean: (p) => ops.mean(p.x),
};

/** Where downhill's value or gradient differs from PyTorch's on purpose: `case/what` → [downhill's, why]. */
const DIFFERENT: Record<string, [Encoded[], string]> = {
  'pow to -1 at 0/grad b': [
    ['NaN'],
    "∂(xʸ)/∂y = xʸ·log x at x = 0, y = −1 is ∞·(−∞): PyTorch gives −∞, JAX's lax.pow NaN (log's argument replaced by 1 at x = 0, then ∞·0), as downhill (rules.ts)",
  ],
};

const b = cpu();
const read = (x: unknown) => [...b.readSync(x as Tensor)];

function loss(f: (p: In) => TensorLike) {
  return (p: In): TensorLike => {
    const y = f(p);
    if (y.shape.length === 0) return y;
    const w = b.tensor(
      Array.from({ length: y.shape.reduce((a, d) => a * d, 1) }, (_, i) => i + 1),
      y.shape,
      'float64',
    );
    return ops.sum(ops.mul(w, y));
  };
}

/** Special values bit for bit (NaN equal to NaN), ordinary ones to 1e-15 relative: every mismatch as text. */
function mismatches(label: string, got: number[], want: number[]): string[] {
  if (got.length !== want.length) return [`${label}: ${got.length} elements, PyTorch ${want.length}`];
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const [g, w] = [got[i], want[i]];
    const ordinary = Number.isFinite(w) && w !== 0 && Number.isFinite(g);
    const ok = ordinary ? Math.abs(g - w) <= 1e-15 * Math.abs(w) : Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w));
    if (!ok) bad.push(`${label}[${i}]: ${g}, PyTorch ${w}`);
  }
  return bad;
}

describe(`values and gradients at kinks, ties, zeros and infinities, against ${fixture.source}`, () => {
  it('every fixture case has a downhill function, and every function a case', () => {
    expect(Object.keys(FUNCTIONS).sort()).toEqual(Object.keys(fixture.cases).sort());
  });
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const f = FUNCTIONS[name];
      const inputs: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.inputs)) inputs[k] = b.tensor(v.map(decode), [v.length], 'float64');
      const bad: string[] = [];
      const check = (what: string, got: number[], want: number[]) => {
        const key = `${name}/${what}`;
        const expected = DIFFERENT[key] ? DIFFERENT[key][0].map(decode) : want;
        bad.push(...mismatches(what, got, expected));
      };
      check('value', read(f(inputs)), c.value.map(decode));
      const g = grad(loss(f))(inputs);
      for (const k of Object.keys(c.grads)) check(`grad ${k}`, read(g[k]), c.grads[k].map(decode));
      expect(bad).toEqual([]);
    });
  }
});
