import type { DType, HostData, TypedArray } from './dtype.js';
import type { ConvOptions } from './conv.js';
import type { ReduceWindowOp, ReduceWindowOptions } from './reduce-window.js';
import type { ElementwiseProgram, ProgramGroup, RunProgramOptions } from './program.js';
import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from './ops.js';
import type { Shape } from './shape.js';
import type { Tensor, TensorContainer } from './tensor.js';

/**
 * The version of this interface. A backend built for another version is refused by the registry.
 * v2 replaced the per-optimizer fused updates with generic elementwise programs (`runProgram`).
 * v3 added the general convolution (`conv`) and the windowed reduction (`reduceWindow`).
 */
export const SPECIFICATION_VERSION = 'downhill-backend-v3' as const;

/**
 * What a backend declares it can do. Code above the waist reads these instead of trying and
 * catching failures.
 *
 * @example
 * ```ts
 * const dtype = backend.capabilities.float64 ? 'float64' : 'float32';
 * ```
 */
export interface Capabilities {
  /** Whether `float64` tensors exist on this backend. */
  readonly float64: boolean;
  /** Whether `readSync` works (devices with asynchronous read-back say false). */
  readonly syncRead: boolean;
  /**
   * Whether the backend compiles elementwise programs (`Kernels.runProgram`); without it,
   * `runProgram` runs the same program through the primitives (see `interpretProgram`).
   */
  readonly programs: boolean;
  /** Whether a compiled program can write its outputs into its inputs' storage. */
  readonly inPlace: boolean;
}

/** Counts of what a backend holds now. */
export interface MemoryInfo {
  /** Live (not yet released) tensor handles. */
  readonly tensors: number;
  /** Distinct storages behind those handles (reshapes may share one). */
  readonly storages: number;
  /** Bytes held, where the backend knows; else the sum of live storages' nominal sizes. */
  readonly bytes: number;
}

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of the last two axes of `a`. */
  readonly transposeA?: boolean;
  /** Use the transpose of the last two axes of `b`. */
  readonly transposeB?: boolean;
}

/**
 * A tensor backend: the narrow waist every other package talks to. Made from a {@link Kernels}
 * object by `defineBackend`, which does the checks and the bookkeeping, so every backend gives the
 * same errors and the same lifetimes.
 *
 * Broadcasting follows NumPy. Binary operands must share a dtype; a number operand takes the
 * tensor's dtype (an int32 one must fit: see `tensor`), except that an int32 tensor with a number
 * that is not an integer (0.5, NaN, ±∞) is promoted to float32, as PyTorch, JAX and TensorFlow.js
 * promote an integer tensor with a float scalar. Every method is synchronous except
 * `read`; results are new tensors that belong to the innermost open `scope`.
 *
 * @example
 * ```ts
 * import { cpu } from '@downhill/backend-cpu';
 * const b = cpu();
 * const y = b.scope(() => b.reduce('sum', b.mul(b.tensor([1, 2, 3]), 2)));
 * await y.read(); // Float32Array [12]
 * ```
 */
export interface Backend {
  /** Registry name, such as `cpu` or `tfjs-wasm`. */
  readonly name: string;
  /**
   * This instance's name in messages: the registry name and the number of the instance among those
   * of that name made in this process, such as `cpu#1` and `cpu#2`, so that errors about tensors of
   * two instances of one backend can tell them apart.
   */
  readonly label: string;
  /** The interface version this backend implements. */
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** What this backend can do. */
  readonly capabilities: Capabilities;

  /**
   * A tensor from host data (row-major); `shape` defaults to `[data.length]`, `dtype` to the typed
   * array's or `float32`. A plain array holds numbers (booleans count as 1 and 0; anything else,
   * nested arrays included, is an InvalidArgumentError). For `int32` every value must lie in
   * [−2³¹, 2³¹ − 1] and is truncated toward zero: NaN, ±∞ and values out of range are an
   * InvalidArgumentError (as in PyTorch), never wrapped; `cast` a float tensor to saturate. For
   * `bool` every non-zero value is true, NaN included (as `cast`).
   */
  tensor(data: HostData, shape?: Shape, dtype?: DType): Tensor;
  /** A rank-0 tensor (a boolean counts as 1 or 0, as in `tensor`). */
  scalar(value: number | boolean, dtype?: DType): Tensor;
  /**
   * A tensor of `shape` filled with `value`: a number (for `int32`, one `tensor` accepts) or a
   * boolean, 1 or 0 in any dtype (`full(shape, true, 'bool')`, as PyTorch's `torch.full`).
   */
  full(shape: Shape, value: number | boolean, dtype?: DType): Tensor;
  /** Zeros of `shape`. */
  zeros(shape: Shape, dtype?: DType): Tensor;
  /** Ones of `shape`. */
  ones(shape: Shape, dtype?: DType): Tensor;

  /**
   * Elementwise unary math, with IEEE 754's special values as JavaScript's `Math` gives them (NaN
   * in, NaN out, `sign(NaN)` included; `log(0) = −∞`, `sqrt(−1) = NaN`).
   */
  unary(op: UnaryOp, x: Tensor): Tensor;
  /**
   * Elementwise binary math with broadcasting; `maximum` and `minimum` propagate NaN from either
   * operand (NumPy's `maximum`, not `fmax`), `div` by zero gives ±∞ or NaN. `pow` has C99's special
   * values (NumPy, PyTorch, XLA), which differ from JavaScript's `Math.pow` in `pow(1, y) = 1` and
   * `pow(−1, ±∞) = 1` for every `y`, NaN included; `pow(x, ±0) = 1`, `pow(0, y < 0) = ∞`,
   * `pow(−∞, 0.5) = ∞`, a negative base with a non-integer exponent gives NaN.
   */
  binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor;
  /** Elementwise comparison with broadcasting; returns `bool`. */
  compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Tensor;
  /** `cond ? a : b` elementwise with broadcasting; `cond` is `bool`; two numbers give float32. */
  where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor;
  /**
   * Conversion to another dtype: float to `int32` truncates toward zero, saturates out of range
   * (±∞ included) and takes NaN to 0 (XLA's convert); anything to `bool` is `x ≠ 0` (NaN is
   * true); to `float32` rounds to nearest.
   */
  cast(x: Tensor, dtype: DType): Tensor;
  /**
   * Reduction over `axes` (all by default), keeping them as size 1 when `keepDims`. `max` and
   * `min` propagate NaN (a slice holding one reduces to NaN), as NumPy, PyTorch and JAX do.
   */
  reduce(op: ReduceOp, x: Tensor, axes?: number | readonly number[], keepDims?: boolean): Tensor;
  /**
   * Index of the largest or smallest element along `axis` (`int32`): the first on ties, and the
   * first NaN where a slice holds one (NaN counts as the extreme, as in NumPy, PyTorch and JAX).
   */
  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor;
  /** Same data, new shape; one dimension may be `-1`. */
  reshape(x: Tensor, shape: Shape): Tensor;
  /** Permutes axes (reverses them by default). */
  transpose(x: Tensor, perm?: readonly number[]): Tensor;
  /** Broadcasts to a larger shape. */
  broadcastTo(x: Tensor, shape: Shape): Tensor;
  /** The box starting at `begin`; a size of `-1` (or a missing size) runs to the end of the axis. */
  slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor;
  /** Pads each axis with `[before, after]` elements of `value` (0 by default). */
  pad(x: Tensor, paddings: readonly (readonly [number, number])[], value?: number): Tensor;
  /** Joins tensors along an existing axis (0 by default). */
  concat(xs: readonly Tensor[], axis?: number): Tensor;
  /** Picks slices along `axis` (0 by default) by `int32` indices. */
  gather(x: Tensor, indices: Tensor, axis?: number): Tensor;
  /** Adds `updates` into zeros whose `axis` has `size` elements, at `indices`: the transpose of `gather`. */
  scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: number): Tensor;
  /** Batched matrix product; batch dimensions broadcast. */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor;

  /**
   * The general convolution, as XLA's `ConvGeneralDilated` (JAX's `lax.conv_general_dilated`) in
   * the channels-last layout: input `[N, ...spatial, C]` (NHWC for 2-D), kernel
   * `[...window, C / G, O]` (HWIO), output `[N / B, ...out, O]`, any number (≥ 1) of spatial axes.
   * With strides `s`, padding `lo`, input dilation `l` and kernel dilation `r` per axis, output
   * position `o` and tap `k` read the input at `(o·s + k·r − lo) / l` where that is an integer in
   * range, and zero elsewhere:
   * `out[n, o, f] = Σ_k Σ_i lhs[n + b·N/B, (o·s + k·r − lo)/l, g·C/G + i] · rhs[k, i, f]`, where
   * `g = ⌊f / (O/G)⌋` and `b = ⌊f / (O/B)⌋`. It is cross-correlation (the kernel is not flipped),
   * as in every deep-learning library. Its gradients with respect to both operands are again
   * convolutions.
   */
  conv(lhs: Tensor, rhs: Tensor, options?: ConvOptions): Tensor;
  /**
   * The windowed reduction, as XLA's `ReduceWindow`: a window on every axis (size 1 on axes not
   * pooled), `sum` or `max` over each window's elements; padding and base-dilation holes hold the
   * identity (0, −∞).
   */
  reduceWindow(op: ReduceWindowOp, x: Tensor, options: ReduceWindowOptions): Tensor;
  /**
   * Where each window of `reduceWindow('max', x, options)` takes its maximum: an `int32` tensor of
   * that output's shape holding flat row-major positions in `x` (`x.size` where the winner is
   * padding or a hole, which hold −∞), the first tap in the window's row-major order on ties and
   * the first NaN where there is one: the routing of a windowed max's gradient. Not differentiable
   * (indices). Optional so that hand-written backends (tracing ones) need not have it; every
   * `defineBackend` backend has it, with a kernel or composed (`composeWindowArgmax`).
   */
  windowArgmax?(x: Tensor, options: ReduceWindowOptions): Tensor;

  /** `a + b`. */
  add(a: Tensor | number, b: Tensor | number): Tensor;
  /** `a − b`. */
  sub(a: Tensor | number, b: Tensor | number): Tensor;
  /** `a · b`. */
  mul(a: Tensor | number, b: Tensor | number): Tensor;
  /** `a / b`. */
  div(a: Tensor | number, b: Tensor | number): Tensor;

  /**
   * Runs an elementwise program over each group of operands (see {@link ElementwiseProgram}) and
   * returns, per group, its outputs in `program.outputs` order. The program and every group are
   * checked before anything runs (a failed call changes nothing): typed errors name the node, the
   * group, the shape or the dtype. Where `capabilities.programs`, the backend's compiled kernel runs
   * it (all groups in one call); elsewhere the composed interpretation runs it through the
   * primitives, with the same results within the dtype's rounding.
   *
   * With `options.inPlace`, an output overwrites the named input's storage and comes back as that
   * very handle, where the backend compiles programs, declares `capabilities.inPlace`, and no other
   * handle or group input shares that storage; otherwise it is a new tensor and the input is left
   * as it was.
   */
  runProgram(program: ElementwiseProgram, groups: readonly ProgramGroup<Tensor>[], options?: RunProgramOptions): Tensor[][];

  /** A host copy of the data, row-major. */
  read(x: Tensor): Promise<TypedArray>;
  /** A synchronous host copy; throws `UnsupportedError` unless `capabilities.syncRead`. */
  readSync(x: Tensor): TypedArray;
  /**
   * Releases tensors (walking arrays, plain objects and maps: parameter trees, gradient trees,
   * optimizer states of any declared type); released tensors are skipped.
   */
  dispose(x: TensorContainer | object): void;
  /**
   * Runs `fn` and releases every tensor made during it, except those it returns (found in
   * arrays, objects and maps) and those passed to `keep`. `fn` must be synchronous.
   */
  scope<T>(fn: () => T): T;
  /** Exempts a tensor from release by the scopes it lives in; returns it. */
  keep<T extends Tensor>(x: T): T;
  /** Counts of live tensors, storages and bytes. */
  memory(): MemoryInfo;
}
