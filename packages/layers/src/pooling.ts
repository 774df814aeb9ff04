import { DTypeError, ShapeError, checkOptions, fmtShape, isFloatDType, type Padding } from '@downhill/backend';
import { detach, ops, type TensorLike } from '@downhill/autograd';
import { moduleName, type ForwardContext } from './context.js';
import { checkPadding, perAxis } from './conv-common.js';
import { Module } from './module.js';

/** Options of {@link MaxPool} and {@link AvgPool}. */
export interface PoolOptions {
  /** Step between windows (default: the pool size, so windows do not overlap). */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default) or `'SAME'` (`ceil(in / stride)` outputs), or `[before, after]` per spatial axis. */
  readonly padding?: Padding;
}

type Op = 'max' | 'avg';

/** The geometry of a pooling layer once the input's rank is known. */
function geometry(
  name: string,
  poolSize: number | readonly number[],
  strides: number | readonly number[] | undefined,
  padding: Padding,
  spatial: number,
) {
  const window = perAxis(poolSize, spatial, 'poolSize', name);
  const step = strides === undefined ? window : perAxis(strides, spatial, 'strides', name);
  const pad = checkPadding(padding, spatial, name);
  return {
    windowShape: [1, ...window, 1],
    strides: [1, ...step, 1],
    padding: typeof pad === 'string' ? pad : ([[0, 0], ...pad, [0, 0]] as [number, number][]),
  };
}

/** What a pooling layer computes with. */
interface PoolSpec {
  readonly poolSize: number | readonly number[];
  readonly strides: number | readonly number[] | undefined;
  readonly padding: Padding;
  /** The number of spatial axes, where an array option fixes it. */
  readonly rank: number | undefined;
}

function poolSpec(name: string, poolSize: number | readonly number[], options: PoolOptions): PoolSpec {
  const { strides, padding = 'VALID' } = checkOptions(name, options, { strides: true, padding: true });
  const rank = [poolSize, strides, padding].find((v) => Array.isArray(v))?.length;
  geometry(name, poolSize, strides, padding, rank ?? 1); // checks the sizes (again per input when the rank is open)
  return { poolSize, strides, padding, rank };
}

function pool(module: Module, op: Op, spec: PoolSpec, x: TensorLike, ctx: ForwardContext): TensorLike {
  const where = moduleName(module, ctx.path);
  const spatial = x.shape.length - 2;
  if (spatial < 1 || (spec.rank !== undefined && spatial !== spec.rank))
    throw new ShapeError(
      `${where}: input of shape ${fmtShape(x.shape)} should be [batch, ${spec.rank === undefined ? '...spatial' : `${spec.rank} spatial axes`}, channels] (channels last)`,
    );
  if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: input is ${x.dtype}, expected float32 or float64`);
  const g = geometry(module.constructor.name, spec.poolSize, spec.strides, spec.padding, spatial);
  if (op === 'max') return ops.reduceWindow('max', x, g);
  const sum = ops.reduceWindow('sum', x, g);
  // Divide by the number of input elements in each window (padding not counted, as Keras and
  // PyTorch's count_include_pad=False): a constant, the same windowed sum over ones.
  const ones = detach(x).backend.full([1, ...x.shape.slice(1, -1), 1], 1, x.dtype);
  return ops.div(sum, ops.reduceWindow('sum', ones, g));
}

/**
 * Max pooling over the spatial axes of a channels-last input (`[batch, ...spatial, channels]`: 1-D
 * sequences, 2-D images, 3-D volumes), each channel separately: the largest value in each window.
 *
 * Math: `y[n, i, c] = max_{u} x[n, i·s + u − p, c]`, padding never chosen. The gradient goes to
 * each window's maximum (the first in row-major order on ties), through `ops.reduceWindow`.
 *
 * @param poolSize - the window: a number for every spatial axis, or one per axis (which fixes the rank).
 * @param options - `strides` (default the pool size), `padding` (`'VALID'`).
 *
 * @example
 * ```ts
 * new MaxPool(2).call(x).shape; // [batch, 28, 28, 32] → [batch, 14, 14, 32]
 * ```
 */
export class MaxPool extends Module {
  /** The window, as given (a number applies to every spatial axis). */
  readonly poolSize: number | readonly number[];
  /** Step between windows (undefined: the pool size). */
  readonly strides: number | readonly number[] | undefined;
  /** The padding mode or pairs. */
  readonly padding: Padding;
  private readonly spec: PoolSpec;

  constructor(poolSize: number | readonly number[], options: PoolOptions = {}) {
    const spec = poolSpec('MaxPool', poolSize, options);
    super();
    this.spec = spec;
    this.poolSize = poolSize;
    this.strides = spec.strides;
    this.padding = spec.padding;
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    return pool(this, 'max', this.spec, x, ctx);
  }
}

/**
 * Average pooling over the spatial axes of a channels-last input, each channel separately: the
 * mean of each window, padding not counted (Keras; PyTorch with `count_include_pad=False`).
 *
 * Math: `y[n, i, c] = (1/|W_i|) Σ_{u ∈ W_i} x[n, i·s + u − p, c]`, `W_i` the window's taps inside the input.
 *
 * @param poolSize - the window: a number for every spatial axis, or one per axis.
 * @param options - `strides` (default the pool size), `padding` (`'VALID'`).
 *
 * @example
 * ```ts
 * new AvgPool([2, 2], { strides: 1, padding: 'SAME' }).call(x).shape; // [batch, 28, 28, c] → [batch, 28, 28, c]
 * ```
 */
export class AvgPool extends Module {
  /** The window, as given (a number applies to every spatial axis). */
  readonly poolSize: number | readonly number[];
  /** Step between windows (undefined: the pool size). */
  readonly strides: number | readonly number[] | undefined;
  /** The padding mode or pairs. */
  readonly padding: Padding;
  private readonly spec: PoolSpec;

  constructor(poolSize: number | readonly number[], options: PoolOptions = {}) {
    const spec = poolSpec('AvgPool', poolSize, options);
    super();
    this.spec = spec;
    this.poolSize = poolSize;
    this.strides = spec.strides;
    this.padding = spec.padding;
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    return pool(this, 'avg', this.spec, x, ctx);
  }
}

/**
 * The mean over every spatial axis of a channels-last input: `[batch, ...spatial, channels]` →
 * `[batch, channels]` (Keras' `GlobalAveragePooling2D`; PyTorch's `AdaptiveAvgPool2d(1)` and a flatten).
 *
 * @example
 * ```ts
 * new GlobalAvgPool().call(x).shape; // [batch, 7, 7, 64] → [batch, 64]
 * ```
 */
export class GlobalAvgPool extends Module {
  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    if (x.shape.length < 3)
      throw new ShapeError(`${moduleName(this, ctx.path)}: input of shape ${fmtShape(x.shape)} should be [batch, ...spatial, channels]`);
    return ops.mean(x, { axis: x.shape.slice(1, -1).map((_, i) => i + 1) });
  }
}
