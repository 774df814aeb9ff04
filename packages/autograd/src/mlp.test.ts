/**
 * End to end: the loss of a two-hidden-layer perceptron with softmax cross-entropy, written from
 * the composites, against finite differences in float64 (gradients and Hessian-vector products).
 */
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { checkGrads, grad, hvp, mapTree, ops, valueAndGrad, type TensorLike } from './index.js';

const backend = cpu();

/** Deterministic values in [−1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  };
}
const random = (shape: number[], r: () => number, scale = 1) =>
  backend.tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * scale),
    shape,
    'float64',
  );

interface Layer {
  kernel: TensorLike;
  bias: TensorLike;
}
interface Params {
  hidden1: Layer;
  hidden2: Layer;
  output: Layer;
}

const dense = (x: TensorLike, l: Layer) => ops.add(ops.matmul(x, l.kernel), l.bias);

/** Mean softmax cross-entropy of a 2-hidden-layer MLP (tanh, then gelu). */
function loss(p: Params, x: Tensor, labels: Tensor): TensorLike {
  const h1 = ops.tanh(dense(x, p.hidden1));
  const h2 = ops.gelu(dense(h1, p.hidden2));
  const logits = dense(h2, p.output);
  const logProbs = ops.logSoftmax(logits);
  const onehot = ops.oneHot(labels, logits.shape[1], { dtype: logits.dtype });
  return ops.neg(ops.mean(ops.sum(ops.mul(onehot, logProbs), { axis: -1 })));
}

function setup(seed: number) {
  const r = rng(seed);
  const [inputs, h1, h2, classes, batch] = [4, 5, 4, 3, 6];
  const params: Params = {
    hidden1: { kernel: random([inputs, h1], r, 0.8), bias: random([h1], r, 0.1) },
    hidden2: { kernel: random([h1, h2], r, 0.8), bias: random([h2], r, 0.1) },
    output: { kernel: random([h2, classes], r, 0.8), bias: random([classes], r, 0.1) },
  };
  const x = random([batch, inputs], r);
  const labels = backend.tensor([0, 1, 2, 1, 0, 2], [batch], 'int32');
  return { params, x, labels };
}

const flat = (tree: unknown): number[] =>
  (Object.values(tree as object) as unknown[]).flatMap((v): number[] =>
    v && typeof v === 'object' && !('shape' in v) ? flat(v) : Array.from(backend.readSync(v as Tensor)),
  );

describe('two-hidden-layer MLP with softmax cross-entropy', () => {
  it('has gradients equal to finite differences (relative error < 1e-6)', async () => {
    const { params, x, labels } = setup(7);
    const report = await checkGrads((p: Params) => loss(p, x, labels), params, { rtol: 1e-6, atol: 1e-10 });
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(4 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
    // Also as one number: ‖analytic − numeric‖ / ‖numeric‖ over every parameter.
    const analytic = flat(grad((p: Params) => loss(p, x, labels))(params));
    expect(analytic.length).toBe(report.checked);
    expect(analytic.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('has Hessian-vector products equal to finite differences of gradients', () => {
    const { params, x, labels } = setup(11);
    const f = (p: Params) => loss(p, x, labels);
    const r = rng(99);
    const v = mapTree(params, (t) => random([...(t as Tensor).shape], r)) as Params;
    const eps = 1e-5;
    const shifted = (sign: number) => mapTree(params, (t, path) => ops.add(t as Tensor, ops.mul(pathGet(v, path), sign * eps))) as Params;
    const gPlus = flat(grad(f)(shifted(1)));
    const gMinus = flat(grad(f)(shifted(-1)));
    const numeric = gPlus.map((g, i) => (g - gMinus[i]) / (2 * eps));
    const analytic = flat(hvp(f, params, v));
    const norm = (a: number[]) => Math.sqrt(a.reduce((s, z) => s + z * z, 0));
    const relative = norm(analytic.map((a, i) => a - numeric[i])) / norm(numeric);
    expect(norm(numeric)).toBeGreaterThan(1e-3);
    expect(relative).toBeLessThan(1e-6);
  });

  it('decreases the loss along the negative gradient', () => {
    const { params, x, labels } = setup(3);
    const [l0, g] = valueAndGrad((p: Params) => loss(p, x, labels))(params);
    const step = mapTree(params, (t, path) => ops.sub(t as Tensor, ops.mul(pathGet(g, path), 0.1))) as Params;
    const l1 = backend.readSync(loss(step, x, labels) as Tensor)[0];
    expect(l1).toBeLessThan(backend.readSync(l0)[0]);
  });
});

function pathGet(tree: unknown, path: string): TensorLike {
  return path.split('.').reduce((node: unknown, k) => (node as Record<string, unknown>)[k], tree) as TensorLike;
}
