import { InvalidArgumentError } from '@downhill/backend';
import { dot, fromHost, norm, toHost } from './flat.js';
import { checkLoss, hessianOperator, type LossFn } from './hessian-operator.js';
import { keyFrom, type RandomOptions } from './keys.js';
import { checkOptions } from './options.js';

/** Options of {@link hessianTopEigenvalue}. */
export interface PowerIterationOptions<P> extends RandomOptions {
  /** At most this many iterations (Hessian-vector products). Default 100. */
  readonly maxIterations?: number;
  /** Stop when the Rayleigh quotient changes by at most `tolerance · |λ|` between iterations. Default 1e-4. */
  readonly tolerance?: number;
  /** A start vector, a tree like the parameters (the last call's eigenvector makes a warm start during training). Default: a random normal vector. */
  readonly init?: P;
}

/** What {@link hessianTopEigenvalue} returns. */
export interface TopEigenvalue<P> {
  /** The eigenvalue of largest magnitude (the Rayleigh quotient of the last iterate). */
  readonly value: number;
  /** Its unit eigenvector as a tree like the parameters (new tensors, the caller's to dispose). */
  readonly vector: P;
  /** Iterations taken. */
  readonly iterations: number;
  /** Whether the stopping rule was met before `maxIterations`. */
  readonly converged: boolean;
  /** `|λ_t − λ_{t−1}| / |λ_t|` at the end. */
  readonly relativeChange: number;
  /** `‖H·v − λ·v‖` of the returned pair. */
  readonly residual: number;
}

/**
 * The Hessian's eigenvalue of largest magnitude by power iteration, as PyHessian's
 * `eigenvalues()` computes the "top eigenvalue": the sharpness of the loss at `params`, the number
 * to set beside `2/η` when training with gradient descent at learning rate η.
 *
 * Math: `v ← H·v / ‖H·v‖`, `λ = vᵀHv`. It converges to the eigenvalue of largest |λ| at the rate
 * `|λ₂/λ₁|` per iteration; for the algebraically largest and smallest eigenvalues, and a report
 * on their residuals, use {@link hessianEigenvalues} (Lanczos), which needs far fewer products
 * when the top eigenvalues are close together.
 *
 * @param loss - a scalar function of the parameter tree.
 * @param params - the point: a tree of float tensors on one backend.
 * @param options - `maxIterations`, `tolerance`, `init`, and `key` or `seed`.
 * @returns the eigenvalue, its eigenvector, and how the iteration went.
 *
 * @example
 * ```ts
 * const sharpness = await hessianTopEigenvalue((p) => loss(p, x, y), params);
 * console.log(sharpness.value, 2 / lr);
 * ```
 *
 * Yao et al., "PyHessian: Neural networks through the lens of the Hessian" (2020); Cohen et al.,
 * "Gradient descent on neural networks typically occurs at the edge of stability" (2021).
 */
export async function hessianTopEigenvalue<P>(
  loss: LossFn<P>,
  params: P,
  options: PowerIterationOptions<P> = {},
): Promise<TopEigenvalue<P>> {
  const where = 'hessianTopEigenvalue';
  checkOptions(options, ['maxIterations', 'tolerance', 'init', 'key', 'seed'], where);
  const { maxIterations = 100, tolerance = 1e-4, init } = options;
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new InvalidArgumentError(`${where}: maxIterations must be a positive integer, got ${String(maxIterations)}`);
  if (!(tolerance >= 0)) throw new InvalidArgumentError(`${where}: tolerance must be non-negative, got ${String(tolerance)}`);
  checkLoss(loss, where);
  const op = hessianOperator(loss, params, where);
  const n = op.layout.size;
  let v = init === undefined ? keyFrom(options, where).normal(n) : await toHost(init, op.layout);
  const v0 = norm(v);
  if (!(v0 > 0) || !Number.isFinite(v0))
    throw new InvalidArgumentError(`${where}: the start vector must be finite and nonzero; its norm is ${v0}`);
  v = v.map((x) => x / v0);
  let value = 0;
  let change = Infinity;
  let hv = await op.apply(v);
  let iterations = 1;
  value = dot(v, hv);
  let converged = false;
  while (iterations < maxIterations) {
    const s = norm(hv);
    if (s === 0) {
      converged = true;
      change = 0;
      break;
    }
    v = hv.map((x) => x / s);
    hv = await op.apply(v);
    iterations++;
    const next = dot(v, hv);
    change = Math.abs(next - value) / Math.max(Math.abs(next), Number.MIN_VALUE);
    value = next;
    if (change <= tolerance) {
      converged = true;
      break;
    }
  }
  let r = 0;
  for (let i = 0; i < n; i++) r += (hv[i] - value * v[i]) ** 2;
  return { value, vector: fromHost<P>(v, op.layout), iterations, converged, relativeChange: change, residual: Math.sqrt(r) };
}
