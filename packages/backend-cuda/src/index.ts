/**
 * `@downhill/backend-cuda`: TensorFlow.js's `tensorflow` backend from tfjs-node-gpu (libtensorflow
 * 2.9.1 on CUDA 11.2 with cuDNN 8.1) through `@downhill/backend-tfjs`. tfjs-node-gpu is an
 * optional peer dependency, loaded lazily; without it this package imports fine and `cuda()`
 * throws `BackendUnavailableError` saying what to install.
 *
 * Import `@downhill/backend-cuda/register` to register it as `cuda` (priority 300).
 *
 * @packageDocumentation
 */
export { cuda, TF_BACKEND, type CudaOptions } from './cuda.js';
export { CUDA_REQUIREMENTS, TFJS_NODE_GPU, loadTfjsNodeGpu } from './load-tfjs-node-gpu.js';
