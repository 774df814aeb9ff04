import * as tf from '@tensorflow/tfjs-core';
import { DTypeError, DisposedTensorError, InvalidArgumentError, Tensor, type Backend, type DType } from '@downhill/backend';
import { TFJS_KERNELS } from './setup.js';

const DTYPES: ReadonlySet<string> = new Set(['float32', 'int32', 'bool']);

/**
 * A downhill tensor of a tfjs backend holding a TensorFlow.js tensor's data, without copying it.
 *
 * A snapshot: tfjs tensors are immutable, so the downhill tensor keeps the values `t` has at the
 * call. For a `tf.Variable`, a later `variable.assign(...)` gives the variable a new buffer and
 * does not change the downhill tensor; read the variable again (`fromTf` once more) after it
 * changes.
 *
 * Ownership: the downhill tensor holds its own reference (a `tf.clone`, which shares the data
 * buffer); the caller keeps `t` and may dispose it whenever it likes, and the downhill tensor
 * lives until it is disposed or its scope ends, like any other.
 *
 * @param backend - A backend made by `tfjs()` or `createTfjsBackend`.
 * @param t - A float32, int32 or bool `tf.Tensor`, not disposed.
 * @returns The downhill tensor (in the innermost open scope).
 * @example
 * ```ts
 * const x = fromTf(backend, tf.tensor([1, 2, 3]));
 * await x.read(); // Float32Array [1, 2, 3]
 * ```
 */
export function fromTf(backend: Backend, t: tf.Tensor): Tensor {
  const kernels = TFJS_KERNELS.get(backend);
  if (!kernels) throw new InvalidArgumentError(`fromTf: backend '${backend?.name}' was not made by tfjs() or createTfjsBackend`);
  if (!(t instanceof tf.Tensor)) throw new InvalidArgumentError(`fromTf: expected a tf.Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new DisposedTensorError(`fromTf: the tf.Tensor ${JSON.stringify(t.shape)} (${t.dtype}) is disposed`);
  if (!DTYPES.has(t.dtype))
    throw new DTypeError(`fromTf: ${backend.name} holds float32, int32 and bool tensors, got a ${t.dtype} tf.Tensor`);
  kernels.adopting = t;
  try {
    return backend.full(t.shape, 0, t.dtype as DType);
  } finally {
    kernels.adopting = undefined;
  }
}

/**
 * A TensorFlow.js tensor with a downhill tensor's data, without copying it.
 *
 * Ownership: the result is a new `tf.Tensor` (a `tf.clone` sharing the buffer) that the caller
 * owns and disposes; the downhill tensor is untouched and keeps its own lifetime.
 *
 * @param x - A live tensor of a backend made by `tfjs()` or `createTfjsBackend`.
 * @returns The tf.Tensor (float32, int32 or bool), tracked by any `tf.tidy` around the call.
 * @example
 * ```ts
 * const t = toTf(backend.tensor([1, 2, 3]));
 * t.dataSync(); // Float32Array [1, 2, 3]
 * t.dispose();
 * ```
 */
export function toTf(x: Tensor): tf.Tensor {
  if (!(x instanceof Tensor)) throw new InvalidArgumentError(`toTf: expected a downhill Tensor, got ${x === null ? 'null' : typeof x}`);
  if (!TFJS_KERNELS.has(x.backend))
    throw new InvalidArgumentError(
      `toTf: ${x} does not live on a TensorFlow.js backend; move it with backend.tensor(await x.read(), x.shape, x.dtype)`,
    );
  if (x.disposed) throw new DisposedTensorError(`toTf: ${x} was used after it was released`);
  return tf.clone(x.storage as tf.Tensor);
}
