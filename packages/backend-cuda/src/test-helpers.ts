import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

let kernelsCopied = false;

/**
 * A stand-in for `import('@tensorflow/tfjs-node-gpu')` in tests: registers a TensorFlow.js backend
 * named `tensorflow` (tfjs's CPU kernels under that name) whose device flags say what
 * tfjs-node's `NodeJSKernelBackend` would. Lets the tests reach every branch of `cuda()` on
 * machines without CUDA; the real package is what runs on GPU machines.
 */
export function fakeTfjsNodeGpu(flags: { isGPUPackage: boolean; isUsingGpuDevice: boolean }): () => Promise<unknown> {
  return async () => {
    if (!kernelsCopied) {
      for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
      kernelsCopied = true;
    }
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
    tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), flags), 3);
    return {};
  };
}

/** Forgets the stand-in's `tensorflow` backend and returns TensorFlow.js to its CPU backend. */
export async function removeFakeTfjsNodeGpu(): Promise<void> {
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
}
