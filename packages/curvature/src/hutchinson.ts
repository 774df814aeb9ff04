import { InvalidArgumentError } from '@downhill/backend';
import { dot, fromHost } from './flat.js';
import { checkLoss, hessianOperator, type LossFn } from './hessian-operator.js';
import { keyFrom, rademacher, type RandomOptions } from './keys.js';
import { checkOptions } from './options.js';

/** Options of {@link hessianTrace} and {@link hessianDiagonal}. */
export interface HutchinsonOptions extends RandomOptions {
  /** How many Rademacher probes (Hessian-vector products). Default 100. */
  readonly samples?: number;
}

/** What {@link hessianTrace} returns. */
export interface TraceEstimate {
  /** The estimate of `tr(H)`: the mean of `zᵀHz` over the probes. */
  readonly trace: number;
  /** Its standard error: the probes' sample standard deviation over √samples. */
  readonly standardError: number;
  /** Each probe's `zᵀHz`, in order. */
  readonly samples: number[];
}

/** What {@link hessianDiagonal} returns. */
export interface DiagonalEstimate<P> {
  /** The estimate of `diag(H)` as a tree like the parameters (new tensors, the caller's to dispose). */
  readonly diagonal: P;
  /** The standard error of each element, a tree like the parameters (new tensors). */
  readonly standardError: P;
  /** The number of probes. */
  readonly samples: number;
}

function checkSamples(samples: number, where: string): void {
  if (!Number.isInteger(samples) || samples < 2)
    throw new InvalidArgumentError(`${where}: samples must be an integer ≥ 2 (a standard error needs two), got ${String(samples)}`);
}

/**
 * The trace of the Hessian by Hutchinson's estimator with Rademacher probes: the sum of the
 * Hessian's eigenvalues (the average curvature times n) without forming the Hessian.
 *
 * Math: for z with independent ±1 entries, `E[zᵀHz] = tr(H)`, and
 * `Var[zᵀHz] = 2 Σ_{i≠j} H_ij²` (the diagonal contributes no variance, so a diagonal Hessian gives
 * the exact trace from one probe). The estimate is the mean over `samples` probes; its standard
 * error is their sample standard deviation over √samples.
 *
 * @param loss - a scalar function of the parameter tree.
 * @param params - the point: a tree of float tensors on one backend.
 * @param options - `samples` (default 100), and `key` or `seed`.
 * @returns the estimate, its standard error and the per-probe values.
 *
 * @example
 * ```ts
 * const { trace, standardError } = await hessianTrace((p) => loss(p, x, y), params, { samples: 50 });
 * ```
 *
 * Hutchinson, "A stochastic estimator of the trace of the influence matrix for Laplacian
 * smoothing splines" (1989); Avron and Toledo, "Randomized algorithms for estimating the trace of
 * an implicit symmetric positive semi-definite matrix" (2011).
 */
export async function hessianTrace<P>(loss: LossFn<P>, params: P, options: HutchinsonOptions = {}): Promise<TraceEstimate> {
  const where = 'hessianTrace';
  checkOptions(options, ['samples', 'key', 'seed'], where);
  const { samples = 100 } = options;
  checkSamples(samples, where);
  checkLoss(loss, where);
  const op = hessianOperator(loss, params, where);
  const keys = keyFrom(options, where).split(samples);
  const values: number[] = [];
  for (const key of keys) {
    const z = rademacher(key, op.layout.size);
    values.push(dot(z, await op.apply(z)));
  }
  const { mean, standardError } = meanAndError(values);
  return { trace: mean, standardError, samples: values };
}

/**
 * The diagonal of the Hessian by Hutchinson's estimator (Bekas, Kokiopoulou and Saad 2007): the
 * curvature along each coordinate, as AdaHessian and Sophia use it.
 *
 * Math: `E[z ⊙ Hz] = diag(H)` for Rademacher z; element i has variance `Σ_{j≠i} H_ij²`. The
 * estimate is the mean of `z ⊙ Hz` over `samples` probes, and each element's standard error is
 * the sample standard deviation over √samples.
 *
 * @param loss - a scalar function of the parameter tree.
 * @param params - the point: a tree of float tensors on one backend.
 * @param options - `samples` (default 100), and `key` or `seed`.
 * @returns the diagonal and its standard errors as trees like `params`.
 *
 * @example
 * ```ts
 * const { diagonal, standardError } = await hessianDiagonal((p) => loss(p, x, y), params);
 * ```
 *
 * Bekas, Kokiopoulou and Saad, "An estimator for the diagonal of a matrix" (2007).
 */
export async function hessianDiagonal<P>(loss: LossFn<P>, params: P, options: HutchinsonOptions = {}): Promise<DiagonalEstimate<P>> {
  const where = 'hessianDiagonal';
  checkOptions(options, ['samples', 'key', 'seed'], where);
  const { samples = 100 } = options;
  checkSamples(samples, where);
  checkLoss(loss, where);
  const op = hessianOperator(loss, params, where);
  const n = op.layout.size;
  const mean = new Float64Array(n);
  const m2 = new Float64Array(n);
  let count = 0;
  for (const key of keyFrom(options, where).split(samples)) {
    const z = rademacher(key, n);
    const hz = await op.apply(z);
    count++;
    for (let i = 0; i < n; i++) {
      // Welford's running mean and sum of squared deviations.
      const x = z[i] * hz[i];
      const d = x - mean[i];
      mean[i] += d / count;
      m2[i] += d * (x - mean[i]);
    }
  }
  const se = m2.map((s) => Math.sqrt(s / (count - 1) / count));
  return { diagonal: fromHost<P>(mean, op.layout), standardError: fromHost<P>(se, op.layout), samples: count };
}

/** The mean of `values` and its standard error (sample standard deviation over √n). @internal */
export function meanAndError(values: readonly number[]): { mean: number; standardError: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, standardError: Math.sqrt(variance / n) };
}
