import * as tf from '@tensorflow/tfjs-core';
import {
  BackendMismatchError,
  sizeOf,
  type Capabilities,
  type DType,
  type Kernels,
  type Shape,
  type Tensor,
  type TypedArray,
  checkOptions,
} from '@downhill/backend';
import {
  BINARY,
  COMPARE,
  UNARY,
  batchedMatmul,
  broadcast,
  concatAlong,
  gatherAlong,
  hostCopy,
  scatterAddAlong,
  tfDType,
} from './tf-ops.js';
import { tfConv, tfReduceWindow } from './tf-windowed.js';

/** Options of {@link tfjsKernels}. */
export interface TfjsKernelOptions {
  /** The downhill backend name; `tfjs-<tfBackend>` by default. */
  readonly name?: string;
  /** Whether `readSync` is offered (tfjs `dataSync`); true by default. GPU backends may say false. */
  readonly syncRead?: boolean;
  /**
   * A compiled `runProgram` (such as generated GPU kernels); without it the backend declares
   * `programs: false` and runs programs through its primitives (the composed interpretation).
   * It must return `tf.Tensor`s that no `tf.tidy` will free and check the engine's active backend.
   */
  readonly runProgram?: Kernels['runProgram'];
  /** Whether the `runProgram` given can write in place; false by default. */
  readonly inPlace?: boolean;
}

/** The {@link Kernels} over TensorFlow.js, plus the hook `fromTf` uses to adopt a tfjs tensor. */
export interface TfjsKernels extends Kernels {
  /** The TensorFlow.js backend these kernels compute on (`cpu`, `wasm`, `webgpu`, `tensorflow`...). */
  readonly tfBackend: string;
  /** @internal the next `fill` call returns this tensor instead of filling: how `fromTf` hands storage in. */
  adopting?: tf.Tensor;
}

const st = (t: Tensor) => t.storage as tf.Tensor;

/**
 * The kernels of the interface over TensorFlow.js: storage is a `tf.Tensor`, every primitive is
 * one or a few tfjs ops inside `tf.tidy`, and each result is `tf.keep`-ed so a user's own
 * `tf.tidy` around downhill code cannot free it. Zero-size results are made directly (some tfjs
 * backends compute garbage or throw on them). tfjs has one global engine: every computing kernel
 * first checks that `tf.getBackend()` is `tfBackend` and throws `BackendMismatchError` otherwise.
 *
 * Returned as a plain object, so packages built on it (backend-webgpu, backend-cuda) can spread it
 * and replace members. Make a backend of it with `createTfjsBackend` (which `fromTf` knows) or
 * `defineBackend`.
 *
 * @param tfBackend - A TensorFlow.js backend name, already set up and active.
 * @param options - Name, read-back and compiled-program options.
 * @returns The kernels.
 * @example
 * ```ts
 * import { defineBackend } from '@downhill/backend';
 * const backend = defineBackend(tfjsKernels('cpu'));
 * ```
 */
export function tfjsKernels(tfBackend: string, options: TfjsKernelOptions = {}): TfjsKernels {
  const {
    name = `tfjs-${tfBackend}`,
    syncRead = true,
    runProgram,
    inPlace = false,
  } = checkOptions('tfjsKernels', options, { name: true, syncRead: true, runProgram: true, inPlace: true });
  const capabilities: Capabilities = Object.freeze({
    float64: false,
    syncRead,
    programs: runProgram !== undefined,
    inPlace: runProgram ? inPlace : false,
  });

  /** Throws unless the engine's active backend is `tfBackend`. */
  const guard = (where: string): void => {
    const active = tf.getBackend();
    if (active !== tfBackend) {
      throw new BackendMismatchError(
        `${name}.${where}: TensorFlow.js's active backend is '${active}', but this downhill backend computes on '${tfBackend}'. ` +
          `TensorFlow.js has one global engine: use one downhill tfjs backend at a time, or call tf.setBackend('${tfBackend}') first`,
      );
    }
  };
  /** Runs `fn` on the right engine backend in a tidy; keeps its result. */
  const run = <T extends tf.Tensor>(where: string, fn: () => T): T => {
    guard(where);
    return tf.keep(tf.tidy(fn));
  };
  /** Like `run`, but makes an empty result directly when `outShape` has no elements. */
  const compute = (where: string, outShape: Shape, dtype: DType, fn: () => tf.Tensor): tf.Tensor =>
    run(where, () => (sizeOf(outShape) === 0 ? tf.zeros(outShape as number[], tfDType(dtype)) : fn()));

  const kernels: TfjsKernels = {
    name,
    tfBackend,
    capabilities,
    fromData: (data, shape, dtype) => run('tensor', () => tf.tensor(data as Float32Array, shape as number[], tfDType(dtype))),
    fill(shape, value, dtype) {
      const adopted = kernels.adopting;
      if (adopted) {
        kernels.adopting = undefined;
        return run('fromTf', () => tf.clone(adopted));
      }
      const v = dtype === 'bool' ? (value ? 1 : 0) : dtype === 'int32' ? new Int32Array([value])[0] : value;
      return run('full', () => tf.fill(shape as number[], v, tfDType(dtype)));
    },
    unary: (op, x) => compute(op, x.shape, x.dtype, () => UNARY[op](st(x))),
    binary: (op, a, b, out) => compute(op, out, a.dtype, () => BINARY[op](st(a), st(b))),
    compare: (op, a, b, out) => compute(op, out, 'bool', () => COMPARE[op](st(a), st(b))),
    where: (cond, a, b, out) =>
      compute('where', out, a.dtype, () => {
        const [c, x, y] = [broadcast(st(cond), out), broadcast(st(a), out), broadcast(st(b), out)];
        // tfjs-wasm's Select copies 4-byte elements whatever the dtype: select bools with logic instead.
        if (a.dtype === 'bool') return tf.logicalOr(tf.logicalAnd(c, x), tf.logicalAnd(tf.logicalNot(c), y));
        return tf.where(c, x, y);
      }),
    cast: (x, dtype) =>
      compute('cast', x.shape, dtype, () => {
        const t = st(x);
        if (dtype === 'bool') return tf.notEqual(t, tf.zerosLike(t)); // tfjs-wasm's Cast to bool truncates first
        if (dtype !== 'int32' || x.dtype === 'int32' || x.dtype === 'bool') return tf.cast(t, tfDType(dtype));
        // float -> int32: tfjs wraps (cpu), or leaves it to C or WGSL (wasm, webgpu) out of range;
        // the interface saturates and takes NaN to 0. The clip stops at the float32 values next to
        // ±2³¹ (both exact in int32); 2³¹ and above are selected to 2³¹ − 1 in the int domain.
        const clipped = tf.cast(tf.where(tf.isNaN(t), tf.zerosLike(t), tf.clipByValue(t, -2147483648, 2147483520)), 'int32');
        return tf.where(tf.greaterEqual(t, 2147483648), tf.fill(t.shape, 2147483647, 'int32'), clipped);
      }),
    reduce: (op, x, axes, out) =>
      compute(op, out, x.dtype, () => {
        const t = st(x);
        if (t.size === 0) return tf.zeros(out as number[], t.dtype); // a sum over nothing (max/min are refused above)
        const r = op === 'sum' ? tf.sum(t, axes as number[]) : op === 'max' ? tf.max(t, axes as number[]) : tf.min(t, axes as number[]);
        return tf.reshape(r, out as number[]);
      }),
    argReduce: (op, x, axis, out) =>
      compute(op, out, 'int32', () => {
        // Along the last axis, transposed here: tfjs-webgpu (4.22.0) gave another call's indices
        // for an arg-reduction along another axis of a rank-3 tensor (its own transpose).
        const last = x.rank - 1;
        const perm = [...Array(x.rank).keys()].filter((a) => a !== axis).concat(axis);
        const v = axis === last ? st(x) : tf.transpose(st(x), perm);
        const plain = op === 'argmax' ? tf.argMax(v, last) : tf.argMin(v, last);
        if (x.dtype === 'int32') return tf.reshape(plain, out as number[]);
        // TensorFlow.js skips NaN (its comparisons are false); the contract makes the first NaN win
        const nan = tf.isNaN(v);
        const firstNan = tf.argMax(tf.cast(nan, 'float32'), last); // ties: the first index
        return tf.reshape(tf.where(tf.any(nan, last), firstNan, plain), out as number[]);
      }),
    reshape: (x, shape) => run('reshape', () => tf.reshape(st(x), shape as number[])),
    transpose: (x, perm, out) =>
      compute('transpose', out, x.dtype, () => (x.rank === 0 ? tf.clone(st(x)) : tf.transpose(st(x), perm as number[]))),
    broadcastTo: (x, shape) => compute('broadcastTo', shape, x.dtype, () => tf.broadcastTo(st(x), shape as number[])),
    slice: (x, begin, size) =>
      compute('slice', size, x.dtype, () => (x.rank === 0 ? tf.clone(st(x)) : tf.slice(st(x), begin as number[], size as number[]))),
    pad: (x, paddings, value, out) =>
      compute('pad', out, x.dtype, () => {
        const t = st(x);
        if (t.size === 0) return tf.fill(out as number[], x.dtype === 'bool' ? (value ? 1 : 0) : value, t.dtype);
        return tf.pad(t, paddings as [number, number][], value);
      }),
    concat: (xs, axis, out) => compute('concat', out, xs[0].dtype, () => concatAlong(xs.map(st), axis, out, tfDType(xs[0].dtype))),
    gather: (x, indices, axis, out) => compute('gather', out, x.dtype, () => gatherAlong(st(x), st(indices), axis, out)),
    scatterAdd: (updates, indices, axis, out) =>
      compute('scatterAdd', out, updates.dtype, () =>
        updates.size === 0 ? tf.zeros(out as number[], st(updates).dtype) : scatterAddAlong(st(updates), st(indices), axis, out),
      ),
    matmul: (a, b, ta, tb, out) => compute('matmul', out, a.dtype, () => batchedMatmul(st(a), st(b), ta, tb, out)),
    // tfjs's conv2d, depthwiseConv2d and pooling where they have the case; undefined otherwise (the composition runs).
    conv: (lhs, rhs, params, out) => {
      guard('conv');
      if (sizeOf(out) === 0) return undefined;
      let y: tf.Tensor | undefined;
      tf.tidy(() => {
        y = tfConv(st(lhs), st(rhs), params, out);
        if (y) tf.keep(y);
      });
      return y;
    },
    reduceWindow: (op, x, params, out) => {
      guard('reduceWindow');
      if (sizeOf(out) === 0) return undefined;
      let y: tf.Tensor | undefined;
      tf.tidy(() => {
        y = tfReduceWindow(op, st(x), params, out);
        if (y) tf.keep(y);
      });
      return y;
    },
    read: async (x) => hostCopy(await st(x).data(), x.dtype) as TypedArray,
    readSync: syncRead ? (x) => hostCopy(st(x).dataSync(), x.dtype) as TypedArray : undefined,
    release: (storage) => (storage as tf.Tensor).dispose(),
    bytesInUse: () => tf.memory().numBytes,
    runProgram,
  };
  return kernels;
}
