import {
  DTYPES,
  DTypeError,
  InvalidArgumentError,
  OutOfMemoryError,
  UnsupportedError,
  fmtShape,
  isFloatDType,
  sizeOf,
  type Backend,
  type DType,
  type Shape,
  type Tensor,
  checkOptions,
  describeValue,
} from '@downhill/backend';
import { Rng, rng as rngFromSeed } from './rng.js';

/** Options of every initializer call. */
export interface InitOptions {
  /** The dtype of the tensor; default `float32`. Random initializers need a float dtype. */
  readonly dtype?: DType;
  /** A seed for the draw (the same as `rng: rng(seed)`). Random initializers need `seed` or `rng`. */
  readonly seed?: number;
  /** The key for the draw; see {@link Rng}. */
  readonly rng?: Rng;
}

/**
 * An initializer: called as `init(backend, shape, { dtype, seed | rng })`, it returns a new tensor
 * on `backend`. The same function is also at `.init`, and `.sample(shape, options)` gives the
 * values on the host in float64 without a backend.
 *
 * Random values are drawn on the host in float64 from the key and then given to the backend in the
 * requested dtype (float32 values are the float64 draws rounded to nearest), so one key gives
 * bitwise the same weights on every backend.
 *
 * @example
 * ```ts
 * import { cpu } from '@downhill/backend-cpu';
 * import { glorotUniform } from '@downhill/initializers';
 * const init = glorotUniform();
 * const w = init(cpu(), [784, 256], { seed: 0 }); // float32 [784, 256]
 * const same = init.init(cpu(), [784, 256], { seed: 0 }); // bitwise the same values
 * const host = init.sample([784, 256], { seed: 0 }); // Float64Array before rounding
 * ```
 */
export interface Initializer {
  (backend: Backend, shape: Shape, options?: InitOptions): Tensor;
  /** The initializer's name, used in error messages (`heNormal`). */
  readonly name: string;
  /** The same as calling the initializer. */
  init(backend: Backend, shape: Shape, options?: InitOptions): Tensor;
  /** The values the initializer gives for `shape`, row-major, in float64 on the host. */
  sample(shape: Shape, options?: Omit<InitOptions, 'dtype'>): Float64Array;
}

/**
 * Throws `InvalidArgumentError` unless `shape` is an array of non-negative integers.
 * @internal
 */
export function checkShapeArg(shape: Shape, where: string): void {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
    const text = Array.isArray(shape) ? fmtShape(shape) : shown(shape);
    throw new InvalidArgumentError(`${where}: shape must be an array of non-negative integers, got ${text}`);
  }
}

/** A value in a message: primitives as `String` shows them, objects described (never a TypeError). @internal */
export function shown(v: unknown): string {
  return typeof v === 'object' && v !== null ? describeValue(v) : String(v);
}

/** The key of an options object: `rng`, or `rng(seed)`; exactly one must be given. @internal */
export function keyOf(options: Omit<InitOptions, 'dtype'>, where: string): Rng {
  const { seed, rng } = options;
  if (seed !== undefined && rng !== undefined) {
    throw new InvalidArgumentError(`${where}: give seed or rng, not both`);
  }
  if (rng !== undefined) {
    if (!(rng instanceof Rng)) throw new InvalidArgumentError(`${where}: rng must be an Rng (from rng(seed)), got ${typeof rng}`);
    return rng;
  }
  if (seed === undefined) {
    throw new InvalidArgumentError(
      `${where}: a random initializer needs { seed } or { rng } (downhill never draws an unseeded weight; derive one key per parameter with rng(seed).fold(name))`,
    );
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`${where}: seed must be a safe integer, got ${shown(seed)}`);
  return rngFromSeed(seed);
}

function checkDType(backend: Backend, dtype: DType, float: boolean, where: string): void {
  if (!DTYPES.includes(dtype)) {
    throw new DTypeError(`${where}: dtype must be one of ${DTYPES.join(', ')}, got '${shown(dtype)}'`);
  }
  if (float && !isFloatDType(dtype)) {
    throw new DTypeError(`${where}: random weights need a float dtype (float32 or float64), got ${dtype}`);
  }
  if (dtype === 'float64' && !backend.capabilities.float64) {
    throw new UnsupportedError(
      `${where}: backend '${backend.name}' has no float64; use dtype float32 or a backend that declares float64 (cpu)`,
    );
  }
}

/** Attaches `.init`, `.sample` and the name to a call function. @internal */
function brand(
  name: string,
  call: (backend: Backend, shape: Shape, options?: InitOptions) => Tensor,
  sample: Initializer['sample'],
): Initializer {
  const fn = ((backend: Backend, shape: Shape, options?: InitOptions) => call(backend, shape, options)) as Initializer;
  Object.defineProperty(fn, 'name', { value: name });
  Object.defineProperty(fn, 'init', { value: fn, enumerable: true });
  Object.defineProperty(fn, 'sample', { value: sample, enumerable: true });
  return fn;
}

/**
 * An initializer from a host sampler: `draw(shape, key)` returns `sizeOf(shape)` float64 values.
 * The checks (shape, dtype, key) all run before anything is drawn or made.
 * @internal
 */
export function randomInitializer(name: string, draw: (shape: Shape, key: Rng) => Float64Array): Initializer {
  const sample = (shape: Shape, options: Omit<InitOptions, 'dtype'> = {}): Float64Array => {
    checkOptions(`${name}.sample`, options, { seed: true, rng: true });
    checkShapeArg(shape, name);
    return drawOnHost(name, draw, shape, keyOf(options ?? {}, name));
  };
  return brand(
    name,
    (backend, shape, options = {}) => {
      const { dtype = 'float32' } = checkOptions(name, options, { dtype: true, seed: true, rng: true });
      checkShapeArg(shape, name);
      checkDType(backend, dtype, true, name);
      const values = drawOnHost(name, draw, shape, keyOf(options ?? {}, name));
      return backend.tensor(dtype === 'float32' ? Float32Array.from(values) : values, shape, dtype);
    },
    sample,
  );
}

/**
 * Runs a host sampler, turning the engine's refusal to allocate the draws (a RangeError for a
 * shape such as [1, 1e15]) into an OutOfMemoryError naming the initializer, the shape and the bytes.
 */
function drawOnHost(name: string, draw: (shape: Shape, key: Rng) => Float64Array, shape: Shape, key: Rng): Float64Array {
  try {
    return draw(shape, key);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = sizeOf(shape) * 8;
    throw new OutOfMemoryError(
      `${name}: drawing the ${sizeOf(shape)} float64 values of shape ${fmtShape(shape)} needs ${bytes} bytes on the host, and the JavaScript engine refused (${e.message}); use a smaller shape`,
      bytes,
      Number.NaN,
    );
  }
}

/** An initializer that fills with one value and needs no key. @internal */
export function filledInitializer(name: string, value: number): Initializer {
  return brand(
    name,
    (backend, shape, options = {}) => {
      const { dtype = 'float32' } = checkOptions(name, options, { dtype: true, seed: true, rng: true });
      checkShapeArg(shape, name);
      checkDType(backend, dtype, false, name);
      if (dtype === 'float32' && Math.abs(value) > 3.4028234663852886e38) {
        throw new InvalidArgumentError(`${name}: ${value} is beyond the float32 range (±3.4028234663852886e38); it would be ±Infinity`);
      }
      return backend.full(shape, value, dtype);
    },
    (shape) => {
      checkShapeArg(shape, name);
      return new Float64Array(sizeOf(shape)).fill(value);
    },
  );
}
