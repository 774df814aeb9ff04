/**
 * Side effect: registers the CUDA backend as `cuda` (priority 300, the highest of the bundled
 * backends) with the backend registry of `@downhill/backend`. Importing it never loads
 * tfjs-node-gpu; the registry starts the backend when asked, and where tfjs-node-gpu is missing
 * or finds no GPU, `selectBackend()` records why and moves on (WebGPU, then the CPU backends),
 * while `getBackend('cuda')` throws `BackendUnavailableError` with what to install.
 *
 * @example
 * ```ts
 * import '@downhill/backend-cuda/register';
 * import '@downhill/backend-webgpu/register';
 * import '@downhill/backend-cpu/register';
 * import { selectBackend } from '@downhill/backend';
 * const { backend, reason } = await selectBackend(); // cuda, else webgpu, else cpu; reason says why
 * ```
 *
 * @packageDocumentation
 */
import { hasBackend, registerBackend } from '@downhill/backend';
import { cuda } from './cuda.js';

if (!hasBackend('cuda')) {
  registerBackend({
    name: 'cuda',
    priority: 300,
    description: 'TensorFlow (libtensorflow 2.9.1) on CUDA through tfjs-node-gpu',
    create: () => cuda(),
  });
}
