import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, DisposedTensorError, InvalidArgumentError, type Backend } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { fromTf, tfjs, toTf } from '@downhill/backend-tfjs';

let b: Backend;
beforeAll(async () => {
  b = await tfjs({ tfBackend: 'cpu' });
});

describe('fromTf and toTf', () => {
  const cases: [string, () => tf.Tensor, string, number[]][] = [
    ['float32 [2,2]', () => tf.tensor([1.5, -2, 3, 4], [2, 2]), 'float32', [1.5, -2, 3, 4]],
    ['int32 [3]', () => tf.tensor([7, -1, 2 ** 31 - 1], [3], 'int32'), 'int32', [7, -1, 2 ** 31 - 1]],
    ['bool [2]', () => tf.tensor([1, 0], [2], 'bool'), 'bool', [1, 0]],
    ['scalar', () => tf.scalar(2.25), 'float32', [2.25]],
    ['zero-size [0,3]', () => tf.zeros([0, 3]), 'float32', []],
  ];
  it.each(cases)('round-trips a %s tensor without losing data', async (_, make, dtype, values) => {
    const before = tf.memory().numTensors;
    const t = make();
    const x = fromTf(b, t);
    expect([x.dtype, x.shape]).toEqual([dtype, t.shape]);
    t.dispose(); // fromTf holds its own reference: the caller's tensor may go
    expect([...(await x.read())]).toEqual(values);
    const y = b.scope(() => (dtype === 'bool' ? b.cast(x, 'bool') : b.add(x, b.zeros(x.shape, x.dtype))));
    const back = toTf(y);
    y.dispose(); // toTf's result is the caller's own
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(x.shape);
    expect([...(await back.data())]).toEqual(values);
    back.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes on adopted tensors inside scopes and releases them with the scope', async () => {
    const before = tf.memory().numTensors;
    const t = tf.tensor([1, 2, 3]);
    const out = b.scope(() => b.reduce('sum', b.mul(fromTf(b, t), 2)));
    expect([...(await out.read())]).toEqual([12]);
    out.dispose();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(b.memory().tensors).toBe(0);
  });

  it('refuses what it cannot hold, with typed errors and no leak', () => {
    const before = tf.memory().numTensors;
    const s = tf.tensor(['a']);
    expect(() => fromTf(b, s)).toThrow(DTypeError);
    expect(() => fromTf(b, s)).toThrow(/float32, int32 and bool.*string/);
    s.dispose();
    expect(() => fromTf(b, s)).toThrow(DisposedTensorError);
    const one = tf.scalar(1);
    expect(() => fromTf(cpu(), one)).toThrow(InvalidArgumentError);
    one.dispose();
    expect(() => fromTf(b, [1, 2] as unknown as tf.Tensor)).toThrow(InvalidArgumentError);
    const c = cpu();
    expect(() => toTf(c.tensor([1]))).toThrow(/does not live on a TensorFlow.js backend/);
    const x = b.tensor([1]);
    x.dispose();
    expect(() => toTf(x)).toThrow(DisposedTensorError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("survives a user's tf.tidy around downhill calls", async () => {
    const x = b.tensor([1, 2]);
    let y = x;
    tf.tidy(() => {
      tf.ones([2]); // something of the user's, released by the tidy
      y = b.add(x, 1); // a downhill tensor: its storage must outlive the tidy
    });
    expect([...(await y.read())]).toEqual([2, 3]);
    b.dispose([x, y]);
  });
});
