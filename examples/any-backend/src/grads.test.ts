// Gradient checks at float32 tolerance on backend-webgpu: the gradients and Hessian-vector product
// of a small MLP loss agree with backend-cpu's float64 values (the same seeded weights and data).
import '@downhill/backend-cpu/register';
import '@downhill/backend-webgpu/register';
import { hvp, ops, valueAndGrad } from '@downhill/autograd';
import { getBackend, type Backend } from '@downhill/backend';
import { rng } from '@downhill/initializers';
import { softmaxCrossEntropy } from '@downhill/losses';
import { describe, expect, it } from 'vitest';

const key = rng(7);
const host = {
  w1: key.fold('w1').normal(4 * 5, { std: 0.5 }),
  b1: key.fold('b1').normal(5, { std: 0.1 }),
  w2: key.fold('w2').normal(5 * 3, { std: 0.5 }),
  x: key.fold('x').normal(6 * 4),
  v1: key.fold('v1').normal(4 * 5),
};
const labels = [0, 2, 1, 1, 0, 2];

function problem(b: Backend, dtype: 'float32' | 'float64') {
  const params = { w1: b.tensor(host.w1, [4, 5], dtype), b1: b.tensor(host.b1, [5], dtype), w2: b.tensor(host.w2, [5, 3], dtype) };
  const x = b.tensor(host.x, [6, 4], dtype);
  const y = b.tensor(labels, [6], 'int32');
  const loss = (p: typeof params) => softmaxCrossEntropy(ops.matmul(ops.tanh(ops.add(ops.matmul(x, p.w1), p.b1)), p.w2), y);
  const v = { w1: b.tensor(host.v1, [4, 5], dtype), b1: b.zeros([5], dtype), w2: b.zeros([5, 3], dtype) };
  return { params, loss, v };
}

async function readTree(tree: Record<string, { read(): Promise<ArrayLike<number>> }>): Promise<number[]> {
  const out: number[] = [];
  for (const k of Object.keys(tree).sort()) out.push(...Array.from(await tree[k].read()));
  return out;
}

describe('gradients on backend-webgpu against backend-cpu in float64', () => {
  it('agree at float32 tolerance, first order and Hessian-vector products', async (ctx) => {
    let gpu: Backend;
    try {
      gpu = await getBackend('webgpu');
    } catch (e) {
      if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
      console.log(`skipping WebGPU gradient checks: no adapter here (${(e as Error).message.split('\n')[0]})`);
      ctx.skip();
      return;
    }
    const cpu = await getBackend('cpu');
    const ref = problem(cpu, 'float64');
    const got = problem(gpu, 'float32');
    const [refValue, refGrads] = valueAndGrad(ref.loss)(ref.params);
    const [value, grads] = valueAndGrad(got.loss)(got.params);
    expect((await value.read())[0]).toBeCloseTo((await refValue.read())[0], 5);
    const want = await readTree(refGrads);
    const have = await readTree(grads);
    const wantH = await readTree(hvp(ref.loss, ref.params, ref.v));
    const haveH = await readTree(hvp(got.loss, got.params, got.v));
    for (const [a, b] of [
      [have, want],
      [haveH, wantH],
    ]) {
      expect(a).toHaveLength(b.length);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(b[i]));
    }
  }, 120_000);
});
