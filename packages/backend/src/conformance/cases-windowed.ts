import type { Backend } from '../backend.js';
import type { ConvOptions } from '../conv.js';
import { REDUCE_WINDOW_OPS, type ReduceWindowOptions } from '../reduce-window.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { ComputeCase } from './case.js';

/** `[label, input shape, kernel shape, options]`: input `[N, ...spatial, C]`, kernel `[...window, C/G, O]`. */
const CONV_CASES: readonly (readonly [string, Shape, Shape, ConvOptions])[] = [
  ['1-D valid', [2, 7, 3], [3, 3, 4], {}],
  ['1-D stride 2 same', [2, 8, 2], [3, 2, 3], { strides: 2, padding: 'SAME' }],
  ['1-D kernel dilation 2 stride 2', [1, 11, 2], [3, 2, 2], { strides: 2, rhsDilation: 2 }],
  ['1-D input dilation 2 (transposed conv)', [1, 4, 2], [3, 2, 2], { lhsDilation: 2, padding: [[2, 2]] }],
  ['2-D valid 3x3', [2, 5, 6, 3], [3, 3, 3, 4], {}],
  ['2-D same stride 2', [2, 7, 6, 2], [3, 3, 2, 3], { strides: 2, padding: 'SAME' }],
  ['2-D same stride [2,1] 5x5 on 4x4', [1, 4, 4, 1], [5, 5, 1, 2], { strides: [2, 1], padding: 'SAME' }],
  [
    '2-D explicit padding',
    [1, 5, 5, 2],
    [2, 3, 2, 2],
    {
      padding: [
        [1, 2],
        [0, 3],
      ],
    },
  ],
  [
    '2-D negative padding crops',
    [1, 6, 6, 2],
    [2, 2, 2, 2],
    {
      padding: [
        [-1, 0],
        [1, -2],
      ],
    },
  ],
  ['2-D kernel dilation [2,3]', [1, 8, 9, 2], [2, 2, 2, 3], { rhsDilation: [2, 3] }],
  ['2-D kernel dilation with strides 2', [1, 9, 9, 2], [3, 3, 2, 2], { strides: 2, rhsDilation: 2, padding: 'SAME' }],
  [
    '2-D input dilation [2,3] padded',
    [1, 3, 3, 2],
    [3, 2, 2, 2],
    {
      lhsDilation: [2, 3],
      padding: [
        [2, 1],
        [1, 1],
      ],
    },
  ],
  ['2-D input and kernel dilation and stride', [2, 4, 5, 1], [2, 2, 1, 2], { lhsDilation: 2, rhsDilation: 2, strides: [1, 2] }],
  ['2-D feature groups 2', [2, 5, 5, 4], [3, 3, 2, 6], { featureGroupCount: 2, padding: 'SAME' }],
  ['2-D depthwise (groups = channels, multiplier 2)', [1, 5, 6, 3], [3, 3, 1, 6], { featureGroupCount: 3, strides: 2, padding: 'SAME' }],
  ['2-D feature groups 2 of 8 channels', [2, 6, 6, 16], [3, 3, 8, 6], { featureGroupCount: 2, strides: [1, 2], padding: 'SAME' }],
  ['2-D batch groups 2', [4, 5, 5, 3], [3, 3, 3, 4], { batchGroupCount: 2 }],
  ['2-D 1x1 kernel stride 2', [2, 5, 5, 4], [1, 1, 4, 3], { strides: 2 }],
  ['2-D window covers input', [3, 3, 3, 2], [3, 3, 2, 2], {}],
  ['2-D zero batch', [0, 4, 4, 2], [3, 3, 2, 2], { padding: 'SAME' }],
  ['3-D same', [1, 3, 4, 3, 2], [2, 2, 2, 2, 2], { padding: 'SAME', strides: [1, 2, 1] }],
  ['2-D larger 12x12x8 -> 16', [2, 12, 12, 8], [3, 3, 8, 16], { padding: 'SAME' }],
];

/** `[label, input shape, options]`. */
const WINDOW_CASES: readonly (readonly [string, Shape, ReduceWindowOptions])[] = [
  ['NHWC 2x2 stride 2', [2, 4, 6, 3], { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }],
  ['NHWC 3x3 stride 2 same', [1, 5, 5, 2], { windowShape: [1, 3, 3, 1], strides: [1, 2, 2, 1], padding: 'SAME' }],
  ['NHWC 3x3 stride 1 valid', [2, 5, 4, 2], { windowShape: [1, 3, 3, 1] }],
  ['NHWC odd size 2x2 stride 2 (last row dropped)', [1, 5, 5, 1], { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }],
  [
    '1-D window 3 stride 2 padded',
    [2, 9, 2],
    {
      windowShape: [1, 3, 1],
      strides: [1, 2, 1],
      padding: [
        [0, 0],
        [1, 2],
        [0, 0],
      ],
    },
  ],
  ['window dilation 2', [1, 7, 7, 1], { windowShape: [1, 2, 2, 1], windowDilation: [1, 2, 2, 1] }],
  ['base dilation 2', [1, 3, 4, 1], { windowShape: [1, 2, 2, 1], baseDilation: [1, 2, 2, 1] }],
  [
    'negative padding',
    [1, 6, 6, 1],
    {
      windowShape: [1, 2, 2, 1],
      padding: [
        [0, 0],
        [-1, 0],
        [1, -1],
        [0, 0],
      ],
    },
  ],
  ['every axis windowed', [3, 4, 5], { windowShape: [2, 2, 3], strides: [1, 2, 1] }],
  ['NHWC 2x2 stride 2 larger', [4, 12, 12, 16], { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }],
  ['window over batch and channels', [4, 3, 3, 4], { windowShape: [2, 2, 1, 3], strides: [2, 1, 1, 1], padding: 'SAME' }],
];

/** The general convolution and the windowed reduction: 1-D to 3-D, strides, padding, dilations, groups. */
export function windowedCases(): ComputeCase[] {
  const conv: ComputeCase[] = CONV_CASES.map(([label, xs, ws, options]) => ({
    id: `conv/${label}`,
    run: (c) => c.backend.conv(c.uniform(xs), c.uniform(ws), options),
    tolScale: 4,
  }));
  const windows: ComputeCase[] = REDUCE_WINDOW_OPS.flatMap((op) =>
    WINDOW_CASES.map(
      ([label, xs, options]): ComputeCase => ({
        id: `reduceWindow/${op}/${label}`,
        run: (c) => c.backend.reduceWindow(op, c.uniform(xs), options),
      }),
    ),
  );
  const ties: ComputeCase = {
    id: 'reduceWindow/max/ties and a window wholly in padding',
    run: (c) =>
      c.backend.reduceWindow('max', c.ints([1, 4, 4, 2], -2, 2, c.dtype), {
        windowShape: [1, 2, 2, 1],
        strides: [1, 2, 2, 1],
        padding: [
          [0, 0],
          [0, 4],
          [0, 4],
          [0, 0],
        ],
      }),
  };
  return [...conv, ...windows, ties, ...argmaxCases()];
}

/** `windowArgmax` of `x`, or an error naming the case to exclude where the backend lacks this optional method. */
function argmaxOf(backend: Backend, x: Tensor, options: ReduceWindowOptions): Tensor {
  if (!backend.windowArgmax)
    throw new Error(`backend '${backend.name}' has no windowArgmax (an optional method): exclude the windowArgmax cases`);
  return backend.windowArgmax(x, options);
}

/**
 * Where a windowed max takes its maximum (`windowArgmax`, the routing of its gradient), compared
 * exactly: every window shape above on distinct values, then ties (the first tap in the window's
 * row-major order wins), windows wholly in padding (`x.size`), and NaN (the first NaN wins).
 */
function argmaxCases(): ComputeCase[] {
  const distinct: ComputeCase[] = WINDOW_CASES.map(([label, xs, options]) => ({
    id: `windowArgmax/${label}`,
    run: (c) => argmaxOf(c.backend, c.uniform(xs), options),
  }));
  const ties: ComputeCase = {
    id: 'windowArgmax/ties and windows wholly in padding',
    run: (c) =>
      argmaxOf(c.backend, c.ints([2, 4, 5, 2], -1, 1, c.dtype), {
        windowShape: [1, 3, 3, 1],
        strides: [1, 2, 2, 1],
        padding: [
          [0, 0],
          [1, 4],
          [2, 4],
          [0, 0],
        ],
      }),
  };
  const nan: ComputeCase = {
    id: 'windowArgmax/NaN wins, the first one on two',
    run: (c) =>
      argmaxOf(c.backend, c.tensor([1, Number.NaN, 3, 2, 9, 5, Number.NaN, Number.NaN, -1, 4, 8, 0, 2, 6, Number.NaN, 7], [1, 4, 4, 1]), {
        windowShape: [1, 2, 2, 1],
        strides: [1, 2, 2, 1],
      }),
  };
  return [...distinct, ties, nan];
}
