import type { Backend } from './backend.js';
import type { BinaryOp } from './ops.js';
import type { Tensor } from './tensor.js';

/**
 * {@link Backend}'s arithmetic shorthands written once over its `binary` primitive: `add`, `sub`,
 * `mul` and `div` are `binary('add', a, b)` and so on. A class that implements `Backend` by hand
 * (one standing in for another, such as a tracing backend) extends it and writes `binary` alone;
 * `defineBackend`'s backends are built on it too.
 *
 * @example
 * ```ts
 * import { BinaryShorthands, type Backend, type BinaryOp, type Tensor } from '@downhill/backend';
 * class CountingBinary extends BinaryShorthands {
 *   calls = 0;
 *   constructor(private readonly real: Backend) {
 *     super();
 *   }
 *   binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
 *     this.calls++;
 *     return this.real.binary(op, a, b);
 *   }
 * }
 * // new CountingBinary(b).add(x, 1) is b.binary('add', x, 1), counted
 * ```
 */
export abstract class BinaryShorthands {
  /** The elementwise binary primitive that the shorthands call (see {@link Backend.binary}). */
  abstract binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor;

  /** `a + b`: `binary('add', a, b)`. */
  add(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary('add', a, b);
  }
  /** `a − b`: `binary('sub', a, b)`. */
  sub(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary('sub', a, b);
  }
  /** `a · b`: `binary('mul', a, b)`. */
  mul(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary('mul', a, b);
  }
  /** `a / b`: `binary('div', a, b)`. */
  div(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary('div', a, b);
  }
}
