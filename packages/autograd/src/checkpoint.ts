import { InvalidArgumentError, Tensor, isFloatDType } from '@downhill/backend';
import { describe } from './differentiate.js';
import { bindCustom, closureError, isTracing } from './trace.js';
import { Traced, isTensorLike, rawTensor, type TensorLike } from './traced.js';
import { flattenTree, mapTree } from './tree.js';
import { vjp } from './vjp.js';

/** A leaf gradients flow to: a float tensor or traced value (the rest of `f`'s arguments are constants). */
function differentiable(leaf: unknown): leaf is TensorLike {
  return isTensorLike(leaf) && isFloatDType(leaf.dtype);
}

/**
 * Gradient checkpointing (rematerialisation: JAX's `jax.checkpoint`, PyTorch's
 * `torch.utils.checkpoint`): `checkpoint(f)` computes what `f` does, but a gradient through it
 * keeps none of `f`'s intermediates; the backward pass runs `f` again on the same arguments and
 * differentiates that. Memory for compute: wrap the blocks of a deep network, and the forward
 * pass holds each block's inputs and outputs only, at the price of a second forward pass of each
 * block during the backward one.
 *
 * `f` takes any arguments (tensors, trees of tensors, numbers, integer tensors); its float tensor
 * leaves are what gradients flow to, the rest are constants. It returns one tensor. It must be a
 * pure function of its arguments: the same ops on the same inputs every call (downhill's random
 * numbers come from explicit keys, so passing the key keeps it so), and no traced value from
 * outside that is not an argument (that is an `InvalidArgumentError`: pass it as an argument).
 * Gradients equal those without `checkpoint`: the same ops run in the same order, so bit for bit,
 * except that the contributions to an argument used several times inside `f` are summed per call
 * of `f` first (a rounding difference); higher orders work (`hessian`, `grad` of `grad`), though an enclosing differentiation keeps the
 * intermediates it needs. Outside any gradient, `checkpoint(f)` is `f`.
 *
 * @param f - the block to recompute in the backward pass.
 * @returns a function with `f`'s arguments and output.
 *
 * @example
 * ```ts
 * import { checkpoint, grad, ops } from '@downhill/autograd';
 * const block = checkpoint((h: TensorLike, w: TensorLike) => ops.tanh(ops.matmul(ops.tanh(ops.matmul(h, w)), w)));
 * const g = grad((w: TensorLike) => ops.sum(block(block(x, w), w)))(w); // holds 2 block outputs, not 8 intermediates
 * ```
 */
export function checkpoint<A extends readonly unknown[]>(f: (...args: A) => TensorLike): (...args: A) => TensorLike {
  if (typeof f !== 'function') throw new InvalidArgumentError(`checkpoint: expected a function, got ${describe(f)}`);
  const name = `checkpoint(${f.name || 'f'})`;
  return (...args: A): TensorLike => {
    const leaves = flattenTree(args)
      .map(([, leaf]) => leaf)
      .filter(differentiable);
    const rebuild = (xs: readonly TensorLike[]): A => {
      let k = 0;
      return mapTree(args, (leaf) => (differentiable(leaf) ? xs[k++] : leaf)) as unknown as A;
    };
    const call = (xs: readonly TensorLike[]): TensorLike => {
      const out = f(...rebuild(xs));
      if (!isTensorLike(out)) throw new InvalidArgumentError(`${name}: f must return a tensor, got ${describe(out)}`);
      return out;
    };
    return bindCustom(
      name,
      leaves,
      (xs) => {
        // Plain tensors (no enclosing differentiation records them): f's intermediates go now.
        const plain = xs.length > 0 && xs.every((x) => !(x instanceof Traced));
        const scoped = () => {
          const out = call(xs);
          if (out instanceof Traced) throw closureError(name); // before the scope releases what it depends on
          return out;
        };
        return { out: plain ? rawTensor(xs[0]).backend.scope(scoped) : call(xs), residuals: undefined };
      },
      (_, xs) => (ct) => {
        const nested = isTracing();
        const [y, pullback] = vjp((ys: TensorLike[]) => call(ys), [...xs]);
        try {
          const cts = pullback(ct as never) as TensorLike[];
          return cts.map((c) => () => c);
        } finally {
          pullback.dispose();
          if (!nested && y instanceof Tensor) y.dispose();
        }
      },
    );
  };
}
