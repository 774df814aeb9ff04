import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, type Backend, checkOptions } from '@downhill/backend';
import { createTfjsBackend } from '@downhill/backend-tfjs';
import { CUDA_REQUIREMENTS, TFJS_NODE_GPU, loadTfjsNodeGpu } from './load-tfjs-node-gpu.js';

/** Options of {@link cuda}. */
export interface CudaOptions {
  /** The downhill backend name; `cuda` by default. */
  readonly name?: string;
  /**
   * Refuse to run when TensorFlow found no CUDA device (tfjs-node-gpu then computes on the CPU):
   * true by default, so that a backend named `cuda` runs on a GPU or not at all.
   */
  readonly requireGpu?: boolean;
  /** How to import tfjs-node-gpu; `import('@tensorflow/tfjs-node-gpu')` by default (a custom build, or a stand-in for tests). */
  readonly load?: () => Promise<unknown>;
}

/** The TensorFlow.js backend name tfjs-node-gpu registers. */
export const TF_BACKEND = 'tensorflow';

/** What tfjs-node's backend class says about its device (fields of `NodeJSKernelBackend`). */
interface NodeBackendFlags {
  readonly isGPUPackage?: boolean;
  readonly isUsingGpuDevice?: boolean;
}

/**
 * The CUDA backend: TensorFlow.js's `tensorflow` backend from tfjs-node-gpu (libtensorflow on CUDA)
 * through `@downhill/backend-tfjs`. float32, int32 and bool; synchronous reads; elementwise
 * programs through the primitives.
 *
 * tfjs-node-gpu is an optional peer dependency, imported only here, on first use: importing this
 * package never needs it. Where it is missing or cannot load, or where TensorFlow finds no CUDA
 * device, throws `BackendUnavailableError` saying what to install and what went wrong.
 *
 * @param options - Name, GPU requirement and loader.
 * @returns The backend, with `tensorflow` the active TensorFlow.js backend.
 * @throws BackendUnavailableError with the requirements (tfjs-node-gpu 4.22, libtensorflow 2.9.1, CUDA 11.2, cuDNN 8.1, an NVIDIA driver) and the underlying error.
 * @example
 * ```ts
 * import { cuda } from '@downhill/backend-cuda';
 * const b = await cuda(); // throws BackendUnavailableError without tfjs-node-gpu
 * const y = b.scope(() => b.matmul(b.tensor([1, 2, 3, 4], [2, 2]), b.tensor([1, 0, 0, 1], [2, 2])));
 * b.readSync(y); // Float32Array [1, 2, 3, 4]
 * ```
 */
export async function cuda(options: CudaOptions = {}): Promise<Backend> {
  const { name = 'cuda', requireGpu = true, load } = checkOptions('cuda', options, { name: true, requireGpu: true, load: true });
  await loadTfjsNodeGpu(load);
  if (!tf.findBackendFactory(TF_BACKEND)) {
    throw new BackendUnavailableError(
      `cuda: ${TFJS_NODE_GPU} loaded but registered no '${TF_BACKEND}' backend with the copy of @tensorflow/tfjs-core that downhill uses; ` +
        `install one copy of @tensorflow/tfjs-core 4.22.0 (npm ls @tensorflow/tfjs-core shows duplicates)`,
    );
  }
  let ok = false;
  let failure = '';
  try {
    ok = await tf.setBackend(TF_BACKEND);
  } catch (e) {
    failure = `: ${(e as Error).message}`;
  }
  if (!ok) {
    throw new BackendUnavailableError(
      `cuda: TensorFlow.js could not start the '${TF_BACKEND}' backend of ${TFJS_NODE_GPU}${failure}; ${CUDA_REQUIREMENTS}`,
    );
  }
  const flags = tf.backend() as unknown as NodeBackendFlags;
  if (requireGpu && flags.isUsingGpuDevice !== true) {
    const why =
      flags.isGPUPackage === false
        ? `the loaded package is the CPU build (@tensorflow/tfjs-node), not ${TFJS_NODE_GPU}`
        : 'TensorFlow found no CUDA device';
    throw new BackendUnavailableError(
      `cuda: ${TFJS_NODE_GPU} started but runs on the CPU: ${why}; ${CUDA_REQUIREMENTS}. (Pass { requireGpu: false } to use it anyway.)`,
    );
  }
  return createTfjsBackend(TF_BACKEND, { name });
}
