import { InvalidArgumentError, normalizeAxis, type MatmulOptions, type Shape, checkOptions } from '@downhill/backend';
import { bind } from '../trace.js';
import { checkOperand, type TensorLike } from '../traced.js';

/**
 * The same elements in a new shape (row-major); one dimension may be `-1`.
 *
 * @example
 * ```ts
 * ops.reshape(x, [-1]); // flatten
 * ```
 */
export function reshape(x: TensorLike, shape: Shape): TensorLike {
  checkOperand(x, 'reshape', false);
  return bind('reshape', [x], { shape: [...shape] });
}

/**
 * Permutes axes: output axis `i` is input axis `perm[i]` (reverses them by default).
 *
 * @example
 * ```ts
 * ops.transpose(x, [0, 2, 1]); // swap the last two axes
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): TensorLike {
  checkOperand(x, 'transpose', false);
  const rank = x.shape.length;
  return bind('transpose', [x], { perm: perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i) });
}

/**
 * Broadcasts to a larger shape (NumPy rules). The gradient sums over the broadcast axes.
 *
 * @example
 * ```ts
 * ops.broadcastTo(bias, [batch, units]);
 * ```
 */
export function broadcastTo(x: TensorLike, shape: Shape): TensorLike {
  checkOperand(x, 'broadcastTo', false);
  return bind('broadcastTo', [x], { shape: [...shape] });
}

/**
 * The box starting at `begin`; a size of `-1` (or no `size`) runs to the end of the axis.
 *
 * @example
 * ```ts
 * ops.slice(x, [0, 1], [-1, 2]); // columns 1 and 2
 * ```
 */
export function slice(x: TensorLike, begin: readonly number[], size?: readonly number[]): TensorLike {
  checkOperand(x, 'slice', false);
  const complete = begin.length === x.shape.length && (!size || size.length === x.shape.length);
  const sz = complete ? x.shape.map((d, i) => (size === undefined || size[i] === -1 ? d - begin[i] : size[i])) : size;
  return bind('slice', [x], { begin: [...begin], size: sz ? [...sz] : [] });
}

/**
 * Pads each axis with `[before, after]` elements of `value` (0 by default).
 *
 * @example
 * ```ts
 * ops.pad(x, [[0, 0], [1, 1]]);
 * ```
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], value = 0): TensorLike {
  checkOperand(x, 'pad', false);
  return bind('pad', [x], { paddings: paddings.map((p) => [p[0], p[1]] as const), value });
}

/**
 * Joins tensors along an existing axis (0 by default).
 *
 * @example
 * ```ts
 * ops.concat([a, b], -1);
 * ```
 */
export function concat(xs: readonly TensorLike[], axis = 0): TensorLike {
  if (!Array.isArray(xs) || xs.length === 0) throw new InvalidArgumentError('concat: expected a non-empty array of tensors');
  xs.forEach((x) => checkOperand(x, 'concat', false));
  return bind('concat', xs, { axis: normalizeAxis(axis, xs[0].shape.length, 'concat') });
}

/**
 * Picks slices along `axis` (0 by default) by `int32` indices:
 * `out[..., j..., ...] = x[..., indices[j...], ...]`. The gradient scatters back with `scatterAdd`.
 * PyTorch: this is `torch.index_select(x, axis, indices)` (NumPy's `take`), not `torch.gather`.
 *
 * @example
 * ```ts
 * const rows = ops.gather(embeddings, tokenIds); // [tokens, dim]
 * ```
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): TensorLike {
  checkOperand(x, 'gather', false);
  checkOperand(indices, 'gather', false);
  return bind('gather', [x, indices], { axis: normalizeAxis(axis, x.shape.length, 'gather') });
}

/**
 * Adds `updates` into zeros whose `axis` has `size` elements, at `indices`: the transpose of
 * {@link gather}. The gradient gathers.
 *
 * @example
 * ```ts
 * ops.scatterAdd(rowGrads, tokenIds, 0, vocabularySize);
 * ```
 */
export function scatterAdd(updates: TensorLike, indices: TensorLike, axis: number, size: number): TensorLike {
  checkOperand(updates, 'scatterAdd', false);
  checkOperand(indices, 'scatterAdd', false);
  const outRank = updates.shape.length - indices.shape.length + 1;
  return bind('scatterAdd', [updates, indices], { axis: normalizeAxis(axis, Math.max(outRank, 0), 'scatterAdd'), size });
}

/**
 * Batched matrix product over the last two axes; batch axes broadcast. Gradients reduce over
 * broadcast batch axes. A 1-D operand works as NumPy's and PyTorch's `matmul`: a vector `a` of
 * length `n` is a row `[1, n]` and a vector `b` a column `[n, 1]`, and that axis is removed from
 * the result (so vector·vector is a scalar, matrix·vector a vector); `transposeA`/`transposeB`
 * do not apply to a 1-D operand.
 *
 * @example
 * ```ts
 * const h = ops.add(ops.matmul(x, w), b); // [batch, in] × [in, out]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike, options?: MatmulOptions): TensorLike {
  const { transposeA = false, transposeB = false } = checkOptions('matmul', options, { transposeA: true, transposeB: true });
  checkOperand(a, 'matmul', false);
  checkOperand(b, 'matmul', false);
  const [va, vb] = [a.shape.length === 1, b.shape.length === 1];
  if (!va && !vb) return bind('matmul', [a, b], { transposeA, transposeB });
  const a2 = va ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = vb ? reshape(b, [b.shape[0], 1]) : b;
  const c = bind('matmul', [a2, b2], { transposeA: va ? false : transposeA, transposeB: vb ? false : transposeB });
  // Remove the axes the vectors added: −2 for a row vector a, −1 for a column vector b.
  const keep = c.shape.filter((_, i) => !((va && i === c.shape.length - 2) || (vb && i === c.shape.length - 1)));
  return reshape(c, keep);
}
