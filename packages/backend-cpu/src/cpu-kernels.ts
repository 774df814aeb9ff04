import type {
  ArgReduceOp,
  BinaryOp,
  Capabilities,
  CompareOp,
  ConvParams,
  DType,
  ElementwiseProgram,
  Kernels,
  ProgramGroup,
  ReduceOp,
  ReduceWindowOp,
  ReduceWindowParams,
  Shape,
  Tensor,
  TypedArray,
  UnaryOp,
} from '@downhill/backend';
import { runProgramKernel } from './run-program.js';
import { binaryKernel, compareKernel, whereKernel } from './binary.js';
import { convKernel } from './conv.js';
import { gatherKernel, scatterAddKernel } from './gather.js';
import { reduceWindowKernel, windowArgmaxKernel } from './reduce-window.js';
import { broadcastToKernel, concatKernel, padKernel, sliceKernel, transposeKernel } from './layout.js';
import { matmulKernel } from './matmul.js';
import { argReduceKernel, reduceKernel } from './reduce.js';
import { adopt, alloc, coerce, dataOf, free, type CpuStorage } from './storage.js';
import { castKernel, unaryKernel } from './unary.js';
import { defaultThreads, requestThreads, useThreads } from './threads/parallel.js';

/**
 * The kernels of backend-cpu: loops over typed arrays in float64 arithmetic, rounded once into the
 * output dtype, and WebAssembly SIMD kernels for float32 (matmul and fused updates in float32
 * arithmetic; elementwise ops with the loops' exact results). Storage is a typed array; reshapes
 * share it; float32 arrays of 4096 elements or more live in the WebAssembly heap and go back to its
 * allocator on release, the rest to the garbage collector. `defineBackend` turns these into the
 * checked `cpu` backend.
 *
 * @example
 * ```ts
 * import { defineBackend } from '@downhill/backend';
 * import { CpuKernels } from '@downhill/backend-cpu';
 * const backend = defineBackend(new CpuKernels());
 * ```
 */
export class CpuKernels implements Kernels {
  /** Registry name. */
  readonly name: string;
  /** float64, synchronous reads, compiled elementwise programs, written in place where asked. */
  readonly capabilities: Capabilities = Object.freeze({
    float64: true,
    syncRead: true,
    programs: true,
    inPlace: true,
  });

  /** Threads the kernels may use (undefined: the default, the cores capped at 8). */
  private readonly threadOption: number | undefined;

  /**
   * @param name The name the backend reports (`cpu` by default).
   * @param threads Threads the kernels may split work over (checked by `cpu()`); undefined for
   *   the number of cores (at most 8), 1 for the calling thread alone.
   */
  constructor(name = 'cpu', threads?: number) {
    this.name = name;
    this.threadOption = threads;
    requestThreads(threads);
  }

  /** The threads this backend's kernels may use (the default resolves once the cores are known). */
  get threads(): number {
    return this.threadOption ?? defaultThreads();
  }

  fromData(data: TypedArray, shape: Shape, dtype: DType): CpuStorage {
    return adopt(data, dtype, shape);
  }
  fill(shape: Shape, value: number, dtype: DType): CpuStorage {
    let n = 1;
    for (const d of shape) n *= d;
    const out = alloc(dtype, n, shape);
    const v = coerce(value, dtype);
    if (v !== 0) out.fill(v);
    return out;
  }
  unary(op: UnaryOp, x: Tensor): CpuStorage {
    return unaryKernel(op, x);
  }
  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage {
    useThreads(this.threads);
    return binaryKernel(op, a, b, outShape);
  }
  compare(op: CompareOp, a: Tensor, b: Tensor, outShape: Shape): CpuStorage {
    useThreads(this.threads);
    return compareKernel(op, a, b, outShape);
  }
  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape): CpuStorage {
    useThreads(this.threads);
    return whereKernel(cond, a, b, outShape);
  }
  cast(x: Tensor, dtype: DType): CpuStorage {
    return castKernel(x, dtype);
  }
  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outShape: Shape): CpuStorage {
    useThreads(this.threads);
    return reduceKernel(op, x, axes, outShape);
  }
  argReduce(op: ArgReduceOp, x: Tensor, axis: number, outShape: Shape): CpuStorage {
    return argReduceKernel(op, x, axis, outShape);
  }
  reshape(x: Tensor): CpuStorage {
    return dataOf(x);
  }
  transpose(x: Tensor, perm: readonly number[], outShape: Shape): CpuStorage {
    return transposeKernel(x, perm, outShape);
  }
  broadcastTo(x: Tensor, shape: Shape): CpuStorage {
    return broadcastToKernel(x, shape);
  }
  slice(x: Tensor, begin: readonly number[], size: readonly number[]): CpuStorage {
    return sliceKernel(x, begin, size);
  }
  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number, outShape: Shape): CpuStorage {
    return padKernel(x, paddings, value, outShape);
  }
  concat(xs: readonly Tensor[], axis: number, outShape: Shape): CpuStorage {
    return concatKernel(xs, axis, outShape, xs[0].dtype);
  }
  gather(x: Tensor, indices: Tensor, axis: number, outShape: Shape): CpuStorage {
    return gatherKernel(x, indices, axis, outShape);
  }
  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): CpuStorage {
    return scatterAddKernel(updates, indices, axis, outShape);
  }
  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): CpuStorage {
    useThreads(this.threads);
    return matmulKernel(a, b, transposeA, transposeB, outShape);
  }
  conv(lhs: Tensor, rhs: Tensor, params: ConvParams, outShape: Shape): CpuStorage | undefined {
    useThreads(this.threads); // its GEMMs split across threads
    return convKernel(lhs, rhs, params, outShape);
  }
  reduceWindow(op: ReduceWindowOp, x: Tensor, params: ReduceWindowParams, outShape: Shape): CpuStorage {
    return reduceWindowKernel(op, x, params, outShape);
  }
  windowArgmax(x: Tensor, params: ReduceWindowParams, outShape: Shape): CpuStorage {
    return windowArgmaxKernel(x, params, outShape);
  }
  read(x: Tensor): Promise<TypedArray> {
    return Promise.resolve(dataOf(x).slice());
  }
  readSync(x: Tensor): TypedArray {
    return dataOf(x).slice();
  }
  release(storage: unknown): void {
    // heap blocks go back to the allocator; plain typed arrays to the garbage collector
    free(storage as CpuStorage);
  }
  runProgram(
    program: ElementwiseProgram,
    groups: readonly ProgramGroup<Tensor>[],
    inPlace: readonly (readonly (number | undefined)[])[],
  ): CpuStorage[][] {
    useThreads(this.threads);
    return runProgramKernel(program, groups, inPlace);
  }
}
