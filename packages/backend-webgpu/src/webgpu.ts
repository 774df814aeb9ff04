/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { BackendMismatchError, BackendUnavailableError, type Backend, type Kernels, checkOptions } from '@downhill/backend';
import { createTfjsBackend } from '@downhill/backend-tfjs';
import { acquireDevice, type AcquiredDevice, type GpuOptions } from './acquire-device.js';
import { ProgramRunner } from './program-dispatch.js';
import { patchIntTranspose } from './int-transpose.js';
import { describeRoute } from './gpu-route.js';
import { softwareAdapter } from './software-adapter.js';

/** Options of {@link webgpu}: how to reach the device (see {@link GpuOptions}) and the backend's name. */
export interface WebGPUOptions extends GpuOptions {
  /** The downhill backend name; `webgpu` by default. */
  readonly name?: string;
}

/** What {@link webgpuInfo} reports about the device a WebGPU backend runs on. */
export interface WebGPUInfo {
  /** How the adapter was reached: `navigator.gpu (core)`, `Dawn opengles (compatibility)`... */
  readonly route: string;
  /** The adapter's vendor, architecture and description, where the implementation tells. */
  readonly adapter: string;
  /** Every route tried before this one, with why it failed. */
  readonly tried: readonly string[];
  /** The software rasterizer the adapter runs on (Mesa's llvmpipe, SwiftShader…), or `undefined` on a GPU. */
  readonly software: string | undefined;
}

/** The one TensorFlow.js WebGPU engine backend this package set up (tfjs has one global engine). */
interface Setup {
  readonly acquired: AcquiredDevice;
  readonly tfBackend: WebGPUBackend;
  readonly programs: ProgramRunner;
}

let setup: Promise<Setup> | undefined;
const INFO = new WeakMap<Backend, WebGPUInfo>();

/**
 * The WebGPU backend: TensorFlow.js's WebGPU backend through `@downhill/backend-tfjs`, with the
 * compiled elementwise programs (generated WGSL, cached; one dispatch per tensor group, all groups
 * of a call in one command buffer). float32, int32 and bool; reads are asynchronous only.
 *
 * In browsers the device comes from `navigator.gpu`; in Node from Dawn through the `webgpu` npm
 * package (an optional peer dependency), with Dawn's backend and WebGPU's feature level chosen by
 * `options` or by defaults that work without a GPU on Linux (Mesa's OpenGL ES at compatibility
 * level). TensorFlow.js has one global engine and so one WebGPU device: the first call sets it up,
 * later calls share it (their device options are ignored) until {@link releaseWebGPU}.
 *
 * @param options - Device route options and the backend name.
 * @returns The backend, once the device is ready and the kernels are compiled.
 * @throws BackendUnavailableError when no adapter can be had, naming each route tried and what to install.
 * @example
 * ```ts
 * import { webgpu } from '@downhill/backend-webgpu';
 * const b = await webgpu();
 * const y = b.scope(() => b.matmul(b.tensor([1, 2, 3, 4], [2, 2]), b.tensor([1, 0, 0, 1], [2, 2])));
 * await y.read(); // Float32Array [1, 2, 3, 4]
 * ```
 */
export async function webgpu(options: WebGPUOptions = {}): Promise<Backend> {
  const { name = 'webgpu' } = checkOptions('webgpu', options, {
    name: true,
    dawnBackend: true,
    featureLevel: true,
    powerPreference: true,
    dawnFlags: true,
    gpu: true,
  });
  setup ??= start(options).catch((e) => {
    setup = undefined;
    throw e;
  });
  const { acquired, tfBackend, programs } = await setup;
  if (tf.engine().registry.webgpu !== tfBackend || !(await tf.setBackend('webgpu'))) {
    throw new BackendUnavailableError(
      `webgpu: TensorFlow.js's 'webgpu' backend was replaced or removed since it was set up; call releaseWebGPU() and webgpu() again`,
    );
  }
  const runProgram: Kernels['runProgram'] = (program, groups, inPlace) => {
    const active = tf.getBackend();
    if (active !== 'webgpu') {
      throw new BackendMismatchError(
        `${name}.runProgram: TensorFlow.js's active backend is '${active}', not 'webgpu'; use one downhill tfjs backend at a time, or call tf.setBackend('webgpu') first`,
      );
    }
    if (!programs.fits(program)) return undefined; // more inputs or outputs than storage bindings: composed
    return programs.run(program, groups, inPlace[0] ?? []).map((outs) => outs.map((t) => tf.keep(t)));
  };
  const backend = createTfjsBackend('webgpu', { name, syncRead: false, runProgram, inPlace: false });
  INFO.set(backend, {
    route: describeRoute(acquired.route),
    adapter: adapterText(acquired.adapter),
    tried: acquired.tried,
    software: softwareAdapter(acquired.adapter),
  });
  return backend;
}

async function start(options: GpuOptions): Promise<Setup> {
  const acquired = await acquireDevice(options);
  const { device, adapter } = acquired;
  // Our own factory replaces the one tfjs-backend-webgpu registers in browsers: it reuses the
  // device acquired above (with the route's feature level and raised limits).
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  let made: WebGPUBackend | undefined;
  tf.registerBackend('webgpu', () => (made = new WebGPUBackend(device, adapter.info)), 3);
  let ok = false;
  let failure = '';
  try {
    ok = await tf.setBackend('webgpu');
  } catch (e) {
    failure = `: ${(e as Error).message}`;
  }
  if (!ok || !made) {
    tf.removeBackend('webgpu');
    acquired.release();
    device.destroy();
    throw new BackendUnavailableError(`webgpu: TensorFlow.js's WebGPU backend did not start on ${describeRoute(acquired.route)}${failure}`);
  }
  patchIntTranspose();
  return { acquired, tfBackend: made, programs: new ProgramRunner(made) };
}

/**
 * How a backend made by {@link webgpu} reached its device, or `undefined` for other backends.
 *
 * @example
 * ```ts
 * webgpuInfo(await webgpu())?.route; // 'Dawn opengles (compatibility)' in Node on Linux without a GPU
 * ```
 */
export function webgpuInfo(backend: Backend): WebGPUInfo | undefined {
  return INFO.get(backend);
}

/**
 * Counts of TensorFlow.js's WebGPU engine: tensors, GPU buffers in use and bytes on the GPU
 * (what a leak shows in). Throws when the backend is not set up.
 *
 * @example
 * ```ts
 * const { tensors, buffers } = webgpuMemory();
 * ```
 */
export function webgpuMemory(): { tensors: number; buffers: number; bytesInGPU: number } {
  const b = tf.engine().registry.webgpu as WebGPUBackend | undefined;
  if (!b) throw new BackendUnavailableError('webgpuMemory: the WebGPU backend is not set up; call webgpu() first');
  const m = b.memory();
  return { tensors: tf.memory().numTensors, buffers: b.bufferManager.getNumUsedBuffers(), bytesInGPU: m.numBytesInGPU };
}

/**
 * Releases the WebGPU device this package set up: removes TensorFlow.js's `webgpu` backend (its
 * tensors become unusable), destroys the device, and in Node removes the `navigator.gpu` it
 * installed so the process can exit. The next {@link webgpu} call starts afresh.
 *
 * @example
 * ```ts
 * afterAll(() => releaseWebGPU());
 * ```
 */
export async function releaseWebGPU(): Promise<void> {
  const s = setup;
  setup = undefined;
  if (!s) return;
  let done: Setup;
  try {
    done = await s;
  } catch {
    return;
  }
  if (tf.engine().registry.webgpu === done.tfBackend || tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  done.programs.dispose();
  done.acquired.device.destroy();
  done.acquired.release();
}

function adapterText(adapter: GPUAdapter): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.description, info.device].filter((s) => s);
  return parts.length ? parts.join(' ') : 'unknown adapter';
}
