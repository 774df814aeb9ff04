import { InvalidArgumentError } from './errors.js';
import { checkOptions, type OptionKeys } from './options.js';
import type { Shape } from './shape.js';
import { perAxis, resolvePadding, windowOutputSizes, type Padding, type WindowGeometry } from './window.js';

/** The reductions a window can take: `sum` (average pooling is a sum divided) and `max` (max pooling). */
export type ReduceWindowOp = 'sum' | 'max';

/** Every windowed reduction, for tables of tests. */
export const REDUCE_WINDOW_OPS: readonly ReduceWindowOp[] = ['sum', 'max'];

/**
 * Options of the windowed reduction (`Backend.reduceWindow`), as XLA's `ReduceWindow`: a window on
 * every axis of the input (size 1 on the axes not pooled, such as batch and channels in NHWC).
 * Padding and the holes of base dilation hold the reduction's identity (0 for `sum`, −∞ for `max`).
 * A number stands for the same value on every axis.
 */
export interface ReduceWindowOptions {
  /** Window size per axis (required; one entry per axis of the input). */
  readonly windowShape: readonly number[];
  /** Window strides (default 1). */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default), `'SAME'` or `[before, after]` per axis (negative crops). */
  readonly padding?: Padding;
  /** Input dilation (default 1). */
  readonly baseDilation?: number | readonly number[];
  /** Window dilation (default 1). */
  readonly windowDilation?: number | readonly number[];
}

const KEYS = {
  windowShape: true,
  strides: true,
  padding: true,
  baseDilation: true,
  windowDilation: true,
} as const satisfies OptionKeys<ReduceWindowOptions>;

/**
 * Resolved parameters of a windowed reduction: the window and the geometry on every axis
 * (`lhsDilation` is the base dilation, `rhsDilation` the window dilation).
 */
export interface ReduceWindowParams extends WindowGeometry {
  /** Window size per axis. */
  readonly windowShape: readonly number[];
}

/**
 * Checks a windowed reduction's options against the input shape and resolves them.
 *
 * @param shape - the input's shape.
 * @param options - see {@link ReduceWindowOptions}.
 * @param where - the caller, for messages.
 * @returns `params` (resolved) and `outShape`.
 * @example
 * ```ts
 * import { reduceWindowParams } from '@downhill/backend';
 * reduceWindowParams([1, 4, 4, 3], { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }, 'pool').outShape; // [1, 2, 2, 3]
 * ```
 */
export function reduceWindowParams(
  shape: Shape,
  options: ReduceWindowOptions,
  where: string,
): { readonly params: ReduceWindowParams; readonly outShape: number[] } {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${where}: expected options with a windowShape, got ${String(options)}`);
  }
  checkOptions(where, options, KEYS);
  const r = shape.length;
  if (r < 1) throw new InvalidArgumentError(`${where}: needs a tensor of rank 1 or more, got a scalar`);
  const windowShape = perAxis(options.windowShape, r, 'windowShape', where);
  if (typeof options.windowShape === 'number') {
    throw new InvalidArgumentError(`${where}: windowShape must list ${r} sizes (one per axis), got ${options.windowShape}`);
  }
  const strides = perAxis(options.strides, r, 'strides', where);
  const lhsDilation = perAxis(options.baseDilation, r, 'baseDilation', where);
  const rhsDilation = perAxis(options.windowDilation, r, 'windowDilation', where);
  const padding = resolvePadding(options.padding, shape, windowShape, strides, lhsDilation, rhsDilation, where);
  const params: ReduceWindowParams = { windowShape, strides, padding, lhsDilation, rhsDilation };
  return { params, outShape: windowOutputSizes(shape, windowShape, params, where) };
}
