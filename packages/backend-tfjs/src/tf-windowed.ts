import * as tf from '@tensorflow/tfjs-core';
import type { ConvParams, ReduceWindowOp, ReduceWindowParams, Shape } from '@downhill/backend';

/*
 * The windowed primitives mapped onto TensorFlow.js's kernels where tfjs has the case: 1-D and 2-D
 * convolutions without input dilation or batch groups, with no stride and kernel dilation both
 * above 1 on one call (tfjs refuses that pair), and feature groups 1 (conv2d) or one channel per
 * group (depthwiseConv2d); max and sum pooling over the middle axes of NHWC (or NWC) without
 * dilation, and no max over a window wholly in padding. Padding is applied with tf.pad first (explicit pairs of any sign are resolved by then;
 * negative ones decline). Everything else returns undefined, and `defineBackend` runs the
 * composition through gather and matmul (`composeConv`, `composeReduceWindow`).
 */

const ones = (v: readonly number[]) => v.every((x) => x === 1);

/**
 * The convolution on tfjs's conv2d or depthwiseConv2d, or `undefined` for a case they lack. 1-D
 * inputs run as 2-D with a height of 1.
 */
export function tfConv(x: tf.Tensor, w: tf.Tensor, p: ConvParams, outShape: Shape): tf.Tensor | undefined {
  const d = x.rank - 2;
  if (d > 2 || p.batchGroupCount > 1 || !ones(p.lhsDilation)) return undefined;
  if (p.padding.some(([lo, hi]) => lo < 0 || hi < 0)) return undefined;
  if (!ones(p.strides) && !ones(p.rhsDilation)) return undefined;
  const xs = x.shape as number[];
  const ws = w.shape as number[];
  const C = xs[d + 1];
  const [I, O] = [ws[d], ws[d + 1]];
  const G = p.featureGroupCount;
  if (G > 1 && !(G === C && I === 1)) return undefined;
  const two = <T>(v: readonly T[], one: T): [T, T] => (d === 1 ? [one, v[0]] : [v[0], v[1]]);
  const x4 = (d === 1 ? tf.reshape(x, [xs[0], 1, xs[1], C]) : x) as tf.Tensor4D;
  const w4 = (d === 1 ? tf.reshape(w, [1, ws[0], I, O]) : w) as tf.Tensor4D;
  const [ph, pw] = two(p.padding, [0, 0] as const);
  const padded =
    ph[0] || ph[1] || pw[0] || pw[1]
      ? tf.pad(x4, [
          [0, 0],
          [ph[0], ph[1]],
          [pw[0], pw[1]],
          [0, 0],
        ])
      : x4;
  const strides = two(p.strides, 1);
  const dilations = two(p.rhsDilation, 1);
  const y =
    G === 1
      ? tf.conv2d(padded, w4, strides, 'valid', 'NHWC', dilations)
      : tf.depthwiseConv2d(
          padded,
          tf.reshape(w4, [w4.shape[0], w4.shape[1], C, O / C]) as tf.Tensor4D,
          strides,
          'valid',
          'NHWC',
          dilations,
        );
  return tf.reshape(y, outShape as number[]);
}

/**
 * The windowed reduction on tfjs's maxPool or avgPool (times the window size, for sums) over the
 * middle one or two axes of a rank-3 or rank-4 tensor, or `undefined` for a case they lack.
 */
export function tfReduceWindow(op: ReduceWindowOp, x: tf.Tensor, p: ReduceWindowParams, outShape: Shape): tf.Tensor | undefined {
  const r = x.rank;
  if (r < 3 || r > 4 || !ones(p.lhsDilation) || !ones(p.rhsDilation)) return undefined;
  const last = r - 1;
  for (const a of [0, last]) {
    if (p.windowShape[a] !== 1 || p.strides[a] !== 1 || p.padding[a][0] !== 0 || p.padding[a][1] !== 0) return undefined;
  }
  if (p.padding.some(([lo, hi]) => lo < 0 || hi < 0)) return undefined;
  const mid = r === 3 ? [1] : [1, 2];
  // A max over a window wholly in padding is −∞; tfjs-webgpu's maxPool gives −1e20 there: decline.
  // (Windows step across one contiguous run of real elements, so only the first or last can miss it.)
  const wholly = (a: number) => p.windowShape[a] <= p.padding[a][0] || (outShape[a] - 1) * p.strides[a] > p.padding[a][0] + x.shape[a] - 1;
  if (op === 'max' && mid.some(wholly)) return undefined;
  const two = <T>(f: (a: number) => T, one: T): [T, T] => (r === 3 ? [one, f(1)] : [f(1), f(2)]);
  const xs = x.shape as number[];
  const x4 = (r === 3 ? tf.reshape(x, [xs[0], 1, xs[1], xs[2]]) : x) as tf.Tensor4D;
  const [ph, pw] = two((a) => p.padding[a], [0, 0] as const);
  const fill = op === 'max' ? Number.NEGATIVE_INFINITY : 0;
  const padded =
    ph[0] || ph[1] || pw[0] || pw[1]
      ? tf.pad(
          x4,
          [
            [0, 0],
            [ph[0], ph[1]],
            [pw[0], pw[1]],
            [0, 0],
          ],
          fill,
        )
      : x4;
  const window = two((a) => p.windowShape[a], 1);
  const strides = two((a) => p.strides[a], 1);
  const y =
    op === 'max'
      ? tf.maxPool(padded, window, strides, 'valid')
      : tf.mul(
          tf.avgPool(padded, window, strides, 'valid'),
          mid.reduce((n, a) => n * p.windowShape[a], 1),
        );
  return tf.reshape(y, outShape as number[]);
}
