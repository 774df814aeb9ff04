import { checkOptions } from '@downhill/backend';
import type { TensorLike } from '../traced.js';
import { add, erf, exp, expm1, greater, log1p, mul, neg, tanh, where } from './elementwise.js';

/**
 * The logistic sigmoid, computed stably as `½·(1 + tanh(x/2))` (no overflow for large |x|).
 *
 * Math: `σ(x) = 1 / (1 + e^(−x))`, `σ′ = σ(1 − σ)`.
 *
 * @example
 * ```ts
 * ops.sigmoid(logits);
 * ```
 */
export function sigmoid(x: TensorLike): TensorLike {
  return add(mul(tanh(mul(x, 0.5)), 0.5), 0.5);
}

/**
 * `max(x, 0)`. The gradient is 1 where `x > 0` and 0 elsewhere (0 at 0).
 *
 * @example
 * ```ts
 * ops.relu(ops.matmul(x, w));
 * ```
 */
export function relu(x: TensorLike): TensorLike {
  return where(greater(x, 0), x, 0);
}

/**
 * `x` where `x > 0`, else `alpha·x`.
 *
 * @param options - `alpha`, the negative slope (default 0.01).
 * @example
 * ```ts
 * ops.leakyRelu(x, { alpha: 0.2 });
 * ```
 * Maas, Hannun and Ng, "Rectifier nonlinearities improve neural network acoustic models" (2013).
 */
export function leakyRelu(x: TensorLike, options?: { alpha?: number }): TensorLike {
  const { alpha = 0.01 } = checkOptions('leakyRelu', options, { alpha: true });
  return where(greater(x, 0), x, mul(x, alpha));
}

/**
 * `x` where `x > 0`, else `alpha·(eˣ − 1)`. The exponential sees only the non-positive inputs
 * (0 elsewhere), so large inputs give no overflow (and no NaN gradient). At 0 the gradient is
 * `alpha` (the left derivative).
 *
 * @param options - `alpha` (default 1).
 * @example
 * ```ts
 * ops.elu(x);
 * ```
 * Clevert, Unterthiner and Hochreiter, "Fast and accurate deep network learning by exponential linear units" (2015).
 */
export function elu(x: TensorLike, options?: { alpha?: number }): TensorLike {
  const { alpha = 1 } = checkOptions('elu', options, { alpha: true });
  const positive = greater(x, 0);
  return where(positive, x, mul(expm1(where(positive, 0, x)), alpha));
}

/**
 * The Gaussian error linear unit.
 *
 * Math: exact `x·Φ(x) = ½x·(1 + erf(x/√2))`; with `approximate: true`,
 * `½x·(1 + tanh(√(2/π)·(x + 0.044715x³)))`.
 *
 * @param options - `approximate` (default false: the erf form).
 * @example
 * ```ts
 * ops.gelu(x, { approximate: true });
 * ```
 * Hendrycks and Gimpel, "Gaussian error linear units (GELUs)" (2016).
 */
export function gelu(x: TensorLike, options?: { approximate?: boolean }): TensorLike {
  const { approximate = false } = checkOptions('gelu', options, { approximate: true });
  const half = mul(x, 0.5);
  if (!approximate) return mul(half, add(erf(mul(x, Math.SQRT1_2)), 1));
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(half, add(tanh(inner), 1));
}

/**
 * `log(1 + eˣ)`, computed stably: `x + log1p(e^(−x))` for `x > 0` and `log1p(eˣ)` elsewhere, each
 * branch seeing only its own inputs, so nothing overflows and every derivative (second order
 * included) is exact at 0 too.
 *
 * Math: `softplus′(x) = σ(x)`, `softplus″(x) = σ(x)(1 − σ(x))`.
 *
 * @example
 * ```ts
 * ops.softplus(x);
 * ```
 */
export function softplus(x: TensorLike): TensorLike {
  const positive = greater(x, 0);
  const above = add(x, log1p(exp(neg(where(positive, x, 0)))));
  const below = log1p(exp(where(positive, 0, x)));
  return where(positive, above, below);
}

/** `log σ(x) = −softplus(−x)`, stable for large |x|. */
export function logSigmoid(x: TensorLike): TensorLike {
  return neg(softplus(neg(x)));
}

/**
 * The sigmoid-weighted linear unit (swish): `x·σ(x)`.
 *
 * @example
 * ```ts
 * ops.silu(x);
 * ```
 * Ramachandran, Zoph and Le, "Searching for activation functions" (2017).
 */
export function silu(x: TensorLike): TensorLike {
  return mul(x, sigmoid(x));
}
