import { sizeOf, windowTaps, type ConvParams, type DType, type Shape, type Tensor } from '@downhill/backend';
import { matmulKernel } from './matmul.js';
import { alloc, dataOf, free, type CpuStorage } from './storage.js';

/** A GEMM operand over storage this kernel owns, in the shape `matmulKernel` reads (storage, shape, dtype, rank). */
function operand(storage: CpuStorage, shape: Shape, dtype: DType): Tensor {
  return { storage, shape, dtype, rank: shape.length, size: sizeOf(shape) } as unknown as Tensor;
}

/**
 * The general convolution on backend-cpu: im2col onto the GEMM. The window taps of every output
 * position are copied into a patch matrix `[N·Q, taps·C]` (zeros for padding and holes; `C`
 * contiguous channels per tap, so each copy is one run), which multiplies the kernel, itself a
 * `[taps·C, O]` matrix in the HWIO layout, through `matmulKernel` (the WebAssembly SIMD GEMM in
 * float32, with its threads; the JavaScript loops in float64). Feature groups with at least 8
 * channels per group run one batched product of the groups' patches and kernels; smaller groups
 * (depthwise convolutions) run the direct loop of {@link convDirect}. Batch groups (which only the
 * kernel gradient of a grouped convolution makes) return `undefined`: the composition runs them.
 */
export function convKernel(lhs: Tensor, rhs: Tensor, p: ConvParams, outShape: Shape): CpuStorage | undefined {
  if (p.batchGroupCount > 1) return undefined;
  const d = lhs.rank - 2;
  const G = p.featureGroupCount;
  const [N, C] = [lhs.shape[0], lhs.shape[d + 1]];
  const [I, O] = [rhs.shape[d], rhs.shape[d + 1]];
  const inSizes = lhs.shape.slice(1, d + 1);
  const window = rhs.shape.slice(0, d);
  const outSizes = outShape.slice(1, d + 1);
  const taps = windowTaps(inSizes, window, outSizes, p);
  if (G > 1 && I < 8) return convDirect(lhs, rhs, taps, outShape);
  const P = sizeOf(inSizes);
  const Q = sizeOf(outSizes);
  const Kw = sizeOf(window);
  const rows = N * Q;
  const dtype = lhs.dtype;
  const X = dataOf(lhs);
  if (rows === 0 || O === 0) return alloc(dtype, sizeOf(outShape));
  if (G === 1) {
    const patches = alloc(dtype, rows * Kw * C);
    try {
      im2col(X, taps, P, C, 0, C, N, Q * Kw, patches, 0);
      return matmulKernel(operand(patches, [rows, Kw * C], dtype), operand(dataOf(rhs), [Kw * C, O], dtype), false, false, [rows, O]);
    } finally {
      free(patches);
    }
  }
  // Groups: patches [G, N·Q, taps·I] and kernels [G, taps·I, O/G], one batched product, then the
  // groups interleaved back into the channel axis.
  const Og = O / G;
  const patches = alloc(dtype, G * rows * Kw * I);
  const kernels = alloc(dtype, G * Kw * I * Og);
  let prod: CpuStorage | undefined;
  try {
    for (let g = 0; g < G; g++) im2col(X, taps, P, C, g * I, I, N, Q * Kw, patches, g * rows * Kw * I);
    const W = dataOf(rhs);
    for (let r = 0; r < Kw * I; r++)
      for (let g = 0; g < G; g++) for (let o = 0; o < Og; o++) kernels[(g * Kw * I + r) * Og + o] = W[r * O + g * Og + o];
    prod = matmulKernel(operand(patches, [G, rows, Kw * I], dtype), operand(kernels, [G, Kw * I, Og], dtype), false, false, [G, rows, Og]);
    const out = alloc(dtype, rows * O);
    for (let g = 0; g < G; g++) {
      for (let r = 0; r < rows; r++) {
        const s = (g * rows + r) * Og;
        const t = r * O + g * Og;
        for (let o = 0; o < Og; o++) out[t + o] = prod[s + o];
      }
    }
    return out;
  } finally {
    free(patches);
    free(kernels);
    if (prod) free(prod);
  }
}

/**
 * Copies the window taps of `n` images into rows of a patch matrix: row `(n, q)` holds, for each
 * tap, channels `[c0, c0 + width)` of the input position the tap reads (zeros where it reads
 * padding or a hole, marked by position `P`).
 */
function im2col(
  X: CpuStorage,
  taps: Int32Array,
  P: number,
  C: number,
  c0: number,
  width: number,
  n: number,
  tapsPerImage: number,
  out: CpuStorage,
  at: number,
): void {
  for (let b = 0; b < n; b++) {
    const base = b * P * C + c0;
    for (let t = 0; t < tapsPerImage; t++) {
      const src = taps[t];
      if (src === P) out.fill(0, at, at + width);
      else {
        const s = base + src * C;
        if (width >= 32) out.set(X.subarray(s, s + width) as ArrayLike<number>, at);
        else for (let j = 0; j < width; j++) out[at + j] = X[s + j];
      }
      at += width;
    }
  }
}

/**
 * The direct loop for feature groups with few channels each (depthwise convolutions): every output
 * element a dot product over its taps and its group's channels, accumulated in float64.
 */
function convDirect(lhs: Tensor, rhs: Tensor, taps: Int32Array, outShape: Shape): CpuStorage {
  const d = lhs.rank - 2;
  const [N, C] = [lhs.shape[0], lhs.shape[d + 1]];
  const [I, O] = [rhs.shape[d], rhs.shape[d + 1]];
  const P = sizeOf(lhs.shape.slice(1, d + 1));
  const Kw = sizeOf(rhs.shape.slice(0, d));
  const Q = sizeOf(outShape.slice(1, d + 1));
  const Og = O / (C / I);
  const X = dataOf(lhs);
  const W = dataOf(rhs);
  const out = alloc(lhs.dtype, sizeOf(outShape));
  const acc = new Float64Array(O);
  for (let b = 0; b < N; b++) {
    for (let q = 0; q < Q; q++) {
      acc.fill(0);
      for (let t = 0; t < Kw; t++) {
        const src = taps[q * Kw + t];
        if (src === P) continue;
        const xs = (b * P + src) * C;
        const ws = t * I * O;
        for (let f = 0; f < O; f++) {
          const c0 = xs + Math.floor(f / Og) * I;
          let s = 0;
          for (let i = 0; i < I; i++) s += X[c0 + i] * W[ws + i * O + f];
          acc[f] += s;
        }
      }
      out.set(acc, (b * Q + q) * O);
    }
  }
  return out;
}
