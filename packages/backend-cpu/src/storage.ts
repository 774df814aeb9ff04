import {
  BYTES_PER_ELEMENT,
  OutOfMemoryError,
  allocateTyped,
  fmtShape,
  type DType,
  type Shape,
  type Tensor,
  type TypedArray,
} from '@downhill/backend';
import { activeRuntime, getRuntime } from './wasm/runtime.js';

/**
 * Storage of backend-cpu: the typed array itself (`Float32Array`, `Float64Array`, `Int32Array`,
 * `Uint8Array` for `bool`, holding 0 or 1), row-major, one element per entry. Float32 arrays of
 * `HEAP_MIN_ELEMENTS` (4096) elements or more, and bool arrays of as many bytes, are views into
 * the WebAssembly heap where it is shared (see `wasm/runtime.ts`), so the SIMD kernels read and
 * write them in place; smaller ones (a heap block costs about a microsecond) and everything else
 * are ordinary typed arrays, kept on release and handed out again (see `alloc`).
 */
export type CpuStorage = TypedArray;

/** The typed array behind a tensor of this backend. */
export function dataOf(t: Tensor): CpuStorage {
  return t.storage as CpuStorage;
}

/**
 * The most bytes one tensor of backend-cpu may take: 4 GiB, what wasm32 addresses. Every
 * WebAssembly kernel can then copy any tensor into its memory (which grows to 4 GiB at most), and
 * no byte offset overflows. A larger tensor is refused with an {@link OutOfMemoryError} before
 * anything is allocated.
 */
export const MAX_TENSOR_BYTES = 2 ** 32;

/** Throws an OutOfMemoryError unless `size` elements of `dtype` fit in one tensor. */
function checkSize(dtype: DType, size: number, shape?: Shape): void {
  const bytes = size * BYTES_PER_ELEMENT[dtype];
  if (bytes > MAX_TENSOR_BYTES) {
    throw new OutOfMemoryError(
      `cpu: a ${dtype} ${shape ? fmtShape(shape) : `tensor of ${size} elements`} needs ${bytes} bytes (${gib(bytes)}), more than the ${MAX_TENSOR_BYTES} bytes (4 GiB) ` +
        'one backend-cpu tensor can hold (what wasm32 addresses); split it, or use a smaller batch',
      bytes,
      MAX_TENSOR_BYTES,
    );
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toPrecision(3)} GiB`;

/** `allocateTyped`, with the engine's refusal (a RangeError) as an OutOfMemoryError. */
function allocateHost(dtype: DType, size: number): CpuStorage {
  let a: CpuStorage;
  try {
    a = allocateTyped(dtype, size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = size * BYTES_PER_ELEMENT[dtype];
    throw new OutOfMemoryError(
      `cpu: the JavaScript engine could not allocate a ${dtype} tensor of ${size} elements (${bytes} bytes, ${gib(bytes)}): ${e.message}`,
      bytes,
      MAX_TENSOR_BYTES,
    );
  }
  if (a.byteLength <= RECYCLE_MAX_BYTES && a.length > 0) made.add(a);
  return a;
}

/**
 * Host arrays of at most this many bytes are kept on release and handed out again by `alloc`
 * (the small tensors of a training step: a `new Float32Array(1280)` costs about 4 µs in V8, its
 * zero-filled backing store and the garbage collector's accounting, against about 0.1 µs to take
 * one back from a free list). Larger ones go to the garbage collector.
 */
const RECYCLE_MAX_BYTES = 1 << 18;
/** The most bytes the free lists hold in all (past it, released arrays go to the garbage collector). */
const RECYCLE_TOTAL_BYTES = 1 << 24;
/** The most arrays one free list (one dtype and length) holds. */
const RECYCLE_PER_SIZE = 64;
const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
/** Released host arrays by dtype and length (key `length · 4 + dtype code`). */
const recycled = new Map<number, CpuStorage[]>();
let recycledBytes = 0;
/**
 * The host arrays `alloc` made: only these are recycled (never an array that came from elsewhere,
 * such as the data handed to `fromData` by a caller of the kernels).
 */
const made = new WeakSet<CpuStorage>();

/** A released host array of `dtype` and `size` elements, zero-filled where asked, or undefined. */
function reuse(dtype: DType, size: number, zero: boolean): CpuStorage | undefined {
  const list = recycled.get(size * 4 + DTYPE_CODE[dtype]);
  const a = list?.pop();
  if (a === undefined) return undefined;
  recycledBytes -= a.byteLength;
  if (zero) a.fill(0);
  return a;
}

/** Keeps a released host array for `reuse` where it was made by `alloc` and there is room. */
function recycle(a: CpuStorage): void {
  if (a.byteLength > RECYCLE_MAX_BYTES || recycledBytes + a.byteLength > RECYCLE_TOTAL_BYTES || !made.has(a)) return;
  const key = a.length * 4 + DTYPE_CODE[dtypeOfStorage(a)];
  let list = recycled.get(key);
  if (list === undefined) recycled.set(key, (list = []));
  // a second release of the same array would hand it out twice: refused
  if (list.length >= RECYCLE_PER_SIZE || list.includes(a)) return;
  list.push(a);
  recycledBytes += a.byteLength;
}

function dtypeOfStorage(a: CpuStorage): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Bytes held in the free lists of released host arrays (for tests). @internal */
export function recycledHostBytes(): number {
  return recycledBytes;
}

/**
 * A new zero-filled typed array for `dtype` (float32 in the WebAssembly heap where it can be).
 * Throws an OutOfMemoryError, having allocated nothing, for more than {@link MAX_TENSOR_BYTES}.
 * With `zero` false, the array is left uninitialised where that saves work (a heap block, a
 * recycled host array): for a kernel that writes every element.
 */
export function alloc(dtype: DType, size: number, shape?: Shape, zero = true): CpuStorage {
  checkSize(dtype, size, shape);
  if (dtype === 'float32') {
    const view = activeRuntime()?.allocF32(size, zero);
    if (view) return view;
  } else if (dtype === 'bool') {
    const view = activeRuntime()?.allocU8(size, zero);
    if (view) return view;
  }
  if (size > 0 && size * BYTES_PER_ELEMENT[dtype] <= RECYCLE_MAX_BYTES) {
    const a = reuse(dtype, size, zero);
    if (a) return a;
  }
  return allocateHost(dtype, size);
}

/** Storage holding a copy of `data` (float32 in the WebAssembly heap where it can be, else `data` itself). */
export function adopt(data: TypedArray, dtype: DType, shape?: Shape): CpuStorage {
  checkSize(dtype, data.length, shape);
  if (dtype === 'float32') {
    const view = activeRuntime()?.allocF32(data.length, false);
    if (view) {
      view.set(data);
      return view;
    }
  }
  return data;
}

/**
 * Frees storage that lives in the WebAssembly heap; a small host array that `alloc` made is kept
 * for reuse, other storage is left to the garbage collector. The caller must hold no other
 * reference to `storage` (the backend calls it when a storage's last tensor is released).
 */
export function free(storage: CpuStorage): void {
  const rt = getRuntime();
  if (rt && rt.ptrOf(storage) >= 0) rt.release(storage);
  else recycle(storage);
}

/**
 * A number as the element type stores it: `bool` is `x ≠ 0` (NaN is true, as in NumPy); the other
 * dtypes round as their typed arrays do.
 */
export function coerce(value: number, dtype: DType): number {
  return dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
}

/** Row-major strides of `shape`, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Strides that read an array of shape `from` as if it had shape `to` (NumPy broadcasting): axes
 * align from the right; a missing axis or an axis of size 1 gets stride 0.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const own = contiguousStrides(from);
  const off = to.length - from.length;
  const out = new Array<number>(to.length).fill(0);
  for (let i = 0; i < from.length; i++) out[i + off] = from[i] === 1 ? 0 : own[i];
  return out;
}

/**
 * An iteration plan over `shape` for several operands, each read or written through its own
 * strides. Axes of size 1 are dropped and neighbouring axes merged wherever every operand allows,
 * so a contiguous operation becomes one long row.
 */
export interface StridedPlan {
  /** Extents of the outer axes (every axis but the last). */
  readonly outer: number[];
  /** Per operand, strides of the outer axes. */
  readonly outerStrides: number[][];
  /** Length of a row (the last axis). */
  readonly n: number;
  /** Per operand, the stride along a row. */
  readonly inner: number[];
  /** Number of rows. */
  readonly rows: number;
}

/** Builds a {@link StridedPlan}; `strides[k][i]` is operand k's stride along axis i of `shape`. */
export function planStrided(shape: Shape, strides: readonly (readonly number[])[]): StridedPlan {
  const ops = strides.length;
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < ops; k++) if (st[k][last] !== strides[k][i] * shape[i]) merge = false;
    if (merge) {
      dims[last] *= shape[i];
      for (let k = 0; k < ops; k++) st[k][last] = strides[k][i];
    } else {
      dims.push(shape[i]);
      for (let k = 0; k < ops; k++) st[k].push(strides[k][i]);
    }
  }
  if (dims.length === 0) {
    dims.push(shape.some((d) => d === 0) ? 0 : 1);
    for (let k = 0; k < ops; k++) st[k].push(0);
  }
  const r = dims.length - 1;
  const outer = dims.slice(0, r);
  let rows = 1;
  for (const d of outer) rows *= d;
  return { outer, outerStrides: st.map((s) => s.slice(0, r)), n: dims[r], inner: st.map((s) => s[r]), rows };
}

/**
 * Calls `row(offsets)` once per row of a plan, in row-major order, with each operand's offset of
 * the row's first element. `offsets` is one array reused between calls (no allocation per row).
 */
export function forEachRow(plan: StridedPlan, base: readonly number[], row: (offsets: number[]) => void): void {
  const { outer, outerStrides, rows, n } = plan;
  if (rows === 0 || n === 0) return;
  const ops = base.length;
  const offsets = [...base];
  const r = outer.length;
  const idx = new Array<number>(r).fill(0);
  for (let q = 0; q < rows; q++) {
    row(offsets);
    // advance the odometer
    for (let ax = r - 1; ax >= 0; ax--) {
      if (++idx[ax] < outer[ax]) {
        for (let k = 0; k < ops; k++) offsets[k] += outerStrides[k][ax];
        break;
      }
      idx[ax] = 0;
      for (let k = 0; k < ops; k++) offsets[k] -= outerStrides[k][ax] * (outer[ax] - 1);
    }
  }
}
