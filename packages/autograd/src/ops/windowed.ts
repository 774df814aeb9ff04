import { convParams, reduceWindowParams, type ConvOptions, type ReduceWindowOp, type ReduceWindowOptions } from '@downhill/backend';
import { bind } from '../trace.js';
import { checkOperand, type TensorLike } from '../traced.js';

/**
 * The general convolution (XLA's `ConvGeneralDilated`, JAX's `lax.conv_general_dilated`) in the
 * channels-last layout: input `[N, ...spatial, C]`, kernel `[...window, C / featureGroupCount, O]`,
 * output `[N / batchGroupCount, ...out, O]`; strides, `'SAME'`/`'VALID'`/explicit padding, input
 * and kernel dilation, feature and batch groups (see `ConvOptions` of `@downhill/backend`).
 *
 * Math: `out[n, o, f] = Σ_k Σ_i lhs[n, o·s + k·r − lo, g·C/G + i] · rhs[k, i, f]` (cross-correlation;
 * input dilation inserts holes). The gradients with respect to input and kernel are again
 * convolutions (the input's: the cotangent dilated by the strides against the flipped kernel; the
 * kernel's: the input against the cotangent as a window), so second order works on every backend.
 *
 * @param lhs - input `[N, ...spatial, C]`.
 * @param rhs - kernel `[...window, C / G, O]`.
 * @param options - strides, padding, dilations, group counts.
 * @example
 * ```ts
 * const y = ops.conv(images, kernel, { padding: 'SAME' }); // [N, 28, 28, 1] ⊛ [3, 3, 1, 8] → [N, 28, 28, 8]
 * ```
 */
export function conv(lhs: TensorLike, rhs: TensorLike, options: ConvOptions = {}): TensorLike {
  checkOperand(lhs, 'conv', false);
  checkOperand(rhs, 'conv', false);
  const { params } = convParams(lhs.shape, rhs.shape, options, 'conv');
  return bind('conv', [lhs, rhs], params);
}

/**
 * The windowed reduction (XLA's `ReduceWindow`): `sum` or `max` over a window on every axis, with
 * strides, padding (holding the identity: 0 or −∞) and base and window dilation. Max pooling over
 * NHWC is `reduceWindow('max', x, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] })`.
 *
 * Gradient: for `sum`, another windowed sum of the cotangent (dilated by the strides); for `max`,
 * each window's cotangent goes to its maximum, the first in the window's row-major order on ties,
 * on every backend alike.
 *
 * @param op - `sum` or `max`.
 * @param x - the input.
 * @param options - window shape, strides, padding, dilations.
 * @example
 * ```ts
 * const pooled = ops.reduceWindow('max', x, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] });
 * ```
 */
export function reduceWindow(op: ReduceWindowOp, x: TensorLike, options: ReduceWindowOptions): TensorLike {
  checkOperand(x, 'reduceWindow', false);
  const { params } = reduceWindowParams(x.shape, options, 'reduceWindow');
  return bind('reduceWindow', [x], { op, ...params });
}
