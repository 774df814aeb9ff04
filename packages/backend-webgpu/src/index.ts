/**
 * `@downhill/backend-webgpu`: TensorFlow.js's WebGPU backend through `@downhill/backend-tfjs`,
 * set up for browsers (`navigator.gpu`) and for Node (Dawn through the `webgpu` npm package), with
 * compiled elementwise programs: generated WGSL, one dispatch per tensor group.
 *
 * Import `@downhill/backend-webgpu/register` to register it as `webgpu` (priority 200 on a GPU,
 * 50 on a software adapter such as Mesa's llvmpipe, below the CPU backends).
 *
 * @packageDocumentation
 */
export { webgpu, webgpuInfo, webgpuMemory, releaseWebGPU, type WebGPUInfo, type WebGPUOptions } from './webgpu.js';
export { acquireDevice, type AcquiredDevice, type GpuOptions } from './acquire-device.js';
export { defaultDawnRoutes, describeRoute, type DawnBackend, type FeatureLevel, type GpuRoute } from './gpu-route.js';
export { optionsFromEnv } from './env-options.js';
export { softwareAdapter } from './software-adapter.js';
