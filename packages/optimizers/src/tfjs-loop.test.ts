// The loop a TensorFlow.js user has: tf variables and tf gradients, downhill's optimizer, the
// variables updated, through fromTfTree and assignToTf (no copies). Reference: TensorFlow.js's own
// tf.train.sgd on the same variables and gradients.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { assignToTf, fromTfTree, tfjs } from '@downhill/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@downhill/backend';
import { sgd } from './optimizers/sgd.js';
import { step } from './step.js';

let b: Backend;
beforeAll(async () => {
  b = await tfjs({ tfBackend: 'cpu' });
});

describe('a tfjs training loop with a downhill optimizer', () => {
  it('updates tf.Variables as tf.train.sgd does, structure and names kept', () => {
    const c = tf.tensor([1, -2, 0.5]);
    const make = () => ({ w: tf.variable(tf.tensor([0.5, 0.25, -1])), layers: [tf.variable(tf.tensor([[2, -1]]))] });
    // ∂/∂w Σ(w − c)² = 2(w − c); ∂/∂v Σv² = 2v: tf gradients written out (tfjs-core's Node entry registers no gradient functions).
    const gradsOf = (v: ReturnType<typeof make>) => ({ w: tf.mul(tf.sub(v.w, c), 2), layers: [tf.mul(v.layers[0], 2)] });

    const ours = make();
    const tx = sgd(0.1, { momentum: 0.9 });
    let state = tx.init(fromTfTree(b, ours));
    const theirs = make();
    const ref = tf.train.momentum(0.1, 0.9);
    for (let i = 0; i < 3; i++) {
      const g = gradsOf(ours);
      const r = step(tx, fromTfTree(b, ours), fromTfTree(b, g), state);
      assignToTf(ours, r.params);
      b.dispose([r.params]);
      state = r.state;
      tf.dispose([g.w, g.layers[0]]);
      const gt = gradsOf(theirs);
      ref.applyGradients([
        { name: theirs.w.name, tensor: gt.w },
        { name: theirs.layers[0].name, tensor: gt.layers[0] },
      ]);
      tf.dispose([gt.w, gt.layers[0]]);
    }
    const close = (a: tf.Tensor, e: tf.Tensor) => [...a.dataSync()].forEach((v, i) => expect(v).toBeCloseTo(e.dataSync()[i], 6));
    close(ours.w, theirs.w);
    close(ours.layers[0], theirs.layers[0]);
    // Not trivially equal: the variables moved.
    expect([...ours.w.dataSync()]).not.toEqual([0.5, 0.25, -1]);
  });

  it('refuses a tree whose names differ, assigning nothing', () => {
    const v = { w: tf.variable(tf.tensor([1, 2])), u: tf.variable(tf.tensor([3])) };
    const p = fromTfTree(b, { w: tf.tensor([5, 6]) });
    expect(() => assignToTf(v, p)).toThrow(/'u'/);
    expect([...v.w.dataSync()]).toEqual([1, 2]);
  });
});
