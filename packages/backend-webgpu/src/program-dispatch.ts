/// <reference types="@webgpu/types" />
import type { ElementwiseProgram, ProgramGroup, Tensor } from '@downhill/backend';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { engine } from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { WORKGROUP_SIZE, programShader, type ProgramShader } from './program-wgsl.js';

/**
 * Workgroups in x and y covering `n` elements, x at most `maxX` (the device's per-dimension
 * limit): one row where it fits, else as few rows as needed. Threads past `n` return at once.
 *
 * @example
 * ```ts
 * programGrid(100, 65535); // [2, 1]
 * ```
 */
export function programGrid(n: number, maxX: number): [number, number] {
  const groups = Math.ceil(n / WORKGROUP_SIZE);
  if (groups <= maxX) return [groups, 1];
  const y = Math.ceil(groups / maxX);
  return [Math.ceil(groups / y), y];
}

interface Pipeline {
  readonly shader: ProgramShader;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Uniform slots are this far apart (WebGPU's default minUniformBufferOffsetAlignment). */
const UNIFORM_ALIGN = 256;
const CACHE_MAX = 256;

/**
 * Runs elementwise programs on TensorFlow.js's WebGPU backend: one generated WGSL pipeline per
 * program structure (cached), and per call one command buffer holding one dispatch per group,
 * straight on the `GPUBuffer`s that tfjs holds. Outputs are fresh tfjs tensors; inputs are never
 * written (where the device has too few storage bindings, an input is first copied into an
 * output's buffer, `copyBufferToBuffer`, and read there). Pending tfjs work is submitted first, and
 * this work at once, so the queue keeps tfjs's order and a buffer released afterwards is safe to
 * reuse.
 */
export class ProgramRunner {
  private readonly backend: WebGPUBackend;
  private readonly device: GPUDevice;
  private readonly maxStorage: number;
  private readonly pipelines = new Map<string, Pipeline | null>();
  private readonly byObject = new WeakMap<ElementwiseProgram, Map<string, Pipeline | null>>();
  private uniform: GPUBuffer | undefined;
  private uniformBytes = 0;

  constructor(backend: WebGPUBackend) {
    this.backend = backend;
    this.device = backend.device;
    this.maxStorage = this.device.limits.maxStorageBuffersPerShaderStage;
  }

  /** The pipeline of a program (for an in-place hint, which decides pairings on small devices), or null where it cannot fit. */
  private pipelineFor(program: ElementwiseProgram, pairs: readonly (number | undefined)[]): Pipeline | null {
    const hint = pairs.join(',');
    let perObject = this.byObject.get(program);
    const hit = perObject?.get(hint);
    if (hit !== undefined) return hit;
    const shader = programShader(program, this.maxStorage, pairs);
    let p: Pipeline | null = null;
    if (shader) {
      const cached = this.pipelines.get(shader.code);
      if (cached !== undefined) p = cached;
      else {
        const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } }];
        let binding = 1;
        for (const r of shader.readFrom)
          if (r < 0) entries.push({ binding: binding++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
        for (let o = 0; o < program.outputs.length; o++)
          entries.push({ binding: binding++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
        const layout = this.device.createBindGroupLayout({ entries });
        const module = this.device.createShaderModule({ code: shader.code, label: 'downhill program' });
        const pipeline = this.device.createComputePipeline({
          label: 'downhill program',
          layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
          compute: { module, entryPoint: 'main' },
        });
        p = { shader, pipeline, layout };
        if (this.pipelines.size >= CACHE_MAX) this.pipelines.clear();
        this.pipelines.set(shader.code, p);
      }
    }
    if (!perObject) this.byObject.set(program, (perObject = new Map()));
    perObject.set(hint, p);
    return p;
  }

  /** Whether a program fits this device's bindings (it always does where inputs can pair with outputs). */
  fits(program: ElementwiseProgram): boolean {
    return programShader(program, this.maxStorage) !== undefined;
  }

  /** Runs a program over every group; returns, per group, new tfjs tensors for its outputs. */
  run(program: ElementwiseProgram, groups: readonly ProgramGroup<Tensor>[], hint: readonly (number | undefined)[]): TfTensor[][] {
    const pipe = this.pipelineFor(program, hint);
    if (!pipe)
      throw new Error(
        `webgpu: a program of ${program.inputs} inputs and ${program.outputs.length} outputs does not fit ${this.maxStorage} storage bindings`,
      );
    const { shader } = pipe;
    const b = this.backend;
    const st = (t: Tensor) => t.storage as TfTensor;
    const outs = groups.map((g) =>
      program.outputs.map(() => {
        const shape = [...g.inputs[0].shape];
        const info = b.makeTensorInfo(shape, 'float32', g.inputs[0].size === 0 ? new Float32Array(0) : undefined);
        if (g.inputs[0].size > 0) b.uploadToGPU(info.dataId);
        return engine().makeTensorFromTensorInfo(info, b);
      }),
    );
    const live = groups.map((g, gi) => gi).filter((gi) => groups[gi].inputs[0].size > 0);
    if (live.length === 0) return outs;
    for (const gi of live) for (const t of groups[gi].inputs) b.uploadToGPU(st(t).dataId);
    // Submit what tfjs has recorded (the uploads above, kernels that produced the inputs).
    b.endComputePassEncoder();
    b.ensureCommandEncoderReady();
    b.submitQueue();

    const slot = Math.ceil(shader.uniformBytes / UNIFORM_ALIGN) * UNIFORM_ALIGN;
    const need = slot * live.length;
    if (this.uniformBytes < need) {
      this.uniform?.destroy();
      this.uniformBytes = Math.max(need, 4 * UNIFORM_ALIGN);
      this.uniform = this.device.createBuffer({ size: this.uniformBytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    }
    const data = new ArrayBuffer(need);
    const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
    live.forEach((gi, r) => {
      const n = groups[gi].inputs[0].size;
      const u32 = new Uint32Array(data, r * slot, shader.uniformBytes / 4);
      const f32 = new Float32Array(data, r * slot, shader.uniformBytes / 4);
      u32[0] = n;
      u32[1] = programGrid(n, maxX)[0] * WORKGROUP_SIZE;
      groups[gi].scalars.forEach((v, j) => (f32[4 + j] = v));
    });
    this.device.queue.writeBuffer(this.uniform!, 0, data);
    const encoder = this.device.createCommandEncoder({ label: 'downhill program' });
    for (const gi of live) {
      const g = groups[gi];
      shader.readFrom.forEach((o, t) => {
        if (o >= 0) encoder.copyBufferToBuffer(this.buffer(st(g.inputs[t])), 0, this.buffer(outs[gi][o]), 0, g.inputs[0].size * 4);
      });
    }
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipe.pipeline);
    live.forEach((gi, r) => {
      const g = groups[gi];
      const bytes = g.inputs[0].size * 4;
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: this.uniform!, offset: r * slot, size: shader.uniformBytes } },
      ];
      let binding = 1;
      shader.readFrom.forEach((o, t) => {
        if (o < 0) entries.push({ binding: binding++, resource: { buffer: this.buffer(st(g.inputs[t])), size: bytes } });
      });
      for (const o of outs[gi]) entries.push({ binding: binding++, resource: { buffer: this.buffer(o), size: bytes } });
      pass.setBindGroup(0, this.device.createBindGroup({ layout: pipe.layout, entries }));
      const [x, y] = programGrid(g.inputs[0].size, maxX);
      pass.dispatchWorkgroups(x, y);
    });
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    return outs;
  }

  /** Frees the uniform buffer. */
  dispose(): void {
    this.uniform?.destroy();
  }

  private buffer(t: TfTensor): GPUBuffer {
    const data = this.backend.tensorMap.get(t.dataId) as { resource?: unknown } | undefined;
    const resource = data?.resource;
    if (!resource || typeof (resource as GPUBuffer).mapAsync !== 'function') {
      throw new Error(`webgpu program: tensor ${t.id} has no GPU buffer`);
    }
    return resource as GPUBuffer;
  }
}
