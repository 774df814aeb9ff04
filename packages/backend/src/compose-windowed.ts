import type { Backend } from './backend.js';
import type { ConvParams } from './conv.js';
import type { ReduceWindowOp, ReduceWindowParams } from './reduce-window.js';
import { sizeOf, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import { tapIndex, type WindowGeometry } from './window.js';

/** Tap tables made recently, by geometry (a training loop repeats a handful of them). */
const TAPS = new Map<string, Int32Array>();
const TAPS_MAX = 32;

/**
 * For every output position and window tap (tap fastest, both row-major), the flat position in an
 * input of `inSizes` that the tap reads, or `sizeOf(inSizes)` (one past the end: the padding
 * element appended by the caller) where it reads padding or a dilation hole. The last 32 tables
 * are kept and shared between callers: treat the array as read-only.
 *
 * @example
 * ```ts
 * import { windowTaps } from '@downhill/backend';
 * const g = { strides: [2], padding: [[1, 0]], lhsDilation: [1], rhsDilation: [1] } as const;
 * windowTaps([3], [2], [2], g); // Int32Array [3, 0, 1, 2]: padding (3 = past the end), then 0; then 1, 2
 * ```
 */
export function windowTaps(
  inSizes: readonly number[],
  window: readonly number[],
  outSizes: readonly number[],
  g: WindowGeometry,
): Int32Array {
  const key = JSON.stringify([inSizes, window, outSizes, g.strides, g.padding, g.lhsDilation, g.rhsDilation]);
  const cached = TAPS.get(key);
  if (cached) return cached;
  const taps = makeTaps(inSizes, window, outSizes, g);
  if (TAPS.size >= TAPS_MAX) TAPS.delete(TAPS.keys().next().value as string);
  TAPS.set(key, taps);
  return taps;
}

function makeTaps(inSizes: readonly number[], window: readonly number[], outSizes: readonly number[], g: WindowGeometry): Int32Array {
  const d = inSizes.length;
  const P = sizeOf(inSizes);
  const Q = sizeOf(outSizes);
  const Kw = sizeOf(window);
  const taps = new Int32Array(Q * Kw);
  // Per axis, the input index of (output o, tap k), or −1.
  const tables = inSizes.map((s, i) => {
    const t = new Int32Array(outSizes[i] * window[i]);
    for (let o = 0; o < outSizes[i]; o++) for (let k = 0; k < window[i]; k++) t[o * window[i] + k] = tapIndex(o, k, s, g, i);
    return t;
  });
  const o = new Array<number>(d).fill(0);
  const k = new Array<number>(d).fill(0);
  let at = 0;
  for (let q = 0; q < Q; q++) {
    k.fill(0);
    for (let t = 0; t < Kw; t++) {
      let flat = 0;
      for (let i = 0; i < d; i++) {
        const j = tables[i][o[i] * window[i] + k[i]];
        if (j < 0) {
          flat = P;
          break;
        }
        flat = flat * inSizes[i] + j;
      }
      taps[at++] = flat;
      for (let i = d - 1; i >= 0 && ++k[i] === window[i]; i--) k[i] = 0;
    }
    for (let i = d - 1; i >= 0 && ++o[i] === outSizes[i]; i--) o[i] = 0;
  }
  return taps;
}

/**
 * The general convolution composed from primitives (gather of the window taps, then one batched
 * matrix product per group: im2col): what `defineBackend` runs on a backend without a `conv`
 * kernel, and the fallback of kernels for the cases they do not map. Call it inside a scope.
 *
 * @example
 * ```ts
 * const { params, outShape } = convParams(x.shape, w.shape, { padding: 'SAME' }, 'conv');
 * const y = backend.scope(() => composeConv(backend, x, w, params, outShape));
 * ```
 */
export function composeConv(b: Backend, lhs: Tensor, rhs: Tensor, p: ConvParams, outShape: Shape): Tensor {
  const d = lhs.rank - 2;
  const [N, C] = [lhs.shape[0], lhs.shape[d + 1]];
  const window = rhs.shape.slice(0, d);
  const [I, O] = [rhs.shape[d], rhs.shape[d + 1]];
  const inSizes = lhs.shape.slice(1, d + 1);
  const outSizes = outShape.slice(1, d + 1);
  const P = sizeOf(inSizes);
  const Q = sizeOf(outSizes);
  const Kw = sizeOf(window);
  const G = p.featureGroupCount;
  const B = p.batchGroupCount;
  // [N, P + 1, C]: the last position is the zero that padding and holes read.
  const flat = b.concat([b.reshape(lhs, [N, P, C]), b.zeros([N, 1, C], lhs.dtype)], 1);
  const taps = b.tensor(windowTaps(inSizes, window, outSizes, p), [Q * Kw], 'int32');
  const patches = b.gather(flat, taps, 1); // [N, Q·Kw, C]
  let out: Tensor;
  if (B > 1) {
    const Nb = N / B;
    const lhsG = b.reshape(patches, [B, Nb * Q, Kw * C]);
    const rhsG = b.transpose(b.reshape(rhs, [Kw * C, B, O / B]), [1, 0, 2]);
    out = b.transpose(b.matmul(lhsG, rhsG), [1, 0, 2]); // [Nb·Q, B, O/B]
  } else if (G > 1) {
    const lhsG = b.reshape(b.transpose(b.reshape(patches, [N * Q, Kw, G, I]), [2, 0, 1, 3]), [G, N * Q, Kw * I]);
    const rhsG = b.transpose(b.reshape(rhs, [Kw * I, G, O / G]), [1, 0, 2]);
    out = b.transpose(b.matmul(lhsG, rhsG), [1, 0, 2]); // [N·Q, G, O/G]
  } else {
    out = b.matmul(b.reshape(patches, [N * Q, Kw * C]), b.reshape(rhs, [Kw * C, O]));
  }
  return b.reshape(out, outShape);
}

/**
 * The windowed reduction composed from primitives (gather of the window taps, padding holding the
 * identity, then a reduction over the taps). Call it inside a scope.
 *
 * @example
 * ```ts
 * const { params, outShape } = reduceWindowParams(x.shape, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }, 'pool');
 * const y = backend.scope(() => composeReduceWindow(backend, 'max', x, params, outShape));
 * ```
 */
export function composeReduceWindow(b: Backend, op: ReduceWindowOp, x: Tensor, p: ReduceWindowParams, outShape: Shape): Tensor {
  const identity = op === 'sum' ? 0 : Number.NEGATIVE_INFINITY;
  const flat = b.concat([b.reshape(x, [x.size]), b.full([1], identity, x.dtype)], 0);
  const Kw = sizeOf(p.windowShape);
  const taps = b.tensor(windowTaps(x.shape, p.windowShape, outShape, p), [sizeOf(outShape), Kw], 'int32');
  return b.reshape(b.reduce(op, b.gather(flat, taps, 0), 1), outShape);
}

/**
 * Where each window of a windowed max takes its maximum, composed from primitives: the window's
 * taps gathered (padding and holes read −∞), `argReduce('argmax')` over them (the first tap in the
 * window's row-major order on ties, the first NaN where there is one), and the winning tap's input
 * position gathered from the tap table: an `int32` tensor of `outShape` holding flat row-major
 * positions in `x`, or `x.size` where the winner is padding or a hole. Call it inside a scope.
 *
 * @example
 * ```ts
 * const { params, outShape } = reduceWindowParams([4], { windowShape: [2], strides: [2] }, 'pool');
 * const x = backend.tensor([1, 3, 2, 2], [4]);
 * backend.scope(() => composeWindowArgmax(backend, x, params, outShape)); // int32 [1, 2]
 * ```
 */
export function composeWindowArgmax(b: Backend, x: Tensor, p: ReduceWindowParams, outShape: Shape): Tensor {
  const Q = sizeOf(outShape);
  const Kw = sizeOf(p.windowShape);
  const taps = b.tensor(windowTaps(x.shape, p.windowShape, outShape, p), [Q * Kw], 'int32');
  const flat = b.concat([b.reshape(x, [x.size]), b.full([1], Number.NEGATIVE_INFINITY, x.dtype)], 0);
  const best = b.argReduce('argmax', b.reshape(b.gather(flat, taps, 0), [Q, Kw]), 1); // [Q]
  const starts = new Int32Array(Q);
  for (let q = 0; q < Q; q++) starts[q] = q * Kw;
  return b.reshape(b.gather(taps, b.add(b.tensor(starts, [Q], 'int32'), best), 0), outShape);
}
