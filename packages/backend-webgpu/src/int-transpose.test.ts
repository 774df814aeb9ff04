import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webgpuForTests } from './test-helpers.js';

/** Host transpose: the expected values. */
function transposeHost(values: number[], shape: number[], perm: number[]): number[] {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < values.length; k++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * strides[perm[i]];
    out.push(values[src]);
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

const CASES: [number[], number[]][] = [
  [
    [2, 3],
    [0, 1],
  ],
  [
    [2, 3, 4],
    [1, 0, 2],
  ],
  [
    [2, 3, 4],
    [2, 0, 1],
  ],
  [
    [3, 1, 2, 2],
    [3, 2, 1, 0],
  ],
  [
    [2, 1, 3, 2, 2],
    [4, 2, 0, 3, 1],
  ],
  [
    [2, 2, 1, 3, 2, 2],
    [5, 4, 2, 0, 3, 1],
  ],
];

const { backend, reason } = await webgpuForTests();

// tfjs-backend-webgpu 4.22's general transpose shader does not compile for int32 and bool tensors
// held on the GPU, leaving stale buffer contents as the result; int-transpose.ts replaces it.
describe.skipIf(!backend)(`int32 and bool transposes on the GPU${backend ? '' : ` [skipped: ${reason}]`}`, () => {
  beforeAll(() => tf.env().set('WEBGPU_CPU_FORWARD', false)); // keep the small test tensors on the GPU
  afterAll(() => tf.env().set('WEBGPU_CPU_FORWARD', true));

  it.each(CASES)('shape %j, perm %j', async (shape, perm) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => 1_000_003 * i - 7); // exact in i32, not in f32
    const flags = values.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const x = tf.tensor(values, shape, 'int32');
    const b = tf.tensor(flags, shape, 'bool');
    for (const t of [x, b]) (tf.backend() as unknown as { uploadToGPU(id: object): void }).uploadToGPU(t.dataId);
    const [gotX, gotB] = await Promise.all([tf.transpose(x, perm).data(), tf.transpose(b, perm).data()]);
    expect(Array.from(gotX)).toEqual(transposeHost(values, shape, perm));
    expect(Array.from(gotB)).toEqual(transposeHost(flags, shape, perm));
    tf.dispose([x, b]);
  });
});
