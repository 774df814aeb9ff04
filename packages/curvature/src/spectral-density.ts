import { InvalidArgumentError } from '@downhill/backend';
import { checkLoss, hessianOperator, type LossFn } from './hessian-operator.js';
import { keyFrom, rademacher, type RandomOptions } from './keys.js';
import { lanczos, ritz } from './lanczos.js';
import { checkOptions } from './options.js';

/** Options of {@link hessianSpectralDensity}. */
export interface SpectralDensityOptions extends RandomOptions {
  /** Independent Lanczos runs (random probes) to average. Default 10. */
  readonly runs?: number;
  /** Lanczos steps per run, m; the quadrature of each run has m nodes. Default `min(n, 80)`. */
  readonly iterations?: number;
  /** Points of the grid the density is returned on. Default 1000. */
  readonly gridSize?: number;
  /** The standard deviation of the Gaussian each node is spread into. Default PyHessian's: `√(1e-5 · max(1, λmax − λmin))`. */
  readonly sigma?: number;
}

/** What {@link hessianSpectralDensity} returns: a density over eigenvalues, ready to draw. */
export interface SpectralDensity {
  /** Eigenvalues at which the density is given, evenly spaced, ascending. */
  readonly grid: number[];
  /** The density at each grid point, normalized so that the trapezoid rule over the grid gives 1. Multiply by n for an eigenvalue count per unit. */
  readonly density: number[];
  /** The quadrature nodes (Ritz values) of each run. */
  readonly nodes: number[][];
  /** Their weights (the squared first components of T's eigenvectors); each run's weights sum to 1. */
  readonly weights: number[][];
  /** The broadening used. */
  readonly sigma: number;
  /** The number of parameters n. */
  readonly dimension: number;
}

/**
 * The eigenvalue density of the Hessian by stochastic Lanczos quadrature (SLQ), as PyHessian's
 * `density()` computes it: the whole spectrum at the cost of `runs × iterations` Hessian-vector
 * products, where a dense eigendecomposition needs n products and O(n³) work.
 *
 * Math: the spectral density `φ(t) = (1/n) Σᵢ δ(t − λᵢ)` is approximated for each run by a Gauss
 * quadrature: Lanczos with full reorthogonalization, m steps from `v = z/√n` (z Rademacher), gives
 * T whose eigenvalues θⱼ are the nodes and whose eigenvectors' squared first components
 * `wⱼ = s_{1j}²` the weights, so that `Σⱼ wⱼ f(θⱼ) ≈ vᵀf(H)v`, exactly for polynomials of degree
 * below 2m; averaged over runs this is an unbiased estimate of `(1/n)·tr f(H)`. Each node is
 * spread into a Gaussian of standard deviation σ and the mixture is evaluated on an even grid from
 * the smallest node − 5σ to the largest + 5σ, then normalized on the grid (as PyHessian does).
 * The moments of the nodes and weights are the estimates to use for moments; the grid's are those
 * plus σ² of broadening in the variance.
 *
 * @param loss - a scalar function of the parameter tree.
 * @param params - the point: a tree of float tensors on one backend.
 * @param options - `runs`, `iterations`, `gridSize`, `sigma`, and `key` or `seed`.
 * @returns the density on a grid, with each run's nodes and weights.
 *
 * @example
 * ```ts
 * const { grid, density } = await hessianSpectralDensity((p) => loss(p, x, y), params, { runs: 5, iterations: 60 });
 * ```
 *
 * Lin, Saad and Yang, "Approximating spectral densities of large matrices" (2016); Ubaru, Chen and
 * Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos quadrature" (2017); Ghorbani, Krishnan
 * and Xiao (2019); Yao et al., "PyHessian" (2020).
 */
export async function hessianSpectralDensity<P>(
  loss: LossFn<P>,
  params: P,
  options: SpectralDensityOptions = {},
): Promise<SpectralDensity> {
  const where = 'hessianSpectralDensity';
  checkOptions(options, ['runs', 'iterations', 'gridSize', 'sigma', 'key', 'seed'], where);
  checkLoss(loss, where);
  const op = hessianOperator(loss, params, where);
  const n = op.layout.size;
  const { runs = 10, iterations = Math.min(n, 80), gridSize = 1000 } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new InvalidArgumentError(`${where}: runs must be a positive integer, got ${String(runs)}`);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > n)
    throw new InvalidArgumentError(
      `${where}: iterations must be an integer in [1, ${n}] (the number of parameters), got ${String(iterations)}`,
    );
  if (!Number.isInteger(gridSize) || gridSize < 2)
    throw new InvalidArgumentError(`${where}: gridSize must be an integer ≥ 2, got ${String(gridSize)}`);
  if (options.sigma !== undefined && !(options.sigma > 0 && Number.isFinite(options.sigma)))
    throw new InvalidArgumentError(`${where}: sigma must be a positive number, got ${String(options.sigma)}`);
  const key = keyFrom(options, where);
  const nodes: number[][] = [];
  const weights: number[][] = [];
  for (let r = 0; r < runs; r++) {
    const k = key.fold(r);
    // An invariant subspace ends a run early: its quadrature is then exact for every polynomial.
    const state = await lanczos(op.apply, rademacher(k, n), { steps: iterations, key: k, restart: false });
    const eig = ritz(state);
    nodes.push(Array.from(eig.values));
    weights.push(eig.vectors.map((s) => s[0] * s[0]));
  }
  const lo = Math.min(...nodes.map((xs) => xs[0]));
  const hi = Math.max(...nodes.map((xs) => xs[xs.length - 1]));
  const sigma = options.sigma ?? Math.sqrt(1e-5 * Math.max(1, hi - lo));
  const start = lo - 5 * sigma;
  const step = (hi - lo + 10 * sigma) / (gridSize - 1);
  const grid = Array.from({ length: gridSize }, (_, i) => start + i * step);
  const density = grid.map((t) => {
    let s = 0;
    for (let r = 0; r < runs; r++) {
      const xs = nodes[r];
      const ws = weights[r];
      for (let j = 0; j < xs.length; j++) s += ws[j] * Math.exp(-((t - xs[j]) ** 2) / (2 * sigma * sigma));
    }
    return s / (runs * sigma * Math.sqrt(2 * Math.PI));
  });
  let mass = 0;
  for (let i = 1; i < gridSize; i++) mass += ((density[i - 1] + density[i]) / 2) * step;
  return { grid, density: density.map((d) => d / mass), nodes, weights, sigma, dimension: n };
}
