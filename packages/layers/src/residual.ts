import { InvalidArgumentError, ShapeError, fmtShape, shapesEqual } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { moduleName, type ForwardContext } from './context.js';
import { Module } from './module.js';

/**
 * A residual connection around a module: `y = x + f(x)`, where `f` keeps the input's shape.
 *
 * The child is named `body`: its parameters are `body.…` (a Residual around a {@link Sequential}
 * named `norm`, `dense` has `body.norm.gamma`, `body.dense.kernel`, ...).
 *
 * @param body - `f`, any module whose output has the shape of its input.
 *
 * @example
 * ```ts
 * const block = new Residual(new Sequential({ norm: new LayerNorm(64), dense: new Dense(64, 64), act: new GELU() }));
 * block.init(backend, { seed: 0 }).call(x); // x + gelu(dense(norm(x)))
 * ```
 *
 * He et al., "Deep residual learning for image recognition" (2016).
 */
export class Residual extends Module {
  /** `f`. */
  readonly body: Module;

  constructor(body: Module) {
    super();
    if (!(body instanceof Module)) throw new InvalidArgumentError(`Residual: expected a Module, got ${String(body)}`);
    this.body = this.addModule('body', body);
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    const fx = ctx.call(this.body, x);
    if (!shapesEqual(fx.shape, x.shape))
      throw new ShapeError(
        `${moduleName(this, ctx.path)}: its body maps ${fmtShape(x.shape)} to ${fmtShape(fx.shape)}; a residual needs the same shape`,
      );
    return ops.add(x, fx);
  }
}
