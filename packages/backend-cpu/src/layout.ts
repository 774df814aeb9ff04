import { sizeOf, type DType, type Shape, type Tensor } from '@downhill/backend';
import { alloc, broadcastStrides, coerce, contiguousStrides, dataOf, forEachRow, planStrided, type CpuStorage } from './storage.js';

/** Rows at least this long are copied with `TypedArray.set` instead of an element loop. */
const SET_THRESHOLD = 32;

/**
 * Copies `shape` elements from `src` (read at `srcOff` through `srcStrides`) into `dst` (written at
 * `dstOff` through `dstStrides`). Source and destination have the same dtype, so copies are exact.
 */
export function copyStrided(
  src: CpuStorage,
  srcOff: number,
  srcStrides: readonly number[],
  dst: CpuStorage,
  dstOff: number,
  dstStrides: readonly number[],
  shape: Shape,
): void {
  const plan = planStrided(shape, [dstStrides, srcStrides]);
  const [ds, ss] = plan.inner;
  const n = plan.n;
  forEachRow(plan, [dstOff, srcOff], (off) => {
    let d = off[0];
    let s = off[1];
    if (ds === 1 && ss === 1 && n >= SET_THRESHOLD) {
      dst.set(src.subarray(s, s + n) as ArrayLike<number>, d);
    } else if (ss === 0) {
      const v = src[s];
      for (let j = 0; j < n; j++, d += ds) dst[d] = v;
    } else {
      for (let j = 0; j < n; j++, d += ds, s += ss) dst[d] = src[s];
    }
  });
}

/** Tile edge of the blocked two-dimensional transpose. */
const TILE = 32;

/** Axes permuted: output axis i is input axis `perm[i]`. Matrix transposes go tile by tile. */
export function transposeKernel(x: Tensor, perm: readonly number[], outShape: Shape): CpuStorage {
  const src = dataOf(x);
  const out = alloc(x.dtype, x.size);
  const inStrides = contiguousStrides(x.shape);
  const permuted = perm.map((p) => inStrides[p]);
  // Collapse to find whether this is a (batched) swap of two blocks of axes.
  const plan = planStrided(outShape, [contiguousStrides(outShape), permuted]);
  if (plan.outer.length >= 1 && plan.inner[1] !== 1 && plan.n >= 4) {
    const r = plan.outer.length;
    const rowsDim = plan.outer[r - 1];
    const rowsStride = plan.outerStrides[1][r - 1];
    const colStride = plan.inner[1];
    const n = plan.n;
    if (rowsStride === 1 && rowsDim >= 4) {
      // out[b, i, j] = src[b·bs + i + j·colStride]: read down columns in tiles.
      const batchShape = plan.outer.slice(0, r - 1);
      const batchPlan = planStrided(batchShape.length ? batchShape : [1], [
        batchShape.length ? plan.outerStrides[0].slice(0, r - 1) : [0],
        batchShape.length ? plan.outerStrides[1].slice(0, r - 1) : [0],
      ]);
      const tile = (o0: number, s0: number) => {
        for (let i0 = 0; i0 < rowsDim; i0 += TILE) {
          const i1 = Math.min(i0 + TILE, rowsDim);
          for (let j0 = 0; j0 < n; j0 += TILE) {
            const j1 = Math.min(j0 + TILE, n);
            for (let i = i0; i < i1; i++) {
              const orow = o0 + i * n;
              for (let j = j0; j < j1; j++) out[orow + j] = src[s0 + i + j * colStride];
            }
          }
        }
      };
      if (batchShape.length === 0) tile(0, 0);
      else {
        // batch axes of the collapsed plan, each output batch a contiguous block of rowsDim·n
        forEachBatch(batchPlan, (o, s) => tile(o, s));
      }
      return out;
    }
  }
  copyStrided(src, 0, permuted, out, 0, contiguousStrides(outShape), outShape);
  return out;
}

/** Runs `fn(outOffset, srcOffset)` over every element of a plan's full index space. */
function forEachBatch(plan: ReturnType<typeof planStrided>, fn: (o: number, s: number) => void): void {
  const [on, sn] = plan.inner;
  forEachRow(plan, [0, 0], (off) => {
    for (let j = 0, o = off[0], s = off[1]; j < plan.n; j++, o += on, s += sn) fn(o, s);
  });
}

/**
 * Broadcast to `shape`, materialised: a single value filled; an input broadcast along leading axes
 * only (a bias) copied whole, then the copies doubled; one broadcast along trailing axes only (`[b, 1]`
 * to `[b, n]`) filled value by value; anything else by the strided copy.
 */
export function broadcastToKernel(x: Tensor, shape: Shape): CpuStorage {
  const out = alloc(x.dtype, sizeOf(shape));
  const src = dataOf(x);
  const lead = shape.length - x.rank;
  const dim = (i: number) => (i < lead ? 1 : x.shape[i - lead]);
  if (x.size === 1) {
    out.fill(src[0] as never);
    return out;
  }
  // leading axes only (a bias [n] to [b, n]): the whole input, copied once per outer index
  let p = 0;
  while (p < shape.length && dim(p) === 1 && shape[p] !== 1) p++;
  let rest = p;
  while (rest < shape.length && dim(rest) === shape[rest]) rest++;
  if (rest === shape.length && x.size > 0) {
    out.set(src.subarray(0, x.size));
    // doubling: the copies made so far, copied after themselves
    for (let at = x.size; at < out.length; at *= 2) out.copyWithin(at, 0, Math.min(at, out.length - at));
    return out;
  }
  // trailing axes only ([b, 1] to [b, n]): each input value filled over its run
  let q = 0;
  while (q < shape.length && dim(q) === shape[q]) q++;
  let ones = q;
  while (ones < shape.length && dim(ones) === 1) ones++;
  if (ones === shape.length && x.size > 0) {
    const run = out.length / x.size;
    for (let i = 0; i < x.size; i++) out.fill(src[i] as never, i * run, (i + 1) * run);
    return out;
  }
  copyStrided(src, 0, broadcastStrides(x.shape, shape), out, 0, contiguousStrides(shape), shape);
  return out;
}

/** The box at `begin` of extent `size`. */
export function sliceKernel(x: Tensor, begin: readonly number[], size: readonly number[]): CpuStorage {
  const out = alloc(x.dtype, sizeOf(size));
  const strides = contiguousStrides(x.shape);
  let off = 0;
  for (let i = 0; i < x.rank; i++) off += begin[i] * strides[i];
  copyStrided(dataOf(x), off, strides, out, 0, contiguousStrides(size), size);
  return out;
}

/** Pads with `value` (stored as the dtype stores it). */
export function padKernel(x: Tensor, paddings: readonly (readonly [number, number])[], value: number, outShape: Shape): CpuStorage {
  const out = alloc(x.dtype, sizeOf(outShape));
  const v = coerce(value, x.dtype);
  if (v !== 0) out.fill(v);
  const outStrides = contiguousStrides(outShape);
  let off = 0;
  for (let i = 0; i < x.rank; i++) off += paddings[i][0] * outStrides[i];
  copyStrided(dataOf(x), 0, contiguousStrides(x.shape), out, off, outStrides, x.shape);
  return out;
}

/** Concatenation along `axis`: each input is a block of rows copied into its place in every outer row. */
export function concatKernel(xs: readonly Tensor[], axis: number, outShape: Shape, dtype: DType): CpuStorage {
  const out = alloc(dtype, sizeOf(outShape));
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= outShape[i];
  let inner = 1;
  for (let i = axis + 1; i < outShape.length; i++) inner *= outShape[i];
  const outChunk = outShape[axis] * inner;
  let at = 0;
  for (const x of xs) {
    const src = dataOf(x);
    const chunk = x.shape[axis] * inner;
    if (chunk > 0) {
      for (let p = 0; p < outer; p++) {
        const s = p * chunk;
        const d = p * outChunk + at;
        if (chunk >= SET_THRESHOLD) out.set(src.subarray(s, s + chunk) as ArrayLike<number>, d);
        else for (let j = 0; j < chunk; j++) out[d + j] = src[s + j];
      }
    }
    at += chunk;
  }
  return out;
}
