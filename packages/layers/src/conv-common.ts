import { DTypeError, InvalidArgumentError, ShapeError, checkOptions, fmtShape, isFloatDType, type Padding } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { zeros, type Initializer } from '@downhill/initializers';
import { moduleName, type ForwardContext } from './context.js';
import { resolveInit, type KernelInit } from './dense.js';
import type { Module } from './module.js';

/** Options of {@link Conv2D} and {@link Conv1D}. */
export interface ConvLayerOptions {
  /** Step between windows (default 1), one number or one per spatial axis. */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default: no padding), `'SAME'` (`ceil(in / stride)` outputs) or `[before, after]` per spatial axis. */
  readonly padding?: Padding;
  /** Kernel dilation, the atrous rate (default 1). */
  readonly dilation?: number | readonly number[];
  /** Channel groups `G` (default 1): input and output channels split into `G` groups convolved separately; `G = inChannels` is a depthwise convolution. */
  readonly groups?: number;
  /** Add a bias per output channel (default true). */
  readonly useBias?: boolean;
  /** Kernel initializer (default `'glorotUniform'`; `'heNormal'` before ReLU). Fans count the window: `fanIn = kh·kw·inChannels/G`. */
  readonly kernelInit?: KernelInit;
  /** Bias initializer (default zeros). */
  readonly biasInit?: Initializer;
}

const KEYS = { strides: true, padding: true, dilation: true, groups: true, useBias: true, kernelInit: true, biasInit: true } as const;

/** Checks the arguments shared by the convolution layers and returns the spec and the kernel shape. @internal */
export function convSpec(
  where: string,
  spatial: number,
  inChannels: number,
  outChannels: number,
  kernelSize: number | readonly number[],
  options: ConvLayerOptions,
): { spec: ConvSpec; kernelShape: number[]; kernelInit: Initializer; biasInit: Initializer } {
  const {
    strides = 1,
    padding = 'VALID',
    dilation = 1,
    groups = 1,
    useBias = true,
    kernelInit = 'glorotUniform',
    biasInit = zeros(),
  } = checkOptions(where, options, KEYS);
  for (const [name, v] of [
    ['inChannels', inChannels],
    ['outChannels', outChannels],
  ] as const)
    if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`${where}: ${name} must be a positive integer, got ${String(v)}`);
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0)
    throw new InvalidArgumentError(
      `${where}: groups must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels}), got ${String(groups)}`,
    );
  const window = perAxis(kernelSize, spatial, 'kernelSize', where);
  return {
    spec: {
      spatial,
      inChannels,
      strides: perAxis(strides, spatial, 'strides', where),
      padding: checkPadding(padding, spatial, where),
      dilation: perAxis(dilation, spatial, 'dilation', where),
      groups,
      useBias,
    },
    kernelShape: [...window, inChannels / groups, outChannels],
    kernelInit: resolveInit(kernelInit, where),
    biasInit,
  };
}

/** `[v, v, …]` of length `n` from a number, or a checked copy of an array of `n` positive integers. @internal */
export function perAxis(v: number | readonly number[], n: number, what: string, where: string): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) ? [...v] : [];
  if (arr.length !== n || arr.some((x) => !Number.isInteger(x) || x < 1))
    throw new InvalidArgumentError(`${where}: ${what} must be a positive integer or ${n} of them, got ${JSON.stringify(v)}`);
  return arr;
}

/** Checks a padding option: `'VALID'`, `'SAME'`, or one `[before, after]` pair of integers per spatial axis. @internal */
export function checkPadding(padding: Padding, n: number, where: string): Padding {
  if (padding === 'VALID' || padding === 'SAME') return padding;
  if (
    Array.isArray(padding) &&
    padding.length === n &&
    padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))
  )
    return padding.map((p) => [p[0], p[1]] as const);
  throw new InvalidArgumentError(
    `${where}: padding must be 'VALID', 'SAME' or ${n} [before, after] pairs of non-negative integers, got ${JSON.stringify(padding)}`,
  );
}

/** What a convolution layer computes with. @internal */
export interface ConvSpec {
  readonly spatial: number;
  readonly inChannels: number;
  readonly strides: readonly number[];
  readonly padding: Padding;
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly useBias: boolean;
}

/** The forward pass shared by Conv1D and Conv2D: checks, `ops.conv`, the bias. @internal */
export function convForward(module: Module, spec: ConvSpec, x: TensorLike, ctx: ForwardContext): TensorLike {
  const where = moduleName(module, ctx.path);
  const rank = spec.spatial + 2;
  const layout = spec.spatial === 1 ? '[batch, length, channels]' : '[batch, height, width, channels]';
  if (x.shape.length !== rank || x.shape[rank - 1] !== spec.inChannels)
    throw new ShapeError(
      `${where}: input of shape ${fmtShape(x.shape)} should be ${layout} with ${spec.inChannels} channels (channels last)`,
    );
  const kernel = ctx.param('kernel');
  if (!isFloatDType(x.dtype) || x.dtype !== kernel.dtype)
    throw new DTypeError(`${where}: input is ${x.dtype} but the kernel is ${kernel.dtype}; cast the input`);
  const y = ops.conv(x, kernel, {
    strides: spec.strides,
    padding: spec.padding,
    rhsDilation: spec.dilation,
    featureGroupCount: spec.groups,
  });
  return spec.useBias ? ops.add(y, ctx.param('bias')) : y;
}
