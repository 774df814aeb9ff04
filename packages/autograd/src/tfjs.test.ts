/**
 * Autograd over backend-tfjs: gradients (and Hessian-vector products) on TensorFlow.js's cpu
 * and wasm backends agree with backend-cpu's float64 at float32 tolerance, and 10,000 forward and
 * backward passes over wasm leave the live tensors unchanged.
 *
 * TensorFlow.js has one global engine, so the tfjs-cpu cases run before the wasm ones.
 */
import type { Backend, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { describe, expect, it } from 'vitest';
import { grad, hvp, mapTree, ops, valueAndGrad, type TensorLike } from './index.js';

type Inputs = Record<string, { shape: number[]; data: number[] }>;
type Fn = (p: Record<string, TensorLike>, b: Backend) => TensorLike;

const rand = (n: number, seed: number, lo = -1, hi = 1) => {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 4294967296;
  });
};
const input = (shape: number[], seed: number, lo?: number, hi?: number) => ({
  shape,
  data: rand(
    shape.reduce((a, b) => a * b, 1),
    seed,
    lo,
    hi,
  ),
});

/** Scalar functions that touch every family of primitives (and the composites built on them). */
const CASES: { name: string; inputs: Inputs; f: Fn }[] = [
  {
    name: 'two-hidden-layer MLP with softmax cross-entropy',
    inputs: { w1: input([4, 5], 1), b1: input([5], 2), w2: input([5, 4], 3), b2: input([4], 4), w3: input([4, 3], 5), b3: input([3], 6) },
    f: (p, b) => {
      const x = b.tensor(rand(24, 7), [6, 4], p.w1.dtype);
      const labels = b.tensor([0, 1, 2, 1, 0, 2], [6], 'int32');
      const h1 = ops.tanh(ops.add(ops.matmul(x, p.w1), p.b1));
      const h2 = ops.gelu(ops.add(ops.matmul(h1, p.w2), p.b2));
      const logits = ops.add(ops.matmul(h2, p.w3), p.b3);
      return ops.neg(ops.mean(ops.sum(ops.mul(ops.oneHot(labels, 3, { dtype: logits.dtype }), ops.logSoftmax(logits)), -1)));
    },
  },
  {
    name: 'unary math',
    inputs: { x: input([2, 3], 8, 0.3, 1.5) },
    f: ({ x }) =>
      ops.sum(
        ops.add(
          ops.add(ops.mul(ops.sqrt(x), ops.log(x)), ops.mul(ops.rsqrt(x), ops.reciprocal(x))),
          ops.add(
            ops.add(ops.mul(ops.sin(x), ops.cos(x)), ops.mul(ops.expm1(x), ops.log1p(x))),
            ops.add(ops.mul(ops.erf(x), ops.abs(ops.neg(x))), ops.square(ops.exp(x))),
          ),
        ),
      ),
  },
  {
    name: 'binary math with broadcasting',
    inputs: { a: input([2, 3], 9, 0.5, 1.5), b: input([3], 10, -1, 1), c: input([2, 1], 11, 0.5, 2) },
    f: ({ a, b, c }) => ops.sum(ops.add(ops.add(ops.div(ops.pow(a, b), c), ops.maximum(a, b)), ops.mul(ops.minimum(b, c), ops.sub(a, c)))),
  },
  {
    name: 'reductions, where and comparisons',
    inputs: { x: input([3, 4], 12) },
    f: ({ x }) =>
      ops.add(
        ops.sum(ops.mul(ops.max(x, { axis: 1, keepDims: true }), ops.min(x, 0))),
        ops.sum(ops.where(ops.greater(x, 0), ops.square(x), ops.mul(x, 3))),
      ),
  },
  {
    name: 'layout: reshape, transpose, broadcastTo, slice, pad, concat, gather, scatterAdd',
    inputs: { x: input([2, 3], 13), y: input([3], 14) },
    f: ({ x, y }, b) => {
      const idx = b.tensor([2, 0, 2], [3], 'int32');
      const t = ops.transpose(ops.reshape(ops.concat([x, ops.broadcastTo(y, [1, 3])], 0), [3, 3]));
      const s = ops.pad(
        ops.slice(t, [1, 0], [2, -1]),
        [
          [1, 0],
          [0, 2],
        ],
        0.5,
      );
      const g = ops.scatterAdd(ops.gather(x, idx, 1), idx, 1, 4);
      return ops.add(ops.sum(ops.square(s)), ops.sum(ops.mul(g, g)));
    },
  },
  {
    name: 'batched matmul with transposes and composites',
    inputs: { a: input([2, 3, 2], 15), b: input([4, 3], 16) },
    f: ({ a, b }) => ops.sum(ops.softplus(ops.matmul(a, b, { transposeA: true, transposeB: true }))),
  },
  {
    name: 'conv (strided, dilated, grouped, transposed) and windowed max and sum',
    inputs: { x: input([2, 5, 6, 4], 17), w: input([3, 3, 2, 4], 18), v: input([2, 3, 4, 3], 19) },
    f: ({ x, w, v }) => {
      const y = ops.tanh(ops.conv(x, w, { strides: [2, 1], padding: 'SAME', featureGroupCount: 2 })); // [2, 3, 6, 4]
      const d = ops.conv(x, w, {
        rhsDilation: 2,
        padding: [
          [2, 1],
          [1, 2],
        ],
        featureGroupCount: 2,
      });
      const t = ops.conv(ops.slice(x, [0, 0, 0, 0], [2, 3, 4, 4]), v, { lhsDilation: 2, padding: 'SAME' });
      const pool = { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'SAME' as const };
      const m = ops.reduceWindow('max', y, pool);
      const s = ops.reduceWindow('sum', ops.square(y), { windowShape: [1, 3, 2, 1], strides: [1, 1, 2, 1] });
      return ops.add(ops.add(ops.sum(ops.square(m)), ops.sum(s)), ops.add(ops.sum(ops.square(d)), ops.sum(ops.tanh(t))));
    },
  },
];

const leaves = (b: Backend, inputs: Inputs, dtype: 'float32' | 'float64') =>
  Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, b.tensor(v.data, v.shape, dtype)])) as Record<string, Tensor>;

/** Value, gradient and a Hessian-vector product of a case, read back to numbers. */
async function derivatives(b: Backend, c: (typeof CASES)[number], dtype: 'float32' | 'float64') {
  const p = leaves(b, c.inputs, dtype);
  const v = mapTree(p, (t) => ops.onesLike(t as Tensor)) as Record<string, Tensor>;
  const f = (q: Record<string, TensorLike>) => c.f(q, b);
  const [value, g] = valueAndGrad(f)(p);
  const hv = hvp(f, p, v);
  const out = { value: Array.from(await value.read()), grads: {} as Record<string, number[]>, hvp: {} as Record<string, number[]> };
  for (const k of Object.keys(p)) {
    out.grads[k] = Array.from(await g[k].read());
    out.hvp[k] = Array.from(await hv[k].read());
  }
  b.dispose([p, v, value, g, hv]);
  return out;
}

function expectClose(actual: number[], expected: number[], what: string, rtol = 2e-4, atol = 2e-5): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => {
    const tol = atol + rtol * Math.abs(expected[i]);
    expect(Math.abs(a - expected[i]) <= tol, `${what}[${i}]: ${a} vs ${expected[i]} (tolerance ${tol})`).toBe(true);
  });
}

const oracle = cpu();

for (const tfBackend of ['cpu', 'wasm'] as const) {
  describe(`autograd on backend-tfjs (${tfBackend})`, () => {
    let backend: Backend;
    it('starts', async () => {
      backend = await tfjs({ tfBackend });
      expect(backend.name).toContain(tfBackend);
    });

    for (const c of CASES) {
      it(`${c.name}: gradients and Hessian-vector products agree with backend-cpu (float64) at float32 tolerance`, async () => {
        const before = backend.memory().tensors;
        const expected = await derivatives(oracle, c, 'float64');
        const actual = await derivatives(backend, c, 'float32');
        expectClose(actual.value, expected.value, 'value');
        for (const k of Object.keys(c.inputs)) {
          expectClose(actual.grads[k], expected.grads[k], `gradient of ${k}`);
          expectClose(actual.hvp[k], expected.hvp[k], `hvp of ${k}`, 1e-3, 1e-4);
        }
        expect(backend.memory().tensors).toBe(before);
      });
    }

    if (tfBackend === 'wasm') {
      it('leaves live tensors unchanged over 10,000 forward and backward passes', () => {
        const x = backend.tensor([0.5, -1, 2, 0.25], [2, 2]);
        let w = backend.tensor([0.1, -0.2, 0.3, 0.4], [2, 2]);
        const loss = (p: TensorLike) => ops.mean(ops.square(ops.sub(ops.tanh(ops.matmul(x, p)), 0.5)));
        const start = backend.memory();
        const samples: number[] = [];
        for (let i = 0; i < 10_000; i++) {
          const g = grad(loss)(w);
          const next = backend.scope(() => backend.sub(w, backend.mul(g, 0.1)));
          backend.dispose([g, w]);
          w = next;
          if (i % 1000 === 999) samples.push(backend.memory().tensors);
        }
        expect(samples).toEqual(Array(10).fill(start.tensors));
        expect(backend.memory().bytes).toBe(start.bytes);
        backend.dispose([x, w]);
      });
    }
  });
}
