/**
 * The base of every error downhill throws on purpose. `code` is stable and meant for programs;
 * the message is meant for people and says what was expected, what came, and where.
 *
 * @example
 * ```ts
 * import { DownhillError } from '@downhill/backend';
 * try { backend.add(a, b); } catch (e) { if (e instanceof DownhillError) console.log(e.code); }
 * ```
 */
export class DownhillError extends Error {
  /** A stable machine-readable code such as `SHAPE_MISMATCH`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an operation (broadcasting, matmul, reshape sizes, axes out of range). */
export class ShapeError extends DownhillError {
  constructor(message: string) {
    super('SHAPE_MISMATCH', message);
  }
}

/** A dtype an operation does not accept, or two operands whose dtypes differ. */
export class DTypeError extends DownhillError {
  constructor(message: string) {
    super('DTYPE_MISMATCH', message);
  }
}

/** A dtype or capability that a backend does not have (float64 on TensorFlow.js, a synchronous read on WebGPU). */
export class UnsupportedError extends DownhillError {
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}

/** Tensors of two different backends given to one operation. */
export class BackendMismatchError extends DownhillError {
  constructor(message: string) {
    super('BACKEND_MISMATCH', message);
  }
}

/** A tensor used after it was released. */
export class DisposedTensorError extends DownhillError {
  constructor(message: string) {
    super('TENSOR_DISPOSED', message);
  }
}

/** A backend name that is not registered, or a registered backend that cannot start here. */
export class BackendNotFoundError extends DownhillError {
  constructor(message: string) {
    super('BACKEND_NOT_FOUND', message);
  }
}

/** A backend that cannot load on this machine (a missing optional dependency, no GPU adapter). */
export class BackendUnavailableError extends DownhillError {
  constructor(message: string) {
    super('BACKEND_UNAVAILABLE', message);
  }
}

/** An argument that is out of range or of the wrong kind (a negative size, a non-integer axis). */
export class InvalidArgumentError extends DownhillError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Formats a shape the way every error message shows it: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A tensor or a block of memory larger than a backend can hold, or than its memory can grow to.
 * Thrown before anything is allocated; nothing changes. Names the bytes asked and the limit.
 *
 * @example
 * ```ts
 * import { OutOfMemoryError } from '@downhill/backend';
 * try { backend.zeros([2 ** 31]); } catch (e) { if (e instanceof OutOfMemoryError) console.log(e.requestedBytes, e.limitBytes); }
 * ```
 */
export class OutOfMemoryError extends DownhillError {
  /** The bytes the allocation asked for. */
  readonly requestedBytes: number;
  /** The most the backend (or its memory) can hold, in bytes. */
  readonly limitBytes: number;
  constructor(message: string, requestedBytes: number, limitBytes: number) {
    super('OUT_OF_MEMORY', message);
    this.requestedBytes = requestedBytes;
    this.limitBytes = limitBytes;
  }
}
