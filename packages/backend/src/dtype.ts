/**
 * The element types a tensor can hold.
 *
 * - `float32`: every backend has it.
 * - `float64`: where the backend declares `capabilities.float64`; backend-cpu does, TensorFlow.js does not.
 * - `int32`: indices and labels.
 * - `bool`: the result of comparisons, stored as 0 and 1.
 *
 * @example
 * ```ts
 * import { isFloatDType } from '@downhill/backend';
 * isFloatDType('float64'); // true
 * ```
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype, in a fixed order (for tables of tests and for error messages). */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed array that holds the host data of each dtype. */
export interface TypedArrayFor {
  /** 32-bit floats. */
  float32: Float32Array;
  /** 64-bit floats. */
  float64: Float64Array;
  /** 32-bit signed integers. */
  int32: Int32Array;
  /** One byte per element, 0 or 1. */
  bool: Uint8Array;
}

/** Any typed array a tensor's host data can come in. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Host data as it comes from users: a typed array or plain numbers (nested arrays are not flattened). */
export type HostData = TypedArray | readonly number[] | ArrayLike<number>;

/**
 * Whether a dtype is a floating-point type (the dtypes that gradients flow through).
 *
 * @example
 * ```ts
 * isFloatDType('int32'); // false
 * ```
 */
export function isFloatDType(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * A new zero-filled typed array of `size` elements for a dtype.
 *
 * @example
 * ```ts
 * allocateTyped('float64', 3); // Float64Array [0, 0, 0]
 * ```
 */
export function allocateTyped<D extends DType>(dtype: D, size: number): TypedArrayFor[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as TypedArrayFor[D];
    case 'float64':
      return new Float64Array(size) as TypedArrayFor[D];
    case 'int32':
      return new Int32Array(size) as TypedArrayFor[D];
    case 'bool':
      return new Uint8Array(size) as TypedArrayFor[D];
    default:
      return dtype satisfies never;
  }
}

/**
 * Host data converted to the typed array of `dtype` (a copy; values are rounded to the dtype as
 * typed arrays round them, and `bool` maps every non-zero value, NaN included, to 1).
 *
 * @example
 * ```ts
 * toTyped([1.5, 2], 'int32'); // Int32Array [1, 2]
 * ```
 */
export function toTyped<D extends DType>(data: HostData, dtype: D): TypedArrayFor[D] {
  const out = allocateTyped(dtype, data.length);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0; // NaN is true, as in cast
  } else {
    (out as Float64Array).set(data as ArrayLike<number>);
  }
  return out;
}

/** The dtype whose typed array is `data`'s kind, or `undefined` for plain arrays. */
export function dtypeOfTyped(data: HostData): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return undefined;
}

/** Bytes per element of each dtype as backends store it. */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };
