import type { Capabilities } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import type { ConvParams } from './conv.js';
import type { ReduceWindowOp, ReduceWindowParams } from './reduce-window.js';
import type { ElementwiseProgram, ProgramGroup } from './program.js';
import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from './ops.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * What a backend implementation provides: compute over validated inputs. `defineBackend` wraps a
 * `Kernels` object into a full {@link Backend}, doing every check (shapes, dtypes, ownership,
 * released tensors), every output-shape computation and all lifetime bookkeeping (scopes, counts)
 * once for all backends. A kernel returns the new storage; the wrapper makes the handle.
 *
 * Guarantees a kernel can rely on: inputs belong to this backend and are alive; binary operands
 * share a dtype; shapes were checked and output shapes are given; axes are normalised and sorted.
 * A kernel must not modify its inputs (except `runProgram` with `inPlace`).
 *
 * @example
 * ```ts
 * import { defineBackend, type Kernels } from '@downhill/backend';
 * const myKernels: Kernels = { name: 'mine', capabilities: { ... }, fromData: (d) => d, ... };
 * const backend = defineBackend(myKernels);
 * ```
 */
export interface Kernels {
  /** Registry name of the backend. */
  readonly name: string;
  /** What the backend can do; see {@link Capabilities}. */
  readonly capabilities: Capabilities;
  /** Storage from host data already converted to `dtype`'s typed array; the kernel may keep the array. */
  fromData(data: TypedArray, shape: Shape, dtype: DType): unknown;
  /** Storage with every element equal to `value`. */
  fill(shape: Shape, value: number, dtype: DType): unknown;
  /** Elementwise unary op; same shape and dtype as `x`. */
  unary(op: UnaryOp, x: Tensor): unknown;
  /** Elementwise binary op with broadcasting to `outShape`; result dtype is the operands'. */
  binary(op: BinaryOp, a: Tensor, b: Tensor, outShape: Shape): unknown;
  /** Elementwise comparison with broadcasting to `outShape`; result dtype `bool`. */
  compare(op: CompareOp, a: Tensor, b: Tensor, outShape: Shape): unknown;
  /** `cond ? a : b` elementwise, all three broadcast to `outShape`; `cond` is `bool`. */
  where(cond: Tensor, a: Tensor, b: Tensor, outShape: Shape): unknown;
  /** Conversion to `dtype` (float to int truncates toward zero, saturates, NaN to 0; to bool is `x ≠ 0`, NaN true). */
  cast(x: Tensor, dtype: DType): unknown;
  /** Reduction over `axes` (non-empty, sorted); the result has the row-major order of the kept axes. */
  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], outShape: Shape): unknown;
  /** Index of the extreme along `axis`, `int32`, first index on ties. */
  argReduce(op: ArgReduceOp, x: Tensor, axis: number, outShape: Shape): unknown;
  /** Same elements in a new shape; may return `x.storage` itself (the wrapper counts references). */
  reshape(x: Tensor, shape: Shape): unknown;
  /** Axes permuted: output axis i is input axis `perm[i]`. */
  transpose(x: Tensor, perm: readonly number[], outShape: Shape): unknown;
  /** Broadcast to `shape` (materialised). */
  broadcastTo(x: Tensor, shape: Shape): unknown;
  /** The box starting at `begin` of extent `size` (both complete and in range). */
  slice(x: Tensor, begin: readonly number[], size: readonly number[]): unknown;
  /** Padding of `[before, after]` per axis, filled with `value`. */
  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value: number, outShape: Shape): unknown;
  /** Concatenation along `axis` (at least one input; all share rank, dtype and other dimensions). */
  concat(xs: readonly Tensor[], axis: number, outShape: Shape): unknown;
  /** `out[..., j..., ...] = x[..., indices[j...], ...]` along `axis`; `indices` is `int32`. */
  gather(x: Tensor, indices: Tensor, axis: number, outShape: Shape): unknown;
  /** The transpose of gather: zeros of `outShape` with `updates` added at `indices` along `axis`. */
  scatterAdd(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): unknown;
  /** Batched matrix product with broadcast batch dimensions. */
  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): unknown;
  /**
   * The general convolution (see `Backend.conv`), with resolved parameters and the output shape;
   * operands share a float dtype. Optional: a backend without it, or a call returning `undefined`
   * (a case the kernel does not map), runs the composition `composeConv` (gather and matmul).
   */
  conv?(lhs: Tensor, rhs: Tensor, params: ConvParams, outShape: Shape): unknown;
  /**
   * The windowed reduction (see `Backend.reduceWindow`), with resolved parameters and the output
   * shape; `x` is float. Optional like `conv`: `undefined` runs `composeReduceWindow`.
   */
  reduceWindow?(op: ReduceWindowOp, x: Tensor, params: ReduceWindowParams, outShape: Shape): unknown;
  /**
   * Where each window of a windowed max takes its maximum (see `Backend.windowArgmax`): `int32`
   * storage of `outShape`. Optional like `conv`: `undefined` runs `composeWindowArgmax`.
   */
  windowArgmax?(x: Tensor, params: ReduceWindowParams, outShape: Shape): unknown;
  /** A copy of the data on the host. */
  read(x: Tensor): Promise<TypedArray>;
  /** A synchronous copy; present exactly when `capabilities.syncRead`. */
  readSync?(x: Tensor): TypedArray;
  /** Frees storage; called once, when the last handle on it is released. */
  release(storage: unknown): void;
  /**
   * Runs a compiled elementwise program over every group; present exactly when
   * `capabilities.programs`. The program and the groups were checked (operands in range and
   * topological, every group's inputs of one shape and one float dtype, alive and owned).
   * `inPlace[g][o]` is the input of group `g` whose storage output `o` overwrites, or undefined for
   * new storage; it is set only where `capabilities.inPlace` and that storage is used by no other
   * handle and no other input of the call. Returns, per group, the storage of each output (for an
   * in-place output, the input's storage itself), or `undefined`, having done nothing, to decline a
   * program it cannot compile (such as one needing more buffer bindings than the device has):
   * `defineBackend` then runs the composed interpretation.
   */
  runProgram?(
    program: ElementwiseProgram,
    groups: readonly ProgramGroup<Tensor>[],
    inPlace: readonly (readonly (number | undefined)[])[],
  ): unknown[][] | undefined;
  /** Bytes currently held by storage, if the backend knows. */
  bytesInUse?(): number;
}
