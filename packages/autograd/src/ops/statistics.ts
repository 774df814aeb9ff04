import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { bindCustom, detach } from '../trace.js';
import type { TensorLike } from '../traced.js';
import { abs, add, div, exp, less, log, mul, sqrt as sqrtOf, square, sub, where } from './elementwise.js';
import { max, reduceAxes, sum, type ReduceArg, type ReduceOptions } from './reduce.js';
import { reshape } from './layout.js';

/** How many elements a reduction over `axes` of `x` combines. */
function countOf(x: TensorLike, axes: readonly number[]): number {
  return axes.reduce((n, a) => n * x.shape[a], 1);
}

/**
 * The arithmetic mean over `axis` (every axis by default).
 *
 * @param x - the tensor.
 * @param axis - an axis, a list of axes, or `{ axis, keepDims }`.
 * @example
 * ```ts
 * ops.mean(losses); // scalar
 * ops.mean(x, { axis: 0, keepDims: true }); // per-feature means
 * ```
 */
export function mean(x: TensorLike, axis?: ReduceArg): TensorLike {
  const { axes, keepDims } = reduceAxes(x, axis, 'mean');
  return div(sum(x, { axis: axes, keepDims }), countOf(x, axes));
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is `n − ddof` (0: population, 1: sample). Default 0. */
  readonly ddof?: number;
}

/**
 * The variance over `axis`: `Σ(x − mean)² / (n − ddof)`.
 *
 * @param options - `axis`, `keepDims`, `ddof` (default 0).
 * @example
 * ```ts
 * ops.variance(x, { axis: 0, ddof: 1 });
 * ```
 */
export function variance(x: TensorLike, options?: VarianceOptions): TensorLike {
  return varianceOf(x, options, 'variance');
}

function varianceOf(x: TensorLike, options: VarianceOptions | undefined, where: string): TensorLike {
  const { axis, keepDims = false, ddof = 0 } = checkOptions(where, options, { axis: true, keepDims: true, ddof: true });
  const { axes } = reduceAxes(x, { axis }, 'variance');
  const n = countOf(x, axes);
  if (!(n - ddof > 0))
    throw new InvalidArgumentError(`variance: ddof ${ddof} leaves no degrees of freedom for ${n} element(s) per reduction`);
  const centered = sub(x, mean(x, { axis: axes, keepDims: true }));
  return div(sum(square(centered), { axis: axes, keepDims }), n - ddof);
}

/** The standard deviation: `√variance` (same options as {@link variance}). */
export function std(x: TensorLike, options?: VarianceOptions): TensorLike {
  return sqrtSafe(varianceOf(x, options, 'std'));
}

/** `√s` with gradient 0 (not ∞ or NaN) where `s = 0`. @internal */
export function sqrtSafe(s: TensorLike): TensorLike {
  const positive = less(0, s);
  return where(positive, sqrtOf(where(positive, s, 1)), 0);
}

/**
 * `log Σ exp(x)` over `axis`, computed stably: the (detached) maximum is subtracted before
 * exponentiating and added back after, so large inputs do not overflow.
 *
 * Math: `lse(x) = m + log Σ e^(x − m)`; `∂lse/∂x = softmax(x)`, recorded as one step with that
 * gradient (`ct · e^(x − lse)`).
 *
 * @param x - the tensor.
 * @param axis - an axis, a list of axes, or `{ axis, keepDims }` (every axis by default).
 * @example
 * ```ts
 * ops.logSumExp(logits, { axis: -1 });
 * ```
 */
export function logSumExp(x: TensorLike, axis?: ReduceArg): TensorLike {
  const { axes, keepDims } = reduceAxes(x, axis, 'logSumExp');
  const kept = { axis: axes, keepDims: true } as const;
  // one step on the tape, whose gradient is ct · softmax(x) = ct · e^(x − lse)
  const lse = bindCustom(
    'logSumExp',
    [x],
    ([v]) => {
      const shift = stableShift(v, kept);
      return { out: add(log(sum(exp(sub(v, shift)), kept)), shift), residuals: undefined };
    },
    (_, [v], out) =>
      (ct) => [() => mul(ct, exp(sub(v, out)))],
  );
  return keepDims
    ? lse
    : reshape(
        lse,
        x.shape.filter((_, i) => !axes.includes(i)),
      );
}

/**
 * The (detached) maximum over `kept.axis`, or 0 where it is ±∞: subtracted before exponentiating,
 * so that no finite input overflows, and an all −∞ (or +∞) slice does not give ∞ − ∞.
 */
function stableShift(x: TensorLike, kept: { readonly axis: number | readonly number[]; readonly keepDims: true }): TensorLike {
  const m = detach(max(x, kept));
  return where(less(abs(m), Infinity), m, 0);
}

/**
 * The softmax along `axis` (last by default), stable for large inputs.
 *
 * Math: `softmax(x)ᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m)` with `m` the (detached) maximum; recorded as
 * one step whose gradient is `s ⊙ (ct − Σⱼ ctⱼ sⱼ)` (PyTorch's `softmax_backward`).
 *
 * @example
 * ```ts
 * const probs = ops.softmax(logits); // rows sum to 1
 * ```
 */
export function softmax(x: TensorLike, options?: { axis?: number }): TensorLike {
  const { axis = -1 } = checkOptions('softmax', options, { axis: true });
  const kept = { axis, keepDims: true } as const;
  return bindCustom(
    'softmax',
    [x],
    ([v]) => {
      const e = exp(sub(v, stableShift(v, kept)));
      return { out: div(e, sum(e, kept)), residuals: undefined };
    },
    (_, __, s) => (ct) => [() => mul(s, sub(ct, sum(mul(ct, s), kept)))],
  );
}

/**
 * The log of the softmax along `axis` (last by default): `(x − m) − log Σ e^(x − m)` with `m` the
 * (detached) maximum, stable; recorded as one step whose gradient is `ct − e^out · Σ ct`
 * (PyTorch's `log_softmax_backward`).
 *
 * @example
 * ```ts
 * const logProbs = ops.logSoftmax(logits);
 * const nll = ops.neg(ops.mean(ops.sum(ops.mul(ops.oneHot(labels, 10, { dtype: logits.dtype }), logProbs), -1)));
 * ```
 */
export function logSoftmax(x: TensorLike, options?: { axis?: number }): TensorLike {
  const { axis = -1 } = checkOptions('logSoftmax', options, { axis: true });
  const kept = { axis, keepDims: true } as const;
  return bindCustom(
    'logSoftmax',
    [x],
    ([v]) => {
      const z = sub(v, stableShift(v, kept));
      return { out: sub(z, log(sum(exp(z), kept))), residuals: undefined };
    },
    (_, __, out) => (ct) => [() => sub(ct, mul(exp(out), sum(ct, kept)))],
  );
}
