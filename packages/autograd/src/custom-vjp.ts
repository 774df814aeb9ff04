import { DTypeError, InvalidArgumentError, ShapeError, checkOptions, fmtShape, shapesEqual } from '@downhill/backend';
import { describe } from './differentiate.js';
import { bindCustom, type NodeVjp } from './trace.js';
import { checkOperand, isTensorLike, type TensorLike } from './traced.js';

/**
 * The forward half of a {@link customVjp} function: computes the output from the arguments with
 * any ops, and returns it with the residuals, whatever the backward half needs (tensors computed
 * here, the arguments themselves, numbers; `undefined` for nothing).
 */
export type CustomForward<A extends readonly TensorLike[], R> = (...args: A) => readonly [out: TensorLike, residuals: R];

/**
 * The backward half of a {@link customVjp} function: from the residuals and the cotangent of the
 * output (the gradient of the final scalar with respect to it), the cotangent of each argument, in
 * order, each of its argument's shape and dtype; `null` (or `undefined`) where no gradient flows.
 * Written with differentiable ops, it can be differentiated again (`hessian`, `grad` of `grad`).
 */
export type CustomBackward<R> = (residuals: R, ct: TensorLike) => readonly (TensorLike | null | undefined)[];

/** Options of {@link customVjp}. */
export interface CustomVjpOptions {
  /** The name errors give the function (default: `forward`'s own name, else `customVjp`). */
  readonly name?: string;
}

/**
 * A function with a vector-Jacobian product of its own (JAX's `jax.custom_vjp`, PyTorch's
 * `torch.autograd.Function`): differentiation records it as one step whose backward pass is
 * `backward`, instead of differentiating every op `forward` ran. Use it where the composed
 * gradient is slower or less accurate than a known formula (a softmax's gradient in one
 * expression, an implicit function's), or to change the gradient on purpose (clipping it,
 * a straight-through estimator).
 *
 * How it runs: outside any gradient, or inside `noGrad`, the function is `forward`'s output.
 * Inside `grad` (or `vjp`, `hessian`…), `forward` runs on the arguments as the enclosing
 * differentiations see them, so an outer `grad` differentiates its ops as usual; the innermost one
 * calls `backward(residuals, ct)` when its backward pass reaches the output. `backward`'s ops are
 * recorded by enclosing differentiations, so higher orders work wherever `backward` is written
 * with differentiable ops (as in PyTorch, and unlike `jax.custom_vjp`, which has no forward mode to
 * offer them). Tensors made by either half are released with the gradient call's other
 * temporaries (outside a gradient, by the enclosing `backend.scope`, like any op's).
 *
 * Errors: `forward` must return `[output, residuals]` with a tensor output, and `backward` one
 * entry per argument, each `null`, `undefined` or a tensor of its argument's shape and dtype; a
 * mistake is an `InvalidArgumentError`, `ShapeError` or `DTypeError` naming the function and the
 * argument, raised by the call (or by the gradient call that ran `backward`).
 *
 * @param forward - computes `[output, residuals]` from the arguments.
 * @param backward - computes each argument's cotangent from the residuals and the output's.
 * @param options - `name` for errors.
 * @returns the function: its arguments are tensors or traced values, its result the output.
 *
 * @example
 * ```ts
 * import { customVjp, grad, ops } from '@downhill/autograd';
 * // identity forward, gradient clipped to [-1, 1] on the way back
 * const clipGradient = customVjp(
 *   (x) => [x, undefined],
 *   (_, ct) => [ops.clip(ct, -1, 1)],
 * );
 * grad((x) => ops.sum(ops.mul(clipGradient(x), 5)))(backend.tensor([1, 2])); // [1, 1], not [5, 5]
 * ```
 */
export function customVjp<A extends readonly TensorLike[], R>(
  forward: CustomForward<A, R>,
  backward: CustomBackward<R>,
  options?: CustomVjpOptions,
): (...args: A) => TensorLike {
  const { name: given } = checkOptions('customVjp', options, { name: true });
  if (typeof forward !== 'function') throw new InvalidArgumentError(`customVjp: expected a forward function, got ${describe(forward)}`);
  if (typeof backward !== 'function') throw new InvalidArgumentError(`customVjp: expected a backward function, got ${describe(backward)}`);
  if (given !== undefined && typeof given !== 'string')
    throw new InvalidArgumentError(`customVjp: expected a string name, got ${describe(given)}`);
  const name = given ?? (forward.name || 'customVjp');

  const run = (args: readonly TensorLike[]): { out: TensorLike; residuals: R } => {
    const result = forward(...(args as unknown as A));
    if (!Array.isArray(result) || result.length !== 2 || !isTensorLike(result[0])) {
      throw new InvalidArgumentError(
        `${name}: forward must return [output, residuals] with a tensor output, got ${describe(result)}${Array.isArray(result) && result.length > 0 ? ` starting with ${describe(result[0])}` : ''}`,
      );
    }
    return { out: result[0], residuals: result[1] as R };
  };

  const vjp =
    (residuals: R, args: readonly TensorLike[]): NodeVjp =>
    (ct) => {
      const cts = backward(residuals, ct);
      if (!Array.isArray(cts) || cts.length !== args.length) {
        throw new InvalidArgumentError(
          `${name}: backward must return one cotangent (or null) per argument, ${args.length} in all; got ${Array.isArray(cts) ? `${cts.length}` : describe(cts)}`,
        );
      }
      return cts.map((c, k) => {
        if (c === null || c === undefined) return null;
        const arg = args[k];
        if (!isTensorLike(c))
          throw new InvalidArgumentError(`${name}: backward's cotangent ${k} must be a tensor or null, got ${describe(c)}`);
        if (!shapesEqual(c.shape, arg.shape)) {
          throw new ShapeError(
            `${name}: backward's cotangent ${k} has shape ${fmtShape(c.shape)}, but argument ${k} has shape ${fmtShape(arg.shape)}`,
          );
        }
        if (c.dtype !== arg.dtype)
          throw new DTypeError(`${name}: backward's cotangent ${k} is ${c.dtype}, but argument ${k} is ${arg.dtype}`);
        return () => c;
      });
    };

  return (...args: A): TensorLike => {
    args.forEach((a, k) => checkOperand(a, `${name} (argument ${k})`, false));
    return bindCustom(name, args, run, vjp);
  };
}
