import { InvalidArgumentError, checkOptions, type Backend, type DType } from '@downhill/backend';
import { checkOperand, rawTensor, type TensorLike } from '../traced.js';
import { cast, equal } from './elementwise.js';
import { reshape } from './layout.js';

/**
 * Zeros with `x`'s shape and dtype (a constant: no gradient).
 *
 * @example
 * ```ts
 * const z = ops.zerosLike(x);
 * ```
 */
export function zerosLike(x: TensorLike): TensorLike {
  return fullLike(x, 0);
}

/** Ones with `x`'s shape and dtype (a constant: no gradient). */
export function onesLike(x: TensorLike): TensorLike {
  return fullLike(x, 1);
}

/** `value` everywhere, with `x`'s shape and dtype (a constant: no gradient). */
export function fullLike(x: TensorLike, value: number): TensorLike {
  checkOperand(x, 'fullLike', false);
  return rawTensor(x).backend.full(x.shape, value, x.dtype);
}

/**
 * `[0, 1, …, length − 1]` on a backend (a constant).
 *
 * @param backend - the backend, or any tensor on it.
 * @param length - how many elements.
 * @param options - `dtype` (default `int32`).
 * @example
 * ```ts
 * ops.iota(backend, 4); // int32 [0, 1, 2, 3]
 * ```
 */
export function iota(backend: Backend | TensorLike, length: number, options?: { dtype?: DType }): TensorLike {
  const { dtype = 'int32' } = checkOptions('iota', options, { dtype: true });
  if (!Number.isInteger(length) || length < 0) throw new InvalidArgumentError(`iota: length must be a non-negative integer, got ${length}`);
  const b = 'shape' in backend ? rawTensor(backend).backend : backend;
  return b.tensor(
    Array.from({ length }, (_, i) => i),
    [length],
    dtype,
  );
}

/**
 * One-hot vectors: a new last axis of `depth` where position `indices[...]` is 1 and every other
 * is 0 (built by comparing with an iota). Out-of-range indices give all zeros. No gradient.
 *
 * @param indices - `int32` class indices, any shape.
 * @param depth - the number of classes.
 * @param options - `dtype` of the result (default `float32`; pass the logits' dtype).
 * @returns `[...indices.shape, depth]`.
 * @example
 * ```ts
 * ops.oneHot(labels, 10, { dtype: logits.dtype }); // [batch, 10]
 * ```
 */
export function oneHot(indices: TensorLike, depth: number, options?: { dtype?: DType }): TensorLike {
  const { dtype = 'float32' } = checkOptions('oneHot', options, { dtype: true });
  checkOperand(indices, 'oneHot', false);
  if (indices.dtype !== 'int32')
    throw new InvalidArgumentError(`oneHot: indices must be int32 class indices, got ${indices.dtype}; cast them`);
  const column = reshape(indices, [...indices.shape, 1]);
  return cast(equal(column, iota(indices, depth)), dtype);
}
