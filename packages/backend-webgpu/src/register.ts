/**
 * Side effect: registers the WebGPU backend as `webgpu` (priority 200, above the CPU backends and
 * below CUDA) with the backend registry of `@downhill/backend`. Nothing starts until the backend
 * is asked for; where no adapter can be had, `selectBackend()` records why and moves on to the
 * next backend, and `getBackend('webgpu')` throws `BackendUnavailableError` with the reason.
 *
 * In Node, the environment variables `DOWNHILL_WEBGPU_DAWN_BACKEND` (`vulkan`, `opengles`...) and
 * `DOWNHILL_WEBGPU_FEATURE_LEVEL` (`core`, `compatibility`) choose the Dawn route of this entry.
 *
 * @example
 * ```ts
 * import '@downhill/backend-webgpu/register';
 * import '@downhill/backend-cpu/register';
 * import { selectBackend } from '@downhill/backend';
 * const { backend, reason } = await selectBackend(); // webgpu where an adapter exists, else cpu
 * ```
 *
 * @packageDocumentation
 */
import { hasBackend, registerBackend } from '@downhill/backend';
import { optionsFromEnv } from './env-options.js';
import { webgpu, webgpuInfo } from './webgpu.js';

if (!hasBackend('webgpu')) {
  registerBackend({
    name: 'webgpu',
    priority: 200,
    description: 'TensorFlow.js WebGPU with generated WGSL programs',
    create: () => webgpu(optionsFromEnv()),
    rank: (backend) => {
      const software = webgpuInfo(backend)?.software;
      return software ? { priority: 50, reason: `a software adapter (${software}), slower than the CPU backends` } : undefined;
    },
  });
}
