import { sizeOf, type Shape, type Tensor } from '@downhill/backend';
import { alloc, broadcastStrides, dataOf, free, type CpuStorage } from './storage.js';
import type { WasmRuntime } from './wasm/runtime.js';

/**
 * Float32 batched matrix product on the WebAssembly SIMD kernel (`gemmF32`: packed panels, a 4 × 8
 * register tile, accumulation in float32). Operands in the heap are read in place; others (small
 * arrays, or every array in private mode) are copied in, and the result copied out. Transposes are
 * strides: the kernel packs any layout. Same contract as `matmulKernel`.
 *
 * Accuracy: each output is a float32 sum of K float32 products, so
 * `|out − exact| ≤ (K + 1)·2⁻²⁴·Σₖ|A[i,k]·B[k,j]|` (the standard bound for recursive summation).
 */
export function matmulWasm(rt: WasmRuntime, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): CpuStorage {
  const out = alloc('float32', sizeOf(outShape));
  const ar = a.rank;
  const br = b.rank;
  const aRows = a.shape[ar - 2];
  const aCols = a.shape[ar - 1];
  const bRows = b.shape[br - 2];
  const bCols = b.shape[br - 1];
  const M = transposeA ? aCols : aRows;
  const K = transposeA ? aRows : aCols;
  const N = transposeB ? bRows : bCols;
  if (out.length === 0 || K === 0) return out;

  const A = dataOf(a);
  const B = dataOf(b);
  let aPtr = rt.ptrOf(A);
  let bPtr = rt.ptrOf(B);
  let cPtr = rt.ptrOf(out);
  // Temporary blocks for operands outside the heap; each is freed below once it was made (a block
  // the memory cannot hold throws an OutOfMemoryError after the earlier ones are freed).
  let aTemp = false;
  let bTemp = false;
  let cTemp = false;

  const ars = transposeA ? 1 : aCols;
  const acs = transposeA ? aCols : 1;
  const brs = transposeB ? 1 : bCols;
  const bcs = transposeB ? bCols : 1;
  const batchShape = outShape.slice(0, -2);
  const batches = sizeOf(batchShape);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const aMat = aRows * aCols;
  const bMat = bRows * bCols;
  const gemm = rt.exports.gemmF32;
  try {
    if (aPtr < 0) [aPtr, aTemp] = [rt.tempF32(A.length, A), true];
    if (bPtr < 0) [bPtr, bTemp] = [rt.tempF32(B.length, B), true];
    if (cPtr < 0) [cPtr, cTemp] = [rt.tempF32(out.length, undefined, true), true];
    for (let t = 0; t < batches; t++) {
      let aOff = 0;
      let bOff = 0;
      for (let ax = batchShape.length - 1, rest = t; ax >= 0; ax--) {
        const i = rest % batchShape[ax];
        rest = (rest - i) / batchShape[ax];
        aOff += i * aBatch[ax];
        bOff += i * bBatch[ax];
      }
      gemm(aPtr + aOff * aMat * 4, ars, acs, bPtr + bOff * bMat * 4, brs, bcs, cPtr + t * M * N * 4, M, K, N);
    }
    if (cTemp) out.set(rt.viewF32(cPtr, out.length));
  } catch (e) {
    free(out); // the output never becomes a tensor
    throw e;
  } finally {
    if (aTemp) rt.freeTemp(aPtr);
    if (bTemp) rt.freeTemp(bPtr);
    if (cTemp) rt.freeTemp(cPtr);
  }
  return out;
}
