/**
 * Arg-reductions along an axis other than the last, on the GPU: TensorFlow.js's WebGPU `ArgMax`
 * (4.22.0) transposes internally and, for an int32 tensor after a float32 one of the same shape,
 * returned the float32 call's indices. backend-tfjs transposes first and reduces along the last
 * axis; these calls, in that order, must each give their own indices (the host loop's).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { webgpuForTests } from './test-helpers.js';

const { backend, reason } = await webgpuForTests();
tf.env().set('WEBGPU_CPU_FORWARD', false);

const X = [1, 5, 2, 0, 3, 4, -1, 7, 2, 8, 1, 0, 9, 2, 3, 1, 0, 0, 2, 2, 2, 5, 6, 7];
const Y = [3, 0, 1, 2, 0, 0, 4, 1, 1, 2, 2, 0, 2, 1, 0, 5, 3, 3, 1, 0, 0, 4, 2, 2];

/** argmax along `axis` of a row-major [2, 3, 4] array, the first index on ties. */
function argmaxHost(values: number[], axis: number): number[] {
  const shape = [2, 3, 4];
  const strides = [12, 4, 1];
  const outShape = shape.filter((_, a) => a !== axis);
  const out: number[] = [];
  for (let i = 0; i < outShape[0]; i++) {
    for (let j = 0; j < outShape[1]; j++) {
      const base = [i, j];
      const at = (k: number) => {
        const idx = [...base];
        idx.splice(axis, 0, k);
        return values[idx[0] * strides[0] + idx[1] * strides[1] + idx[2] * strides[2]];
      };
      let best = 0;
      for (let k = 1; k < shape[axis]; k++) if (at(k) > at(best)) best = k;
      out.push(best);
    }
  }
  return out;
}

describe.skipIf(!backend)(`arg-reductions along another axis on the GPU${backend ? '' : ` [skipped: ${reason}]`}`, () => {
  it('an int32 tensor after a float32 one of the same shape gets its own indices, along every axis', async () => {
    const b = backend!;
    for (const axis of [0, 1, 2]) {
      const x = b.tensor(X, [2, 3, 4]);
      const y = b.tensor(Y, [2, 3, 4], 'int32');
      expect(Array.from(await b.argReduce('argmax', x, axis).read()), `float32, axis ${axis}`).toEqual(argmaxHost(X, axis));
      expect(Array.from(await b.argReduce('argmax', y, axis).read()), `int32 after float32, axis ${axis}`).toEqual(argmaxHost(Y, axis));
      expect(Array.from(await b.argReduce('argmax', x, axis).read()), `float32 again, axis ${axis}`).toEqual(argmaxHost(X, axis));
    }
  });
});
