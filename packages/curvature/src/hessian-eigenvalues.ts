import { InvalidArgumentError } from '@downhill/backend';
import { fromHost } from './flat.js';
import { checkOptions } from './options.js';
import { checkLoss, hessianOperator, type LossFn } from './hessian-operator.js';
import { keyFrom, type RandomOptions } from './keys.js';
import { combine, lanczos, ritz, type LanczosState } from './lanczos.js';
import type { TridiagonalEigen } from './tridiagonal-eigen.js';

/** Which end of the spectrum {@link hessianEigenvalues} looks for. */
export type SpectrumEnd = 'largest' | 'smallest' | 'both';

/** Options of {@link hessianEigenvalues}. */
export interface HessianEigenvaluesOptions extends RandomOptions {
  /** How many eigenvalues at each wanted end. Default 1. */
  readonly k?: number;
  /** `largest` (algebraically: the sharpest directions), `smallest` (the most negative: saddles), or `both`. Default `largest`. */
  readonly which?: SpectrumEnd;
  /** At most this many Lanczos steps (Hessian-vector products). Default `min(n, max(4k + 20, 60))`. */
  readonly maxIterations?: number;
  /** A Ritz pair has converged when its residual `‖H·y − θ·y‖` is at most `tolerance · max|θ|`. Default 1e-8. */
  readonly tolerance?: number;
  /** Return the eigenvectors as parameter trees. Default true. */
  readonly vectors?: boolean;
}

/** One eigenvalue of the Hessian with its eigenvector and how well it is known. */
export interface EigenPair<P> {
  /** The eigenvalue (a Ritz value). */
  readonly value: number;
  /** The unit eigenvector as a tree like the parameters (new tensors, the caller's to dispose); absent with `vectors: false`. */
  readonly vector?: P;
  /** `‖H·y − θ·y‖` as the Lanczos recurrence gives it; the eigenvalue's error is at most this, and about its square over the gap to the next one. */
  readonly residual: number;
  /** Whether `residual ≤ tolerance · max|θ|`. */
  readonly converged: boolean;
}

/** How a Lanczos run went. */
export interface ConvergenceReport {
  /** Lanczos steps taken (one Hessian-vector product each). */
  readonly iterations: number;
  /** Whether every wanted pair converged. */
  readonly converged: boolean;
  /** The largest residual among the wanted pairs, relative to `max|θ|`. */
  readonly relativeResidual: number;
  /** The tolerance it was held to. */
  readonly tolerance: number;
  /** Whether the basis came to span the whole parameter space (every eigenvalue found exactly). */
  readonly complete: boolean;
  /** The number of parameters n. */
  readonly dimension: number;
}

/** What {@link hessianEigenvalues} returns. */
export interface HessianEigenvalues<P> {
  /** The largest eigenvalues, descending (empty with `which: 'smallest'`). */
  readonly largest: EigenPair<P>[];
  /** The smallest eigenvalues, ascending (empty with `which: 'largest'`). A negative one is a direction of negative curvature: the point is a saddle, not a minimum. */
  readonly smallest: EigenPair<P>[];
  /** How the run went. */
  readonly report: ConvergenceReport;
}

/**
 * The extreme eigenvalues and eigenvectors of the Hessian of `loss` at `params`, by the Lanczos
 * iteration with full reorthogonalization over Hessian-vector products (the Hessian is never
 * formed). Works for float32 and float64 parameters on any backend: the products run on the
 * backend, the small vector algebra runs on the host in float64.
 *
 * Math: from a random unit vector q₁, Lanczos builds an orthonormal basis Q of the Krylov space
 * span{q₁, Hq₁, H²q₁, …} in which `QᵀHQ = T` is tridiagonal; the eigenvalues θ of T (Ritz
 * values) approach H's extreme eigenvalues first, and `y = Q·s` approaches the eigenvectors.
 * With `β` the last off-diagonal, `‖H·y − θ·y‖ = β·|s_last|` is the convergence test. When the
 * Krylov space closes before the wanted pairs are found (repeated eigenvalues), the iteration
 * continues from a fresh random direction orthogonal to the basis, and runs on until the basis
 * spans the space or `maxIterations`, so repeated eigenvalues show up with their multiplicity
 * (such exact closure happens for small or structured Hessians; a single Lanczos run otherwise
 * finds one copy of each eigenvalue).
 *
 * Cost: up to `maxIterations` Hessian-vector products (each about twice a gradient) and
 * `maxIterations × n` float64 numbers of host memory for the basis.
 *
 * @param loss - a scalar function of the parameter tree (use `@downhill/autograd`'s `ops`).
 * @param params - the point θ: a tree of float tensors on one backend.
 * @param options - `k`, `which`, `maxIterations`, `tolerance`, `vectors`, and `key` or `seed` for the start vector.
 * @returns the eigenpairs at the wanted ends and a convergence report.
 * @throws InvalidArgumentError for a bad option, a non-function loss or a tree without float tensors.
 *
 * @example
 * ```ts
 * const { largest, smallest, report } = await hessianEigenvalues((p) => loss(p, x, y), params, { k: 3, which: 'both' });
 * console.log(largest[0].value, smallest[0].value, report.converged);
 * ```
 *
 * Lanczos, "An iteration method for the solution of the eigenvalue problem of linear differential
 * and integral operators" (1950); Golub and Van Loan, "Matrix Computations", §10.1; Ghorbani,
 * Krishnan and Xiao, "An investigation into neural net optimization via Hessian eigenvalue
 * density" (2019); Yao et al., "PyHessian" (2020).
 */
export async function hessianEigenvalues<P>(
  loss: LossFn<P>,
  params: P,
  options: HessianEigenvaluesOptions = {},
): Promise<HessianEigenvalues<P>> {
  const where = 'hessianEigenvalues';
  checkOptions(options, ['k', 'which', 'maxIterations', 'tolerance', 'vectors', 'key', 'seed'], where);
  const { k = 1, which = 'largest', tolerance = 1e-8, vectors = true } = options;
  checkLoss(loss, where);
  const op = hessianOperator(loss, params, where);
  const n = op.layout.size;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new InvalidArgumentError(`${where}: k must be an integer in [1, ${n}] (the number of parameters), got ${String(k)}`);
  if (which !== 'largest' && which !== 'smallest' && which !== 'both')
    throw new InvalidArgumentError(`${where}: which must be 'largest', 'smallest' or 'both', got ${String(which)}`);
  if (!(tolerance > 0)) throw new InvalidArgumentError(`${where}: tolerance must be positive, got ${String(tolerance)}`);
  const maxIterations = options.maxIterations ?? Math.min(n, Math.max(4 * k + 20, 60));
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new InvalidArgumentError(`${where}: maxIterations must be a positive integer, got ${String(maxIterations)}`);
  const key = keyFrom(options, where);

  const wanted = (eig: TridiagonalEigen) => {
    const m = eig.values.length;
    const top = which === 'smallest' ? [] : Array.from({ length: Math.min(k, m) }, (_, i) => m - 1 - i);
    const bottom = which === 'largest' ? [] : Array.from({ length: Math.min(k, m) }, (_, i) => i);
    return { top, bottom };
  };
  const residualOf = (state: LanczosState, eig: TridiagonalEigen, i: number) => {
    const s = eig.vectors[i];
    return state.residualNorm * Math.abs(s[s.length - 1]);
  };
  const spread = (eig: TridiagonalEigen) =>
    Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[eig.values.length - 1]), Number.MIN_VALUE);
  const allConverged = (state: LanczosState, eig: TridiagonalEigen) => {
    const { top, bottom } = wanted(eig);
    if (top.length < (which === 'smallest' ? 0 : k) || bottom.length < (which === 'largest' ? 0 : k)) return false;
    const bound = tolerance * spread(eig);
    return [...top, ...bottom].every((i) => residualOf(state, eig, i) <= bound);
  };

  let closedOnce = false;
  const state = await lanczos(op.apply, key.fold('start').normal(n), {
    steps: maxIterations,
    key: key.fold('restart'),
    restart: true,
    after: (s) => {
      const m = s.alpha.length;
      // A closed Krylov space holds one copy of each eigenvalue it met, and a restarted block may miss
      // copies too; so once the space has closed (small or structured Hessians), run on until the
      // basis spans everything or maxIterations.
      if (s.closed) closedOnce = true;
      if (closedOnce) return false;
      // Checking costs O(m³) on the host; look every step early on, then about every tenth step.
      if (m < k || (m > 40 && m % Math.ceil(m / 10) !== 0)) return false;
      return allConverged(s, ritz(s));
    },
  });
  const eig = ritz(state);
  const { top, bottom } = wanted(eig);
  const bound = spread(eig);
  const pair = (i: number): EigenPair<P> => {
    const residual = residualOf(state, eig, i);
    return {
      value: eig.values[i],
      ...(vectors ? { vector: fromHost<P>(combine(state.basis, eig.vectors[i]), op.layout) } : {}),
      residual,
      converged: residual <= tolerance * bound,
    };
  };
  const largest = top.map(pair);
  const smallest = bottom.map(pair);
  const all = [...largest, ...smallest];
  return {
    largest,
    smallest,
    report: {
      iterations: state.alpha.length,
      converged: all.every((p) => p.converged) && top.length + bottom.length === (which === 'both' ? 2 * k : k),
      relativeResidual: Math.max(0, ...all.map((p) => p.residual / bound)),
      tolerance,
      complete: state.complete,
      dimension: n,
    },
  };
}
