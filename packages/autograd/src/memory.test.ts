/**
 * Memory: forward and backward passes release their intermediates, so a long loop keeps the
 * backend's count of live tensors flat.
 */
import type { Backend, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { checkGrads, grad, hessian, hvp, mapTree, noGrad, ops, valueAndGrad, vjp, type TensorLike } from './index.js';

interface Params {
  w1: TensorLike;
  b1: TensorLike;
  w2: TensorLike;
  b2: TensorLike;
}

function model(backend: Backend) {
  const x = backend.tensor([0.5, -1, 0.25, 2, -0.5, 1, 1.5, 0], [4, 2], 'float64');
  const labels = backend.tensor([0, 1, 1, 0], [4], 'int32');
  const params: Params = {
    w1: backend.tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3], 'float64'),
    b1: backend.zeros([3], 'float64'),
    w2: backend.tensor([0.2, -0.1, 0.05, 0.3, -0.4, 0.1], [3, 2], 'float64'),
    b2: backend.zeros([2], 'float64'),
  };
  const loss = (p: Params) => {
    const h = ops.relu(ops.add(ops.matmul(x, p.w1), p.b1));
    const logits = ops.add(ops.matmul(h, p.w2), p.b2);
    return ops.neg(ops.mean(ops.sum(ops.mul(ops.oneHot(labels, 2, { dtype: 'float64' }), ops.logSoftmax(logits)), -1)));
  };
  return { x, labels, params, loss };
}

/** Runs `step` `n` times and returns the live-tensor counts after each. */
function counts(backend: Backend, n: number, step: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    step(i);
    out.push(backend.memory().tensors);
  }
  return out;
}

describe('memory', () => {
  it('keeps live tensors flat over 500 training steps (valueAndGrad + update)', () => {
    const backend = cpu();
    const m = model(backend);
    let params = m.params;
    const start = backend.memory().tensors;
    const losses: number[] = [];
    const live = counts(backend, 500, () => {
      const [loss, grads] = valueAndGrad(m.loss)(params);
      losses.push(backend.readSync(loss)[0]);
      const next = backend.scope(() =>
        noGrad(() => mapTree(params, (p, path) => ops.sub(p as Tensor, ops.mul(grads[path as keyof Params], 0.5)))),
      ) as Params;
      backend.dispose([loss, grads, params as never]);
      params = next;
    });
    expect(new Set(live)).toEqual(new Set([start]));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });

  it('keeps live tensors flat over repeated grad, hvp, hessian, vjp and nested grad', () => {
    const backend = cpu();
    const m = model(backend);
    const x = backend.tensor([0.3, -0.7], [2], 'float64');
    const start = backend.memory().tensors;
    const live = counts(backend, 100, () => {
      backend.dispose(grad(m.loss)(m.params));
      backend.dispose(hvp(m.loss, m.params, m.params));
      backend.dispose(hessian((v) => ops.sum(ops.mul(ops.sin(v), ops.exp(v))), x));
      const [y, pullback] = vjp((v: TensorLike) => ops.tanh(ops.mul(v, v)), x);
      const ones = ops.onesLike(y) as Tensor;
      backend.dispose([pullback(ones), ones]);
      backend.dispose(pullback(y));
      pullback.dispose();
      y.dispose();
      backend.dispose(grad((v: TensorLike) => ops.sum(grad((u: TensorLike) => ops.sum(ops.pow(u, 3)))(v)))(x));
    });
    expect(new Set(live)).toEqual(new Set([start]));
  });

  it('releases everything when f throws', () => {
    const backend = cpu();
    const x = backend.tensor([1, 2], [2], 'float64');
    const start = backend.memory().tensors;
    for (let i = 0; i < 20; i++) {
      expect(() =>
        grad((v: TensorLike) => {
          ops.exp(ops.mul(v, 2));
          throw new Error('inside f');
        })(x),
      ).toThrow('inside f');
    }
    expect(backend.memory().tensors).toBe(start);
  });

  it('releases everything checkGrads makes', async () => {
    const backend = cpu();
    const m = model(backend);
    const start = backend.memory().tensors;
    await checkGrads(m.loss, m.params, { order: 2 });
    expect(backend.memory().tensors).toBe(start);
  });
});
