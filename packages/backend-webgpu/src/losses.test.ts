// The losses' label checks on WebGPU behave as on backend-cpu and backend-tfjs
// (packages/losses/src/label-checks.test.ts): host labels are checked on the host and an
// out-of-range one throws, naming its index; a label tensor is checked on the device, where a bad
// label makes its example's loss and gradient NaN, with no read-back. Without an adapter the test
// skips with the reason printed; where DOWNHILL_REQUIRE_WEBGPU=1 (CI), a missing adapter fails.
import { InvalidArgumentError, type Backend, type Tensor } from '@downhill/backend';
import { valueAndGrad, type TensorLike } from '@downhill/autograd';
import { nllLoss, softmaxCrossEntropy } from '@downhill/losses';
import { describe, expect, it } from 'vitest';
import { webgpuForTests } from './test-helpers.js';

const { backend, reason } = await webgpuForTests();

const LOGITS = [1, 2, 3, 0.5, -1, 2];
const lse = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));

/** Counts the backend's reads while `fn` runs. */
function countReads<T>(b: Backend, fn: () => T): [T, number] {
  let reads = 0;
  const read = b.read.bind(b);
  const patched = b as { read: Backend['read'] };
  patched.read = (x) => (reads++, read(x));
  try {
    return [fn(), reads];
  } finally {
    patched.read = read;
  }
}

describe.skipIf(!backend)(`label checks on webgpu${backend ? '' : ` (skipped: ${reason})`}`, () => {
  it('host labels: an out-of-range label throws naming its index, as on the CPU', () => {
    const b = backend!;
    const logits = b.tensor(LOGITS, [2, 3]);
    expect(() => softmaxCrossEntropy(logits, [1, 3])).toThrow(InvalidArgumentError);
    expect(() => nllLoss(logits, Int32Array.from([1, -1]))).toThrow('nllLoss: label -1 at index 1 is outside [0, 3) for logProbs [2, 3]');
    b.dispose(logits);
  });

  it('a label tensor: a bad label gives NaN loss and gradient for its example, with no read-back', async () => {
    const b = backend!;
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
    g.slice(0, 3).forEach((v, i) => expect(v).toBeCloseTo(p[i] - (i === 1 ? 1 : 0), 5));
    b.dispose([logits, labels, loss, grads as Tensor]);
  });
});
