import { SPECIFICATION_VERSION, type Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { fmtShape } from './errors.js';
import type { Shape } from './shape.js';

let nextId = 0;

/**
 * The mark every tensor carries, the same in every copy of this package that speaks the same
 * backend specification: a plugin installed with its own copy of `@downhill/backend` (through its
 * own `@downhill/optimizers`) sees the application's tensors as tensors (`x instanceof Tensor`).
 */
const BRAND = Symbol.for(`@downhill/backend/Tensor@${SPECIFICATION_VERSION}`);

/**
 * An opaque handle to data that one backend owns: a shape, a dtype, and storage only that backend
 * can read. Made by a backend's methods, never directly; released with `dispose()` or by the scope
 * it was made in.
 *
 * @example
 * ```ts
 * const x = backend.tensor([1, 2, 3, 4], [2, 2]);
 * x.shape; // [2, 2]
 * await x.read(); // Float32Array [1, 2, 3, 4]
 * x.dispose();
 * ```
 */
export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** The backend that owns the data. */
  readonly backend: Backend;
  /** A process-unique id, for debugging and for maps keyed by tensor. */
  readonly id: number;
  /**
   * The backend implementation's storage (a typed array on the CPU, a `tf.Tensor` over
   * TensorFlow.js). Only the owning backend's kernels may touch it.
   * @internal
   */
  readonly storage: unknown;
  /** @internal */
  _disposed = false;
  /** @internal set by `backend.keep`: scopes leave the tensor alive. */
  _kept = false;

  /**
   * `x instanceof Tensor` holds for a tensor made by any copy of `@downhill/backend` with this
   * specification version (one program can load several copies: a plugin package brings its own).
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }

  /** @internal use a backend's methods to make tensors. */
  constructor(backend: Backend, storage: unknown, shape: Shape, dtype: DType, size: number) {
    this.backend = backend;
    this.storage = storage;
    this.shape = shape;
    this.dtype = dtype;
    this.size = size;
    this.id = nextId++;
  }

  /** Rank: the number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether the tensor has been released. */
  get disposed(): boolean {
    return this._disposed;
  }

  /** Reads the data back to the host (a copy), row-major. Same as `backend.read(this)`. */
  read(): Promise<TypedArray> {
    return this.backend.read(this);
  }

  /** Releases the data. Same as `backend.dispose(this)`; a second call does nothing. */
  dispose(): void {
    this.backend.dispose(this);
  }

  /** `Tensor(float32 [2, 3] on cpu)`. */
  toString(): string {
    return `Tensor(${this.dtype} ${fmtShape(this.shape)} on ${this.backend.label}${this._disposed ? ', disposed' : ''})`;
  }
}

/** Anything a scope can return or `dispose` can walk: tensors nested in arrays and plain objects. */
export type TensorContainer =
  | Tensor
  | undefined
  | null
  | number
  | string
  | boolean
  | readonly TensorContainer[]
  | { readonly [key: string]: TensorContainer }
  | ReadonlyMap<unknown, TensorContainer>;

/** Calls `fn` on every tensor inside a container (arrays, plain objects and maps, walked deeply). */
export function forEachTensor(value: unknown, fn: (t: Tensor) => void, seen?: Set<unknown>): void {
  if (value instanceof Tensor) {
    fn(value);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // the set of containers seen is made only where there is a container (not for a lone tensor)
  seen ??= new Set<unknown>();
  if (seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) for (const v of value) forEachTensor(v, fn, seen);
  else if (value instanceof Map) for (const v of value.values()) forEachTensor(v, fn, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const v of Object.values(value)) forEachTensor(v, fn, seen);
  }
}

Object.defineProperty(Tensor.prototype, BRAND, { value: true, enumerable: false, writable: false, configurable: false });
