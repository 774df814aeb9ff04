import { sizeOf, type ArgReduceOp, type ReduceOp, type Shape, type Tensor } from '@downhill/backend';
import { sumLeadingWasm } from './elementwise-wasm.js';
import { alloc, contiguousStrides, dataOf, forEachRow, free, planStrided, type CpuStorage } from './storage.js';
import { rowsF32, wholeF32 } from './threads/reduce-split.js';
import { activeRuntime } from './wasm/runtime.js';

/**
 * Sum, max or min over a sorted set of axes. The input is walked once in row-major order; each
 * element is combined into its output slot (output stride 0 along reduced axes). Sums accumulate in
 * float64 and round once; float64 sums are compensated (Neumaier), so their error does not grow
 * with the number of terms. `max` and `min` propagate NaN as NumPy does. Float32 sums over leading
 * axes (column sums) run on the WebAssembly SIMD kernel, with the same float64 sums.
 *
 * Float32 reductions over trailing axes split across threads where they are large (each output
 * one thread's loop, the same as below), and a float32 array of at least two `REDUCE_BLOCK`s
 * reduced whole is reduced block by block, then over the blocks' partial results in order (see
 * `threads/reduce-split.ts`): a fixed tree, so every thread count gives the same bits.
 */
export function reduceKernel(op: ReduceOp, x: Tensor, axes: readonly number[], outShape: Shape): CpuStorage {
  const outSize = sizeOf(outShape);
  const rt = op === 'sum' && x.dtype === 'float32' ? activeRuntime() : undefined;
  const fast = rt && sumLeadingWasm(rt, x, axes, outSize);
  if (fast) return fast;
  const split = x.dtype === 'float32' ? splitF32(op, x, axes, outSize) : undefined;
  if (split) return split;
  const src = dataOf(x);
  // Output strides over the input's axes: 0 along reduced axes.
  const reducedSet = new Set(axes);
  const keptShape = x.shape.filter((_, i) => !reducedSet.has(i));
  const keptStrides = contiguousStrides(keptShape);
  const outStrides: number[] = [];
  let q = 0;
  for (let i = 0; i < x.rank; i++) outStrides.push(reducedSet.has(i) ? 0 : keptStrides[q++]);

  const acc = new Float64Array(outSize);
  if (op === 'max') acc.fill(-Infinity);
  else if (op === 'min') acc.fill(Infinity);
  // running compensation of each float64 sum (the low-order bits lost by each addition)
  const comp = op === 'sum' && x.dtype === 'float64' ? new Float64Array(outSize) : undefined;

  const plan = planStrided(x.shape, [contiguousStrides(x.shape), outStrides]);
  const [xs, os] = plan.inner;
  const n = plan.n;
  forEachRow(plan, [0, 0], (off) => {
    let xi = off[0];
    const oi = off[1];
    if (os === 0) {
      // the row is reduced into one slot
      let r = acc[oi];
      if (comp) {
        let c = comp[oi];
        for (let j = 0; j < n; j++, xi += xs) {
          const v = src[xi];
          const t = r + v;
          c += Math.abs(r) >= Math.abs(v) ? r - t + v : v - t + r;
          r = t;
        }
        comp[oi] = c;
      } else if (op === 'sum') for (let j = 0; j < n; j++, xi += xs) r += src[xi];
      else if (op === 'max') {
        for (let j = 0; j < n; j++, xi += xs) {
          const v = src[xi];
          if (v > r || Number.isNaN(v)) r = v;
          if (Number.isNaN(r)) break;
        }
      } else {
        for (let j = 0; j < n; j++, xi += xs) {
          const v = src[xi];
          if (v < r || Number.isNaN(v)) r = v;
          if (Number.isNaN(r)) break;
        }
      }
      acc[oi] = r;
    } else if (comp) {
      for (let j = 0, o = oi; j < n; j++, xi += xs, o += os) {
        const r = acc[o];
        const v = src[xi];
        const t = r + v;
        comp[o] += Math.abs(r) >= Math.abs(v) ? r - t + v : v - t + r;
        acc[o] = t;
      }
    } else if (op === 'sum') {
      for (let j = 0, o = oi; j < n; j++, xi += xs, o += os) acc[o] += src[xi];
    } else if (op === 'max') {
      for (let j = 0, o = oi; j < n; j++, xi += xs, o += os) {
        const v = src[xi];
        if (v > acc[o] || Number.isNaN(v)) acc[o] = v;
      }
    } else {
      for (let j = 0, o = oi; j < n; j++, xi += xs, o += os) {
        const v = src[xi];
        if (v < acc[o] || Number.isNaN(v)) acc[o] = v;
      }
    }
  });
  if (comp) {
    // add the compensation where the sum is finite (an infinite or NaN sum stays as it is)
    for (let i = 0; i < outSize; i++) if (Number.isFinite(acc[i])) acc[i] += comp[i];
  }
  if (x.dtype === 'float64') return acc;
  const out = alloc(x.dtype, outSize);
  out.set(acc);
  return out;
}

/** A float32 reduction over trailing axes on the split paths of `threads/reduce-split.ts`, or undefined. */
function splitF32(op: ReduceOp, x: Tensor, axes: readonly number[], outSize: number): CpuStorage | undefined {
  const rt = activeRuntime();
  if (!rt || axes.length === 0 || !axes.every((a, i) => a === x.rank - axes.length + i)) return undefined;
  const src = dataOf(x) as Float32Array;
  if (outSize === 1) {
    const v = wholeF32(rt, op, src);
    if (v === undefined) return undefined;
    const out = alloc('float32', 1);
    out[0] = v;
    return out;
  }
  const out = alloc('float32', outSize) as Float32Array;
  if (rowsF32(rt, op, src, x.size / outSize, outSize, out)) return out;
  free(out);
  return undefined;
}

/**
 * Index of the largest (`argmax`) or smallest (`argmin`) element along `axis`, as `int32`. Ties
 * give the first index; a NaN counts as the extreme, so the first NaN wins (as in NumPy).
 */
export function argReduceKernel(op: ArgReduceOp, x: Tensor, axis: number, outShape: Shape): CpuStorage {
  const src = dataOf(x);
  const len = x.shape[axis];
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= x.shape[i];
  let inner = 1;
  for (let i = axis + 1; i < x.rank; i++) inner *= x.shape[i];
  const out = alloc('int32', sizeOf(outShape));
  const best = new Float64Array(inner);
  const isMax = op === 'argmax';
  for (let p = 0; p < outer; p++) {
    const base = p * len * inner;
    for (let j = 0; j < inner; j++) best[j] = src[base + j];
    const o = p * inner;
    for (let k = 1; k < len; k++) {
      const row = base + k * inner;
      for (let j = 0; j < inner; j++) {
        const b = best[j];
        if (Number.isNaN(b)) continue;
        const v = src[row + j];
        if (Number.isNaN(v) || (isMax ? v > b : v < b)) {
          best[j] = v;
          out[o + j] = k;
        }
      }
    }
  }
  return out;
}
