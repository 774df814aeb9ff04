/// <reference types="@webgpu/types" />
import { fusedStateCount, type FusedHyperparameters, type FusedUpdateKind } from '@downhill/backend';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { engine } from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { ALL_VARIANT_SAMPLES, WORKGROUP_SIZE, fusedVariant, type FusedVariant } from './fused-wgsl.js';

/**
 * Workgroups in x and y covering `n` elements, x at most `maxX` (the device's per-dimension
 * limit): one row where it fits, else as few rows as needed. Threads past `n` return at once.
 *
 * @example
 * ```ts
 * fusedGrid(100, 65535); // [2, 1]
 * ```
 */
export function fusedGrid(n: number, maxX: number): [number, number] {
  const groups = Math.ceil(n / WORKGROUP_SIZE);
  if (groups <= maxX) return [groups, 1];
  const y = Math.ceil(groups / maxX);
  return [Math.ceil(groups / y), y];
}

/** Bytes of the uniform block: `n`, `stride` and up to ten hyperparameters, rounded up to 16. */
const UNIFORM_BYTES = 48;

/**
 * Runs the fused optimizer updates of `fused-wgsl.ts` on TensorFlow.js's WebGPU backend with one
 * compute dispatch per parameter tensor, straight on the `GPUBuffer`s that tfjs holds.
 *
 * Why raw dispatch rather than tfjs's `runWebGPUProgram`: a tfjs program has one output, and an
 * update has up to four (the parameter and its state). Here the outputs are fresh tfjs tensors
 * whose buffers are first filled with copies of the inputs (`copyBufferToBuffer`, no dispatch),
 * then one dispatch reads the gradient and updates them in place. The inputs are never written.
 * Pending tfjs work is submitted first, and this work is submitted at once, so the queue keeps
 * tfjs's order and a buffer released afterwards is safe to reuse.
 */
export class FusedUpdater {
  /** The kinds this device can run (RMSProp with every state needs five storage buffers). */
  readonly kinds: readonly FusedUpdateKind[];
  private readonly backend: WebGPUBackend;
  private readonly device: GPUDevice;
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  private readonly uniform: GPUBuffer;
  private readonly maxStorage: number;

  private constructor(backend: WebGPUBackend) {
    this.backend = backend;
    this.device = backend.device;
    this.maxStorage = this.device.limits.maxStorageBuffersPerShaderStage;
    this.uniform = this.device.createBuffer({ size: UNIFORM_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const kinds: FusedUpdateKind[] = ['sgd', 'adam'];
    if (this.maxStorage >= 5) kinds.push('rmsprop');
    this.kinds = kinds;
  }

  /**
   * Compiles every pipeline ahead of use (asynchronously, so a compile error surfaces here with
   * its message instead of as a silent validation error at the first step).
   */
  static async create(backend: WebGPUBackend): Promise<FusedUpdater> {
    const u = new FusedUpdater(backend);
    for (const { kind, hyper } of ALL_VARIANT_SAMPLES) {
      if (!u.kinds.includes(kind)) continue;
      const v = fusedVariant(kind, hyper);
      if (u.pipelines.has(v.key)) continue;
      const layout = u.device.createBindGroupLayout({
        entries: [
          { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
          { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
          ...Array.from({ length: 1 + v.states }, (_, i) => ({
            binding: 2 + i,
            visibility: GPUShaderStage.COMPUTE,
            buffer: { type: 'storage' as const },
          })),
        ],
      });
      const module = u.device.createShaderModule({ code: v.code, label: `downhill fused ${v.key}` });
      const pipeline = await u.device.createComputePipelineAsync({
        label: `downhill fused ${v.key}`,
        layout: u.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      u.pipelines.set(v.key, { pipeline, layout });
    }
    return u;
  }

  /**
   * One update: new tfjs tensors for the parameter and each state tensor; the inputs are left as
   * they were. All tensors are float32 of one shape (the caller, `defineBackend`, checked).
   */
  run<K extends FusedUpdateKind>(
    kind: K,
    param: TfTensor,
    grad: TfTensor,
    state: readonly TfTensor[],
    hyper: FusedHyperparameters[K],
  ): { param: TfTensor; state: TfTensor[] } {
    const variant = fusedVariant(kind, hyper);
    const compiled = this.pipelines.get(variant.key);
    if (!compiled || state.length !== variant.states || state.length !== fusedStateCount(kind, hyper)) {
      throw new Error(`webgpu fused '${variant.key}': no pipeline for ${state.length} state tensors`);
    }
    const n = param.size;
    const targets = [param, ...state];
    if (n === 0) {
      const outs = targets.map((t) => this.empty(t.shape));
      return { param: outs[0], state: outs.slice(1) };
    }
    const b = this.backend;
    for (const t of [grad, ...targets]) b.uploadToGPU(t.dataId);
    const outs = targets.map((t) => {
      const info = b.makeTensorInfo([...t.shape], 'float32');
      b.uploadToGPU(info.dataId);
      return engine().makeTensorFromTensorInfo(info, b);
    });
    const bytes = n * 4;
    // Submit what tfjs has recorded (the uploads above, kernels that produced the inputs).
    b.endComputePassEncoder();
    b.ensureCommandEncoderReady();
    b.submitQueue();

    this.device.queue.writeBuffer(this.uniform, 0, this.uniformData(variant, n));
    const encoder = this.device.createCommandEncoder({ label: `downhill fused ${variant.key}` });
    targets.forEach((t, i) => encoder.copyBufferToBuffer(this.buffer(t), 0, this.buffer(outs[i]), 0, bytes));
    const bindGroup = this.device.createBindGroup({
      layout: compiled.layout,
      entries: [
        { binding: 0, resource: { buffer: this.uniform } },
        { binding: 1, resource: { buffer: this.buffer(grad), size: bytes } },
        ...outs.map((o, i) => ({ binding: 2 + i, resource: { buffer: this.buffer(o), size: bytes } })),
      ],
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(compiled.pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y] = this.grid(n);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    return { param: outs[0], state: outs.slice(1) };
  }

  /** Frees the uniform buffer. */
  dispose(): void {
    this.uniform.destroy();
  }

  private buffer(t: TfTensor): GPUBuffer {
    const data = this.backend.tensorMap.get(t.dataId) as { resource?: unknown } | undefined;
    const resource = data?.resource;
    if (!resource || typeof (resource as GPUBuffer).mapAsync !== 'function') {
      throw new Error(`webgpu fused update: tensor ${t.id} has no GPU buffer`);
    }
    return resource as GPUBuffer;
  }

  private empty(shape: readonly number[]): TfTensor {
    const info = this.backend.makeTensorInfo([...shape], 'float32', new Float32Array(0));
    return engine().makeTensorFromTensorInfo(info, this.backend);
  }

  private grid(n: number): [number, number] {
    return fusedGrid(n, this.device.limits.maxComputeWorkgroupsPerDimension);
  }

  private uniformData(v: FusedVariant, n: number): ArrayBuffer {
    const data = new ArrayBuffer(UNIFORM_BYTES);
    const u32 = new Uint32Array(data);
    const f32 = new Float32Array(data);
    u32[0] = n;
    u32[1] = this.grid(n)[0] * WORKGROUP_SIZE;
    v.uniforms.forEach((x, i) => (f32[2 + i] = x));
    return data;
  }
}
