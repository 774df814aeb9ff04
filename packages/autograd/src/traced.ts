import { InvalidArgumentError, Tensor, type Backend, type DType, type Shape } from '@downhill/backend';
import type { Trace } from './trace.js';

/**
 * A value that a gradient trace records: the primal value it stands for, and the place on its
 * trace's tape where it was made. Made by `grad`, `valueAndGrad`, `vjp` and the ops they run;
 * never constructed by users.
 *
 * Nested differentiation wraps one trace inside another: the `primal` of a value on the inner
 * trace may itself be a `Traced` of an outer trace, so each level of `grad(grad(f))` keeps its own
 * tape and the levels never confuse their perturbations (JAX's trace levels, in tape form).
 *
 * @example
 * ```ts
 * grad((p: { w: Tensor }) => {
 *   p.w; // a Traced: ops on it are recorded
 *   return ops.sum(ops.square(p.w));
 * })({ w });
 * ```
 */
export class Traced {
  /** The value this stands for: a backend tensor, or a value of an enclosing trace. */
  readonly primal: TensorLike;
  /** @internal the trace whose tape holds this value. */
  readonly trace: Trace;
  /** @internal the index of the node that made this value on its trace's tape. */
  readonly node: number;

  /** @internal made by the tracing machinery only. */
  constructor(primal: TensorLike, trace: Trace, node: number) {
    this.primal = primal;
    this.trace = trace;
    this.node = node;
  }

  /** Dimensions, outermost first. */
  get shape(): Shape {
    return this.primal.shape;
  }

  /** Element type. */
  get dtype(): DType {
    return this.primal.dtype;
  }

  /** Number of elements. */
  get size(): number {
    return this.primal.size;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.primal.shape.length;
  }

  /** The backend that owns the underlying data. */
  get backend(): Backend {
    return this.primal.backend;
  }

  /** The backend tensor under every level of tracing (no gradient flows through it). */
  get value(): Tensor {
    return rawTensor(this);
  }

  /** `Traced(float64 [2, 3], level 1)`. */
  toString(): string {
    return `Traced(${this.dtype} [${this.shape.join(', ')}], level ${this.trace.level})`;
  }
}

/** A backend tensor or a traced value: what every op accepts and returns. */
export type TensorLike = Tensor | Traced;

/** An op operand: a tensor, a traced value or a plain number (taking the other operand's dtype). */
export type Operand = TensorLike | number;

/**
 * Whether a value is a backend tensor or a traced value.
 *
 * @example
 * ```ts
 * isTensorLike(backend.scalar(1)); // true
 * isTensorLike(1); // false
 * ```
 */
export function isTensorLike(x: unknown): x is TensorLike {
  return x instanceof Tensor || x instanceof Traced;
}

/** The backend tensor under every level of tracing. */
export function rawTensor(x: TensorLike): Tensor {
  let v: TensorLike = x;
  while (v instanceof Traced) v = v.primal;
  return v;
}

/** Throws unless `x` is a tensor, a traced value or (when `numbers`) a number. */
export function checkOperand(x: unknown, where: string, numbers = true): void {
  if (x instanceof Tensor || x instanceof Traced || (numbers && typeof x === 'number')) return;
  const got =
    x === null
      ? 'null'
      : Array.isArray(x)
        ? `an array of length ${x.length}`
        : typeof x === 'object'
          ? `an object (${(x as object).constructor?.name ?? 'Object'})`
          : `${typeof x} ${String(x)}`;
  throw new InvalidArgumentError(
    `${where}: expected a Tensor${numbers ? ', a traced value or a number' : ' or a traced value'}, got ${got}`,
  );
}
