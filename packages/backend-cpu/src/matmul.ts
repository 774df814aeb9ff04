import { sizeOf, type Shape, type Tensor } from '@downhill/backend';
import { matmulWasm } from './matmul-wasm.js';
import { alloc, broadcastStrides, dataOf, type CpuStorage } from './storage.js';
import { activeRuntime } from './wasm/runtime.js';

/** Rows of `b` (the contracted axis) per block: a block of `b` stays in cache across rows of `a`. */
const K_BLOCK = 128;
/** Columns of `b` per block. */
const N_BLOCK = 256;
/** Elements of `bᵀ` rows kept hot per block of the dot-product form. */
const DOT_BLOCK_ELEMENTS = 16384;

/**
 * Batched matrix product `out[..., i, j] = Σₖ A[..., i, k]·B[..., k, j]` with `A = aᵀ` when
 * `transposeA` and `B = bᵀ` when `transposeB` (last two axes), batch axes broadcast.
 *
 * Float32 runs on the WebAssembly SIMD kernel where it is available (`matmulWasm`: float32
 * accumulation, within `(K + 1)·2⁻²⁴·Σ|a·b|` of the exact sum); float64, and float32 without the
 * runtime, run the JavaScript loops of `matmulJs`:
 *
 * Without `transposeB` the product runs in i-k-j order over blocks of `b` (each row of the output
 * accumulates rows of `b` scaled by one element of `a`, four at a time), so the inner loop is a
 * contiguous multiply-add; `transposeA` costs nothing there since `a` is read once per (i, k).
 * With `transposeB` each output element is a dot product of two contiguous rows, over blocks of
 * `b`'s rows; with both transposes `a` is first copied to row-major. Accumulation is in float64 and
 * each output element is rounded once.
 */
export function matmulKernel(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): CpuStorage {
  const rt = a.dtype === 'float32' ? activeRuntime() : undefined;
  if (rt) return matmulWasm(rt, a, b, transposeA, transposeB, outShape);
  return matmulJs(a, b, transposeA, transposeB, outShape);
}

/**
 * The JavaScript product (every dtype; float32 where the WebAssembly runtime is absent), described
 * on {@link matmulKernel}.
 */
export function matmulJs(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): CpuStorage {
  const out = alloc(a.dtype, sizeOf(outShape));
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

  const batchShape = outShape.slice(0, -2);
  const batches = sizeOf(batchShape);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const aMat = aRows * aCols;
  const bMat = bRows * bCols;
  const A = dataOf(a);
  const B = dataOf(b);
  const isF64 = a.dtype === 'float64';
  const acc = !transposeB && !isF64 ? new Float64Array(M * N) : undefined;
  const aRowMajor = transposeA && transposeB ? new Float64Array(M * K) : undefined;

  for (let t = 0; t < batches; t++) {
    // offsets of this batch in a and b (broadcast axes have stride 0)
    let aOff = 0;
    let bOff = 0;
    for (let ax = batchShape.length - 1, rest = t; ax >= 0; ax--) {
      const i = rest % batchShape[ax];
      rest = (rest - i) / batchShape[ax];
      aOff += i * aBatch[ax];
      bOff += i * bBatch[ax];
    }
    aOff *= aMat;
    bOff *= bMat;
    const cOff = t * M * N;
    if (!transposeB) {
      const C = acc ?? out;
      const c0 = acc ? 0 : cOff;
      if (acc) acc.fill(0);
      gemmIKJ(A, aOff, transposeA ? 1 : K, transposeA ? M : 1, B, bOff, C, c0, M, K, N);
      if (acc) out.set(acc, cOff);
    } else if (aRowMajor) {
      for (let k = 0; k < K; k++) for (let i = 0; i < M; i++) aRowMajor[i * K + k] = A[aOff + k * M + i];
      gemmDot(aRowMajor, 0, B, bOff, out, cOff, M, K, N);
    } else {
      gemmDot(A, aOff, B, bOff, out, cOff, M, K, N);
    }
  }
  return out;
}

/** `C[c0 + i·N + j] += Σₖ A[aOff + i·ars + k·acs]·B[bOff + k·N + j]`, blocked over k and j. */
function gemmIKJ(
  A: CpuStorage,
  aOff: number,
  ars: number,
  acs: number,
  B: CpuStorage,
  bOff: number,
  C: CpuStorage,
  c0: number,
  M: number,
  K: number,
  N: number,
): void {
  for (let j0 = 0; j0 < N; j0 += N_BLOCK) {
    const j1 = Math.min(j0 + N_BLOCK, N);
    for (let k0 = 0; k0 < K; k0 += K_BLOCK) {
      const k1 = Math.min(k0 + K_BLOCK, K);
      for (let i = 0; i < M; i++) {
        const c = c0 + i * N;
        const ai = aOff + i * ars;
        let k = k0;
        for (; k + 3 < k1; k += 4) {
          const x0 = A[ai + k * acs];
          const x1 = A[ai + (k + 1) * acs];
          const x2 = A[ai + (k + 2) * acs];
          const x3 = A[ai + (k + 3) * acs];
          const r0 = bOff + k * N;
          const r1 = r0 + N;
          const r2 = r1 + N;
          const r3 = r2 + N;
          for (let j = j0; j < j1; j++) C[c + j] += x0 * B[r0 + j] + x1 * B[r1 + j] + x2 * B[r2 + j] + x3 * B[r3 + j];
        }
        for (; k < k1; k++) {
          const x0 = A[ai + k * acs];
          const r0 = bOff + k * N;
          for (let j = j0; j < j1; j++) C[c + j] += x0 * B[r0 + j];
        }
      }
    }
  }
}

/** `C[c0 + i·N + j] = Σₖ A[aOff + i·K + k]·B[bOff + j·K + k]`: dot products of contiguous rows. */
function gemmDot(
  A: CpuStorage,
  aOff: number,
  B: CpuStorage,
  bOff: number,
  C: CpuStorage,
  c0: number,
  M: number,
  K: number,
  N: number,
): void {
  const jb = Math.max(1, Math.floor(DOT_BLOCK_ELEMENTS / K));
  for (let j0 = 0; j0 < N; j0 += jb) {
    const j1 = Math.min(j0 + jb, N);
    for (let i = 0; i < M; i++) {
      const ai = aOff + i * K;
      const c = c0 + i * N;
      for (let j = j0; j < j1; j++) {
        const bj = bOff + j * K;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let k = 0;
        for (; k + 3 < K; k += 4) {
          s0 += A[ai + k] * B[bj + k];
          s1 += A[ai + k + 1] * B[bj + k + 1];
          s2 += A[ai + k + 2] * B[bj + k + 2];
          s3 += A[ai + k + 3] * B[bj + k + 3];
        }
        for (; k < K; k++) s0 += A[ai + k] * B[bj + k];
        C[c + j] = s0 + s1 + (s2 + s3);
      }
    }
  }
}
