import * as tf from '@tensorflow/tfjs-core';
import type { Backend, Tensor } from '@downhill/backend';
import { mulberry32 } from '@downhill/backend/conformance';
import { adam, step, type OptState, type Params, type StepResult } from '@downhill/optimizers';
import { describe, expect, it } from 'vitest';
import { webgpuMemory } from './webgpu.js';
import { webgpuForTests } from './test-helpers.js';

/** Mean squared error of a linear layer and its gradients, by hand: `r = Xw + b − y`, `∂w = 2Xᵀr/N`, `∂b = 2Σr/N`. */
function lossAndGrads(b: Backend, x: Tensor, y: Tensor, params: Params): { loss: Tensor; grads: Params } {
  return b.scope(() => {
    const w = params.w as Tensor;
    const bias = params.b as Tensor;
    const r = b.sub(b.add(b.matmul(x, w), bias), y);
    const n = x.shape[0];
    const loss = b.div(b.reduce('sum', b.mul(r, r)), n);
    const gw = b.mul(b.matmul(x, r, { transposeA: true }), 2 / n);
    const gb = b.mul(b.reduce('sum', r, 0), 2 / n);
    return { loss, grads: { w: gw, b: gb } };
  });
}

const { backend, reason } = await webgpuForTests();

describe.skipIf(!backend)(`training on WebGPU${backend ? '' : ` [skipped: ${reason}]`}`, () => {
  it('1,000 fused Adam steps keep live tensors and GPU buffers flat, and the loss falls', async () => {
    const b = backend!;
    const n = 16;
    const rand = mulberry32(3);
    const xs = Array.from({ length: n * 4 }, () => 2 * rand() - 1);
    const wTrue = [0.5, -1, 2, 0.25];
    const ys = Array.from({ length: n }, (_, i) => wTrue.reduce((s, w, j) => s + w * xs[i * 4 + j], 0.3));
    const x = b.tensor(xs, [n, 4]);
    const y = b.tensor(ys, [n, 1]);
    let params: Params = { w: b.zeros([4, 1]), b: b.zeros([1]) };
    const tx = adam(0.05);
    let state: OptState = tx.init(params);

    const counts = () => ({ downhill: b.memory().tensors, tfjs: tf.memory().numTensors, gpuBuffers: webgpuMemory().buffers });
    const losses: number[] = [];
    let warm: ReturnType<typeof counts> | undefined;
    for (let s = 1; s <= 1000; s++) {
      const { loss, grads } = lossAndGrads(b, x, y, params);
      const r: StepResult = step(tx, params, grads, state, { inPlace: true });
      expect(r.path).toBe('fused');
      ({ params, state } = r);
      b.dispose(grads);
      if (s === 1 || s % 100 === 0) losses.push((await loss.read())[0]);
      loss.dispose();
      if (s === 10) warm = counts();
    }
    const end = counts();
    expect(end, 'counts after 1,000 steps equal those after 10').toEqual(warm);
    expect(losses[losses.length - 1]).toBeLessThan(1e-3 * losses[0]);
    const w = await (params.w as Tensor).read();
    [...w].forEach((v, i) => expect(v).toBeCloseTo(wTrue[i], 2));
    b.dispose([x, y, params, state as never]);
  });
});
