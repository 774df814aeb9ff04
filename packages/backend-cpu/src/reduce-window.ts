import { sizeOf, windowTaps, type ReduceWindowOp, type ReduceWindowParams, type Shape, type Tensor } from '@downhill/backend';
import { alloc, dataOf, type CpuStorage } from './storage.js';

/**
 * The windowed reduction on backend-cpu. Leading axes with a window of 1, stride 1, no padding and
 * no dilation (the batch of NHWC pooling) are outer loops, and trailing ones (the channels) are
 * contiguous runs reduced together; the window's taps over the axes between come from the cached
 * tap table. Sums accumulate in float64; padding and holes hold the identity (0, −∞), and NaN
 * propagates through `max`.
 */
export function reduceWindowKernel(op: ReduceWindowOp, x: Tensor, p: ReduceWindowParams, outShape: Shape): CpuStorage {
  const { outer, inner, P, Q, Kw, taps } = windowLoops(x, p, outShape);
  const X = dataOf(x);
  const out = alloc(x.dtype, sizeOf(outShape));
  const acc = new Float64Array(inner);
  const isMax = op === 'max';
  for (let o = 0; o < outer; o++) {
    const base = o * P * inner;
    for (let q = 0; q < Q; q++) {
      acc.fill(isMax ? Number.NEGATIVE_INFINITY : 0);
      for (let t = 0; t < Kw; t++) {
        const src = taps[q * Kw + t];
        if (src === P) continue;
        const s = base + src * inner;
        if (isMax) {
          for (let j = 0; j < inner; j++) {
            const v = X[s + j];
            // v > acc is false for NaN either side: NaN must stick once seen.
            if (v > acc[j] || Number.isNaN(v)) acc[j] = v;
          }
        } else for (let j = 0; j < inner; j++) acc[j] += X[s + j];
      }
      out.set(acc, (o * Q + q) * inner);
    }
  }
  return out;
}

/**
 * Where each window of a windowed max takes its maximum (`Backend.windowArgmax`), in one pass over
 * the windows like {@link reduceWindowKernel}'s, float32 and float64: the flat position in `x` of
 * the first tap (row-major in the window) holding the window's maximum, the first NaN where there is
 * one, `x.size` where padding or a hole (−∞) wins, as `argReduce('argmax')` over the gathered taps.
 */
export function windowArgmaxKernel(x: Tensor, p: ReduceWindowParams, outShape: Shape): CpuStorage {
  const { outer, inner, P, Q, Kw, taps } = windowLoops(x, p, outShape);
  const X = dataOf(x);
  const none = x.size;
  const out = alloc('int32', sizeOf(outShape));
  const best = new Float64Array(inner);
  const at = new Int32Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * P * inner;
    for (let q = 0; q < Q; q++) {
      for (let t = 0; t < Kw; t++) {
        const src = taps[q * Kw + t];
        const s = base + src * inner;
        if (t === 0) {
          if (src === P) {
            best.fill(Number.NEGATIVE_INFINITY);
            at.fill(none);
          } else {
            for (let j = 0; j < inner; j++) {
              best[j] = X[s + j];
              at[j] = s + j;
            }
          }
          continue;
        }
        if (src === P) continue; // −∞ never beats what came first (ties keep the first)
        for (let j = 0; j < inner; j++) {
          const b = best[j];
          if (Number.isNaN(b)) continue; // a NaN already won
          const v = X[s + j];
          if (v > b || Number.isNaN(v)) {
            best[j] = v;
            at[j] = s + j;
          }
        }
      }
      out.set(at, (o * Q + q) * inner);
    }
  }
  return out;
}

/**
 * The loop structure of a windowed reduction: leading axes with a plain window (size 1, stride 1,
 * no padding or dilation) as `outer` images of `P` positions, trailing plain axes as `inner`
 * contiguous elements, and the tap table of the axes between (`Q` windows of `Kw` taps, `P` for
 * padding and holes).
 */
function windowLoops(x: Tensor, p: ReduceWindowParams, outShape: Shape) {
  const r = x.rank;
  const plain = (a: number) =>
    p.windowShape[a] === 1 && p.strides[a] === 1 && p.lhsDilation[a] === 1 && p.padding[a][0] === 0 && p.padding[a][1] === 0;
  let lo = 0;
  while (lo < r - 1 && plain(lo)) lo++;
  let hi = r;
  while (hi > lo + 1 && plain(hi - 1)) hi--;
  const outer = sizeOf(x.shape.slice(0, lo));
  const inner = sizeOf(x.shape.slice(hi));
  const mid = x.shape.slice(lo, hi);
  const midOut = outShape.slice(lo, hi);
  const pick = <T>(v: readonly T[]) => v.slice(lo, hi);
  const g = { strides: pick(p.strides), padding: pick(p.padding), lhsDilation: pick(p.lhsDilation), rhsDilation: pick(p.rhsDilation) };
  const window = pick(p.windowShape);
  const taps = windowTaps(mid, window, midOut, g);
  const P = sizeOf(mid);
  const Q = sizeOf(midOut);
  const Kw = sizeOf(window);
  return { outer, inner, P, Q, Kw, taps };
}
