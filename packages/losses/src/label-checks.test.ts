/**
 * Label and target checks behave the same on every backend and never read the device: integer
 * labels given on the host (an `Int32Array` or an array) are checked on the host and an
 * out-of-range one throws, naming its index; labels given as a tensor are checked on the device,
 * where an out-of-range label makes that example's loss and its gradient NaN (no read-back, no
 * silent finite value). Hinge targets other than ±1 do the same. Run on backend-cpu and on
 * backend-tfjs (TensorFlow.js's cpu backend); the losses' reference values are computed here in
 * float64 from the definition.
 */
import { InvalidArgumentError, type Backend, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { valueAndGrad, type TensorLike } from '@downhill/autograd';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hingeLoss, nllLoss, softmaxCrossEntropy, squaredHingeLoss } from './index.js';

const backends: [string, () => Promise<Backend>][] = [
  ['cpu', async () => cpu()],
  ['tfjs-cpu', async () => tfjs({ tfBackend: 'cpu' })],
];
beforeAll(() => {
  tf.env().set('IS_TEST', true);
});

const LOGITS = [1, 2, 3, 0.5, -1, 2];
const lse = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
const ce = (row: number[], label: number) => lse(row) - row[label];

/** Counts synchronous and asynchronous reads of a backend while `fn` runs. */
function countReads<T>(b: Backend, fn: () => T): [T, number] {
  let reads = 0;
  const readSync = b.readSync.bind(b);
  const read = b.read.bind(b);
  const patched = b as { readSync: Backend['readSync']; read: Backend['read'] };
  patched.readSync = (x) => (reads++, readSync(x));
  patched.read = (x) => (reads++, read(x));
  try {
    return [fn(), reads];
  } finally {
    patched.readSync = readSync;
    patched.read = read;
  }
}

describe.each(backends)('label checks on %s', (_name, make) => {
  it('labels on the host: an out-of-range label throws naming its index; good labels give the loss', async () => {
    const b = await make();
    const logits = b.tensor(LOGITS, [2, 3]);
    for (const labels of [[1, 3], Int32Array.from([1, -1])]) {
      expect(() => softmaxCrossEntropy(logits, labels)).toThrow(InvalidArgumentError);
      expect(() => softmaxCrossEntropy(logits, labels)).toThrow(
        `softmaxCrossEntropy: label ${labels[1]} at index 1 is outside [0, 3) for logits [2, 3]`,
      );
      expect(() => nllLoss(logits, labels)).toThrow(`nllLoss: label ${labels[1]} at index 1 is outside [0, 3) for logProbs [2, 3]`);
    }
    expect(() => softmaxCrossEntropy(logits, [1.5, 0])).toThrow('softmaxCrossEntropy: label 1.5 at index 0 is not an integer');
    expect(() => softmaxCrossEntropy(logits, [1])).toThrow(/labels of shape \[2\].*got 1 host labels/);
    const before = b.memory().tensors;
    const loss = b.scope(() => softmaxCrossEntropy(logits, [2, 0], { reduction: 'none' }));
    const got = Array.from(await b.read(loss as Tensor));
    expect(got[0]).toBeCloseTo(ce([1, 2, 3], 2), 6);
    expect(got[1]).toBeCloseTo(ce([0.5, -1, 2], 0), 6);
    b.dispose(loss as Tensor);
    expect(b.memory().tensors).toBe(before);
  });

  it('labels in a tensor are checked without reading the device: a bad label gives NaN loss and NaN gradient for its example only', async () => {
    const b = await make();
    const logits = b.tensor(LOGITS, [2, 3]);
    const labels = b.tensor([1, 3], [2], 'int32');
    const [[loss, grads], reads] = countReads(b, () =>
      valueAndGrad((x: TensorLike) => softmaxCrossEntropy(x, labels, { reduction: 'sum' }))(logits),
    );
    expect(reads).toBe(0);
    expect(Number.isNaN((await b.read(loss))[0])).toBe(true);
    const g = Array.from(await b.read(grads as Tensor));
    expect(g.slice(3).every(Number.isNaN)).toBe(true);
    const p = [1, 2, 3].map((v) => Math.exp(v - lse([1, 2, 3])));
    g.slice(0, 3).forEach((v, i) => expect(v).toBeCloseTo(p[i] - (i === 1 ? 1 : 0), 6));
    const [none, reads2] = countReads(b, () => nllLoss(logits, b.tensor([-1, 2], [2], 'int32'), { reduction: 'none' }));
    expect(reads2).toBe(0);
    const n = Array.from(await b.read(none as Tensor));
    expect(Number.isNaN(n[0])).toBe(true);
    expect(n[1]).toBeCloseTo(-2, 6);
  });

  it('hinge targets other than ±1 give NaN for that element, without reading the device', async () => {
    const b = await make();
    const scores = b.tensor([0.5, -2, 0.25], [3]);
    for (const loss of [hingeLoss, squaredHingeLoss]) {
      const [out, reads] = countReads(b, () => loss(scores, b.tensor([1, 0, -1], [3]), { reduction: 'none' }));
      expect(reads).toBe(0);
      const v = Array.from(await b.read(out as Tensor));
      const ref = [Math.max(0, 1 - 0.5), NaN, Math.max(0, 1 + 0.25)].map((m) => (loss === hingeLoss ? m : m * m));
      expect(v[0]).toBeCloseTo(ref[0], 6);
      expect(Number.isNaN(v[1])).toBe(true);
      expect(v[2]).toBeCloseTo(ref[2], 6);
    }
  });
});
