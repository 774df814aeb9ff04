import { sizeOf, type Shape, type Tensor } from '@downhill/backend';
import { alloc, broadcastStrides, dataOf, free, type CpuStorage } from './storage.js';
import { SCRATCH_ARG } from './threads/pool.js';
import { FN, KERNELS, chunksFor, getPool, split, threadsFor } from './threads/parallel.js';
import type { WasmRuntime } from './wasm/runtime.js';

/**
 * Multiply-adds per thread below which a product stays on one thread. From `bench/src/thresholds.ts`
 * on the development machine (2 cores, Node 20): a two-thread job costs about 1.5–3 µs of handoff
 * with the workers awake, what the kernel spends on about 3·10⁴–7·10⁴ multiply-adds of a large
 * product (the break-even share); the threshold is about twice to four times that. A narrow product
 * runs at well under the large one's rate (the MLP's 128 × 256 × 10 products: 22–38 µs for 3.3·10⁵
 * multiply-adds, 0.07–0.12 ns each against 0.044), so its shares of 1.6·10⁵ take 10–20 µs each,
 * five or more handoffs: those products split, and the MLP step's serial time drops by half their
 * time.
 */
export const GEMM_MIN_MACS = 1 << 17;

/**
 * The narrowest block of rows or columns a split product gives a thread. A block of columns packs
 * the whole of A again, a block of rows the whole of B: on the development machine (2 cores, Node
 * 20) packing costs about 5.5 times a multiply-add per element packed, so a block 128 wide spends
 * about 4% of its work repacking. Measured by timing the blocks one after another on one thread
 * (`bench/src/thresholds.ts`): the MLP's 128 × 784 × 256 product took 1.08 ms whole, 1.10 ms in 2
 * blocks of columns, 1.15 ms in 4 and 1.24 ms in 8 (the split before this rule).
 */
export const GEMM_MIN_BLOCK = 128;

/**
 * The most bytes of partial products a product split over its shared axis may keep (see
 * `splitsShared`): the later half of its panels, M × N float32 values each. The MLP 784-256-10's
 * first-layer product (batch 128) keeps two panels, 256 KiB.
 */
export const GEMM_SHARED_SPLIT_MAX_BYTES = 1 << 20;

let sharedSplit = true;

/**
 * Turns the split over the shared axis (`splitsShared`) on or off, for measurements; returns the
 * previous setting. Either way the results are the same, bit for bit.
 *
 * @internal
 */
export function setGemmSharedSplit(on: boolean): boolean {
  const before = sharedSplit;
  sharedSplit = on;
  return before;
}

/** A block of the heap grown as needed and kept between calls. */
interface HeapBlock {
  ptr: number;
  bytes: number;
}

/** Packing scratch of every thread for split products. */
const scratch: HeapBlock = { ptr: 0, bytes: 0 };
/** The later panels' partial products of a product split over its shared axis. */
const partials: HeapBlock = { ptr: 0, bytes: 0 };

function heapBlock(rt: WasmRuntime, block: HeapBlock, bytes: number): number {
  if (block.bytes >= bytes) return block.ptr;
  if (block.bytes > 0) rt.exports.free(block.ptr);
  block.ptr = rt.exports.allocUninit(bytes);
  block.bytes = bytes;
  return block.ptr;
}

/**
 * Float32 batched matrix product on the WebAssembly SIMD kernel (`gemmF32`: packed panels, a 4 × 8
 * register tile, accumulation in float32; it writes C without reading it, so the output is not
 * zero-filled first). Operands in the heap are read in place; others (small
 * arrays, or every array in private mode) are copied in, and the result copied out. Transposes are
 * strides: the kernel packs any layout. Same contract as `matmulKernel`.
 *
 * Accuracy: each output is a float32 sum of K float32 products, so
 * `|out − exact| ≤ (K + 1)·2⁻²⁴·Σₖ|A[i,k]·B[k,j]|` (the standard bound for recursive summation).
 */
export function matmulWasm(rt: WasmRuntime, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, outShape: Shape): CpuStorage {
  const ar = a.rank;
  const br = b.rank;
  const aRows = a.shape[ar - 2];
  const aCols = a.shape[ar - 1];
  const bRows = b.shape[br - 2];
  const bCols = b.shape[br - 1];
  const M = transposeA ? aCols : aRows;
  const K = transposeA ? aRows : aCols;
  const N = transposeB ? bRows : bCols;
  // the kernel writes every element of C (never reads it), so C starts uninitialised unless K is 0
  const out = alloc('float32', sizeOf(outShape), outShape, K === 0);
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
  const offsets = (t: number): [number, number] => {
    let aOff = 0;
    let bOff = 0;
    for (let ax = batchShape.length - 1, rest = t; ax >= 0; ax--) {
      const i = rest % batchShape[ax];
      rest = (rest - i) / batchShape[ax];
      aOff += i * aBatch[ax];
      bOff += i * bBatch[ax];
    }
    return [aPtr + aOff * aMat * 4, bPtr + bOff * bMat * 4];
  };
  try {
    if (aPtr < 0) [aPtr, aTemp] = [rt.tempF32(A.length, A), true];
    if (bPtr < 0) [bPtr, bTemp] = [rt.tempF32(B.length, B), true];
    if (cPtr < 0) [cPtr, cTemp] = [rt.tempF32(out.length), true];
    const threads = threadsFor(rt, batches * M * K * N, GEMM_MIN_MACS);
    if (threads > 1) gemmThreaded(rt, threads, offsets, ars, acs, brs, bcs, cPtr, batches, M, K, N);
    else {
      for (let t = 0; t < batches; t++) {
        const [ap, bp] = offsets(t);
        gemm(ap, ars, acs, bp, brs, bcs, cPtr + t * M * N * 4, M, K, N);
      }
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

/**
 * The batched product split over `threads` threads, in chunks: whole matrices where there are at
 * least as many as chunks, else each matrix split into blocks of rows (multiples of the 4-row
 * tile) or of columns (multiples of the 8-column panel), whichever dimension has more tiles, or
 * over its shared axis (`splitsShared`). Each element of C is computed with the same operations as
 * on one thread (see `gemmF32Part`), so the result does not depend on the thread count, nor on
 * which thread runs which chunk.
 */
function gemmThreaded(
  rt: WasmRuntime,
  threads: number,
  offsets: (t: number) => [number, number],
  ars: number,
  acs: number,
  brs: number,
  bcs: number,
  cPtr: number,
  batches: number,
  M: number,
  K: number,
  N: number,
): void {
  const pool = getPool()!;
  const stride = (rt.exports.gemmScratchBytes(K, N) + 63) & ~63;
  const byColumns = Math.ceil(N / 8) >= Math.ceil(M / 4);
  const panel = rt.exports.gemmPanelK(K);
  if (sharedSplit && batches === 1 && byColumns && splitsShared(threads, M, K, N, panel)) {
    const [ap, bp] = offsets(0);
    gemmSharedSplit(rt, threads, stride, ap, ars, acs, bp, brs, bcs, cPtr, M, K, N, panel);
    return;
  }
  pool.begin(threads, heapBlock(rt, scratch, stride * threads), stride);
  let chunks = chunksFor(threads, batches * M * K * N, GEMM_MIN_MACS);
  // Whole matrices per chunk where there are enough of them to balance (no repacking at all).
  if (batches >= 4 * threads) chunks = Math.min(chunks, batches);
  else if (batches < chunks) {
    // Each block of a split matrix packs the whole other operand again (A for a block of columns,
    // B for a block of rows): keep blocks at least GEMM_MIN_BLOCK wide, so that repacking stays
    // a few percent of the block's work, never fewer blocks than threads, and at most two per
    // thread (a 1024³ product in 8 blocks of rows packs B 8 times, about 3.5% more work than in 2;
    // in 4, 1.5%, with a block to spare for a thread that falls behind).
    const across = Math.max(threads, Math.min(2 * threads, Math.floor((byColumns ? N : M) / GEMM_MIN_BLOCK)));
    chunks = Math.min(chunks, batches * across);
  }
  if (batches >= chunks) {
    for (let m = 0; m < batches; m++) {
      const [ap, bp] = offsets(m);
      pool.call(KERNELS, FN.gemm, ap, ars, acs, bp, brs, bcs, cPtr + m * M * N * 4, N, M, K, N, SCRATCH_ARG);
    }
  } else {
    const per = Math.ceil(chunks / batches);
    const bounds = byColumns ? split(N, per, 8) : split(M, per, 4);
    for (let m = 0; m < batches; m++) {
      const [ap, bp] = offsets(m);
      const c = cPtr + m * M * N * 4;
      for (let t = 0; t < per; t++) {
        const [lo, hi] = [bounds[t], bounds[t + 1]];
        if (hi <= lo) continue;
        if (byColumns) pool.call(KERNELS, FN.gemm, ap, ars, acs, bp + lo * bcs * 4, brs, bcs, c + lo * 4, N, M, K, hi - lo, SCRATCH_ARG);
        else pool.call(KERNELS, FN.gemm, ap + lo * ars * 4, ars, acs, bp, brs, bcs, c + lo * N * 4, N, hi - lo, K, N, SCRATCH_ARG);
      }
    }
  }
  pool.run('matmul');
}

/**
 * Whether a product that would split by columns splits over its shared axis instead: an even
 * thread count, two or four panels of the shared axis (`gemmPanelK`), and the later half's
 * partial products within {@link GEMM_SHARED_SPLIT_MAX_BYTES}.
 *
 * Why: a block of columns reads every row of B. In a training step, B is a layer's kernel that the
 * optimizer then updates in place, each thread a contiguous range of it; the kernel's rows that
 * the other core read must then be taken back from that core's cache, which on the development
 * machine (2 cores) cost Adam's update of the MLP 784-256-10's first-layer kernel 0.22 ms after the
 * forward product against 0.08 ms after a product on other memory (`bench/src/program-sharing-probe.ts`).
 * Split over the shared axis, the calling thread reads the first half of B's rows and a worker
 * the second, as the update's owned ranges split them, and each thread packs half of A rather
 * than all of it; the price is the later panels' partial products, written and added once more.
 */
export function splitsShared(threads: number, M: number, K: number, N: number, panel: number): boolean {
  const panels = Math.ceil(K / panel);
  return threads % 2 === 0 && (panels === 2 || panels === 4) && (panels / 2) * M * N * 4 <= GEMM_SHARED_SPLIT_MAX_BYTES;
}

/**
 * One matrix product split over its shared axis (see {@link splitsShared}): the first half of the
 * panels into C, each later panel into a buffer of its own, each of these in `threads / 2` blocks
 * of columns (the first blocks owned by the calling thread and the first workers, so that the same
 * core reads the same rows of B every call); then the buffers added to C in panel order, in blocks
 * of rows. Bit for bit the product on one thread (`gemmF32Part`, `addPanelsF32`).
 */
function gemmSharedSplit(
  rt: WasmRuntime,
  threads: number,
  stride: number,
  ap: number,
  ars: number,
  acs: number,
  bp: number,
  brs: number,
  bcs: number,
  c: number,
  M: number,
  K: number,
  N: number,
  panel: number,
): void {
  const pool = getPool()!;
  const panels = Math.ceil(K / panel);
  const early = panels / 2;
  const late = panels - early;
  const t = heapBlock(rt, partials, late * M * N * 4);
  const cols = split(N, threads / 2, 8);
  pool.begin(threads, heapBlock(rt, scratch, stride * threads), stride, threads);
  const blocks = cols.length - 1;
  for (let j = 0; j < blocks; j++) {
    const [lo, hi] = [cols[j], cols[j + 1]];
    pool.call(KERNELS, FN.gemm, ap, ars, acs, bp + lo * bcs * 4, brs, bcs, c + lo * 4, N, M, early * panel, hi - lo, SCRATCH_ARG);
  }
  for (let p = early; p < panels; p++) {
    const k0 = p * panel;
    const out = t + (p - early) * M * N * 4;
    for (let j = 0; j < blocks; j++) {
      const [lo, hi] = [cols[j], cols[j + 1]];
      pool.call(
        KERNELS,
        FN.gemm,
        ap + k0 * acs * 4,
        ars,
        acs,
        bp + k0 * brs * 4 + lo * bcs * 4,
        brs,
        bcs,
        out + lo * 4,
        N,
        M,
        Math.min(panel, K - k0),
        hi - lo,
        SCRATCH_ARG,
      );
    }
  }
  pool.run('matmul');
  const rows = split(M, threads, 1);
  pool.begin(threads, 0, 0, threads);
  for (let j = 0; j < threads; j++) {
    const [lo, hi] = [rows[j], rows[j + 1]];
    if (hi > lo) pool.call(KERNELS, FN.addPanels, c + lo * N * 4, N, t + lo * N * 4, N, M * N, hi - lo, N, late);
  }
  pool.run('matmul');
}
