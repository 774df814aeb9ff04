import { InvalidArgumentError, ShapeError, fmtShape } from './errors.js';
import { checkOptions, type OptionKeys } from './options.js';
import type { Shape } from './shape.js';
import { perAxis, resolvePadding, windowOutputSizes, type Padding, type WindowGeometry } from './window.js';

/**
 * Options of the general convolution (`Backend.conv`), as XLA's `ConvGeneralDilated` and JAX's
 * `lax.conv_general_dilated` with the channels-last layout: input `[N, ...spatial, C]` (NHWC),
 * kernel `[...window, C / featureGroupCount, O]` (HWIO), output `[N / batchGroupCount, ...out, O]`.
 * A number stands for the same value on every spatial axis.
 */
export interface ConvOptions {
  /** Window strides (default 1). */
  readonly strides?: number | readonly number[];
  /** `'VALID'` (default), `'SAME'` or `[before, after]` per spatial axis (negative crops). */
  readonly padding?: Padding;
  /** Input (lhs) dilation: a transposed convolution's stride (default 1). */
  readonly lhsDilation?: number | readonly number[];
  /** Kernel (rhs) dilation, the atrous rate (default 1). */
  readonly rhsDilation?: number | readonly number[];
  /** Feature groups `G`: input channels split into `G` groups, each convolved with `O / G` filters (depthwise: `G = C`). */
  readonly featureGroupCount?: number;
  /** Batch groups `B`: the input batch split into `B` groups, output feature group `b` seeing batch group `b` (what the kernel gradient of a grouped convolution needs). */
  readonly batchGroupCount?: number;
}

const CONV_KEYS = {
  strides: true,
  padding: true,
  lhsDilation: true,
  rhsDilation: true,
  featureGroupCount: true,
  batchGroupCount: true,
} as const satisfies OptionKeys<ConvOptions>;

/** Resolved convolution parameters: every field complete, padding explicit. */
export interface ConvParams extends WindowGeometry {
  /** Feature groups (≥ 1). */
  readonly featureGroupCount: number;
  /** Batch groups (≥ 1; at most one of the two group counts exceeds 1). */
  readonly batchGroupCount: number;
}

/**
 * Checks a convolution's shapes and options and resolves them: the complete parameters and the
 * output shape, or a typed error naming what was expected and what came.
 *
 * @param lhs - input shape `[N, ...spatial, C]`.
 * @param rhs - kernel shape `[...window, C / featureGroupCount, O]`.
 * @param options - see {@link ConvOptions}.
 * @param where - the caller, for messages.
 * @returns `params` (resolved) and `outShape` `[N / batchGroupCount, ...out, O]`.
 * @example
 * ```ts
 * import { convParams } from '@downhill/backend';
 * convParams([1, 5, 5, 3], [3, 3, 3, 8], { padding: 'SAME', strides: 2 }, 'conv').outShape; // [1, 3, 3, 8]
 * ```
 */
export function convParams(
  lhs: Shape,
  rhs: Shape,
  options: ConvOptions,
  where: string,
): { readonly params: ConvParams; readonly outShape: number[] } {
  checkOptions(where, options, CONV_KEYS);
  const d = lhs.length - 2;
  if (d < 1 || rhs.length !== lhs.length) {
    throw new ShapeError(
      `${where}: expected an input [N, ...spatial, C] with at least one spatial axis and a kernel [...window, I, O] of the same rank, got input ${fmtShape(lhs)} and kernel ${fmtShape(rhs)}`,
    );
  }
  const strides = perAxis(options.strides, d, 'strides', where);
  const lhsDilation = perAxis(options.lhsDilation, d, 'lhsDilation', where);
  const rhsDilation = perAxis(options.rhsDilation, d, 'rhsDilation', where);
  const G = options.featureGroupCount ?? 1;
  const B = options.batchGroupCount ?? 1;
  for (const [name, v] of [
    ['featureGroupCount', G],
    ['batchGroupCount', B],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${where}: ${name} must be a positive integer, got ${String(v)}`);
  }
  if (G > 1 && B > 1) {
    throw new InvalidArgumentError(`${where}: at most one of featureGroupCount (${G}) and batchGroupCount (${B}) may exceed 1`);
  }
  const N = lhs[0];
  const C = lhs[d + 1];
  const I = rhs[d];
  const O = rhs[d + 1];
  const window = rhs.slice(0, d);
  if (window.some((w) => w < 1)) throw new ShapeError(`${where}: the kernel ${fmtShape(rhs)} has an empty window`);
  if (C % G !== 0 || I * G !== C) {
    throw new ShapeError(
      `${where}: the input has ${C} channels, so with featureGroupCount ${G} the kernel's input-feature axis (axis ${d}) must be ${C % G === 0 ? C / G : `C / ${G}, and ${C} is not divisible by ${G}`}, got kernel ${fmtShape(rhs)}`,
    );
  }
  if (O % G !== 0) throw new ShapeError(`${where}: the kernel's ${O} output features are not divisible by featureGroupCount ${G}`);
  if (N % B !== 0 || O % B !== 0) {
    throw new ShapeError(
      `${where}: batchGroupCount ${B} must divide the input batch (${N}) and the kernel's output features (${O}); input ${fmtShape(lhs)}, kernel ${fmtShape(rhs)}`,
    );
  }
  const inSizes = lhs.slice(1, d + 1);
  const padding = resolvePadding(options.padding, inSizes, window, strides, lhsDilation, rhsDilation, where);
  const params: ConvParams = { strides, padding, lhsDilation, rhsDilation, featureGroupCount: G, batchGroupCount: B };
  const out = windowOutputSizes(inSizes, window, params, where);
  return { params, outShape: [N / B, ...out, O] };
}
