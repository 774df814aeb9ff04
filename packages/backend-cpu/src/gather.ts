import { InvalidArgumentError, fmtShape, sizeOf, type Shape, type Tensor } from '@downhill/backend';
import { alloc, dataOf, type CpuStorage } from './storage.js';

/** Throws `InvalidArgumentError` unless every index lies in `[0, size)`; names the first bad one. */
function checkIndices(where: string, idx: CpuStorage, indices: Tensor, axis: number, size: number, of: Shape): void {
  for (let q = 0; q < idx.length; q++) {
    const i = idx[q];
    if (i < 0 || i >= size) {
      throw new InvalidArgumentError(
        `cpu.${where}: index ${i} (entry ${q} of indices ${fmtShape(indices.shape)}) is out of range for axis ${axis} of size ${size} in shape ${fmtShape(of)}`,
      );
    }
  }
}

/** `[outer, len, inner]` split of a shape around `axis`. */
function split(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/** `out[o, q, i] = x[o, indices[q], i]` with `x` split around `axis`. */
export function gatherKernel(x: Tensor, indices: Tensor, axis: number, outShape: Shape): CpuStorage {
  const src = dataOf(x);
  const idx = dataOf(indices);
  const [outer, len, inner] = split(x.shape, axis);
  checkIndices('gather', idx, indices, axis, len, x.shape);
  const m = idx.length;
  const out = alloc(x.dtype, sizeOf(outShape));
  for (let o = 0; o < outer; o++) {
    const sBase = o * len * inner;
    const dBase = o * m * inner;
    for (let q = 0; q < m; q++) {
      const s = sBase + idx[q] * inner;
      const d = dBase + q * inner;
      if (inner >= 32) out.set(src.subarray(s, s + inner) as ArrayLike<number>, d);
      else for (let j = 0; j < inner; j++) out[d + j] = src[s + j];
    }
  }
  return out;
}

/**
 * The transpose of gather: zeros of `outShape` with `updates[o, q, i]` added at
 * `out[o, indices[q], i]`. Repeated indices add up; float32 sums accumulate in float64. Distinct
 * indices (the gradient of a windowed max, a permutation) make each sum a single term: the updates
 * are copied into place, with the same result and no float64 buffer.
 */
export function scatterAddKernel(updates: Tensor, indices: Tensor, axis: number, outShape: Shape): CpuStorage {
  const src = dataOf(updates);
  const idx = dataOf(indices);
  const [outer, size, inner] = split(outShape, axis);
  checkIndices('scatterAdd', idx, indices, axis, size, outShape);
  const m = idx.length;
  const total = sizeOf(outShape);
  if (distinct(idx, size)) {
    const out = alloc(updates.dtype, total);
    for (let o = 0; o < outer; o++) {
      const sBase = o * m * inner;
      const dBase = o * size * inner;
      for (let q = 0; q < m; q++) {
        const s = sBase + q * inner;
        const d = dBase + idx[q] * inner;
        // + 0 as the sum into zeros does: −0 becomes +0.
        for (let j = 0; j < inner; j++) out[d + j] = src[s + j] + 0;
      }
    }
    return out;
  }
  const acc = new Float64Array(total);
  for (let o = 0; o < outer; o++) {
    const sBase = o * m * inner;
    const dBase = o * size * inner;
    for (let q = 0; q < m; q++) {
      const s = sBase + q * inner;
      const d = dBase + idx[q] * inner;
      for (let j = 0; j < inner; j++) acc[d + j] += src[s + j];
    }
  }
  if (updates.dtype === 'float64') return acc;
  const out = alloc(updates.dtype, total);
  out.set(acc);
  return out;
}

/** Whether no index in `idx` (each in `[0, size)`) repeats. */
function distinct(idx: CpuStorage, size: number): boolean {
  if (idx.length > size) return false;
  const seen = new Uint8Array(size);
  for (let q = 0; q < idx.length; q++) {
    const i = idx[q];
    if (seen[i]) return false;
    seen[i] = 1;
  }
  return true;
}
