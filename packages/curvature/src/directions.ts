import { InvalidArgumentError } from '@downhill/backend';
import { rng } from '@downhill/initializers';
import { dot, fromHost, layoutOf, norm, toHost, type FlatLayout } from './flat.js';
import { keyFrom, type RandomOptions } from './keys.js';
import { lanczos, ritz } from './lanczos.js';
import { checkOptions } from './options.js';

/** Options of {@link filterNormalizedDirections}. */
export interface FilterNormalizedOptions extends RandomOptions {
  /** How many directions. Default 2. */
  readonly count?: number;
  /** What to do with parameters of rank 0 or 1 (biases, normalization scales): `zero` leaves them out of the direction (Li et al.'s `ignore='biasbn'`), `normalize` scales each as one filter. Default `zero`. */
  readonly vectors?: 'zero' | 'normalize';
}

/**
 * Random directions in parameter space, filter-normalized (Li et al. 2018): each filter of the
 * direction is rescaled to the norm of the same filter of the parameters, so that a step of 1
 * along it means the same relative change in every layer whatever its scale, and plots of
 * different networks compare.
 *
 * Math: `d ~ N(0, I)`, then for each filter `d_f ← d_f · ‖θ_f‖ / ‖d_f‖`. A filter is the set of
 * weights that make one output unit: with this project's layouts (dense kernels
 * `[in, out]`, convolution kernels `[...kernel, in, out]`) it is one index of the last axis.
 *
 * @param params - the point θ (its filter norms set the scale).
 * @param options - `count`, `vectors`, and `key` or `seed`.
 * @returns `count` direction trees like `params` (new tensors, the caller's to dispose).
 *
 * @example
 * ```ts
 * const [dx, dy] = await filterNormalizedDirections(params, { seed: 1 });
 * ```
 *
 * Li, Xu, Taylor, Studer and Goldstein, "Visualizing the loss landscape of neural nets" (NeurIPS 2018).
 */
export async function filterNormalizedDirections<P>(params: P, options: FilterNormalizedOptions = {}): Promise<P[]> {
  const where = 'filterNormalizedDirections';
  checkOptions(options, ['count', 'vectors', 'key', 'seed'], where);
  const { count = 2, vectors = 'zero' } = options;
  if (!Number.isInteger(count) || count < 1)
    throw new InvalidArgumentError(`${where}: count must be a positive integer, got ${String(count)}`);
  if (vectors !== 'zero' && vectors !== 'normalize')
    throw new InvalidArgumentError(`${where}: vectors must be 'zero' or 'normalize', got ${String(vectors)}`);
  const layout = layoutOf(params, where);
  const theta = await toHost(params, layout);
  const key = keyFrom(options, where);
  return Array.from({ length: count }, (_, i) =>
    fromHost<P>(filterNormalized(theta, layout, key.fold(i).normal(layout.size), vectors), layout),
  );
}

/** Rescales `d` filter by filter to the filter norms of `theta`, in place; returns it. @internal */
export function filterNormalized(theta: Float64Array, layout: FlatLayout, d: Float64Array, vectors: 'zero' | 'normalize'): Float64Array {
  for (const leaf of layout.leaves) {
    const rank = leaf.shape.length;
    if (rank <= 1 && vectors === 'zero') {
      d.fill(0, leaf.offset, leaf.offset + leaf.size);
      continue;
    }
    const filters = rank <= 1 ? 1 : leaf.shape[rank - 1];
    for (let f = 0; f < filters; f++) {
      let nt = 0;
      let nd = 0;
      for (let i = leaf.offset + f; i < leaf.offset + leaf.size; i += filters) {
        nt += theta[i] * theta[i];
        nd += d[i] * d[i];
      }
      const s = nd > 0 ? Math.sqrt(nt) / Math.sqrt(nd) : 0;
      for (let i = leaf.offset + f; i < leaf.offset + leaf.size; i += filters) d[i] *= s;
    }
  }
  return d;
}

/** Options of {@link trajectoryDirections}. */
export interface TrajectoryDirectionsOptions<P> {
  /** The point the deviations are measured from. Default: the last point of the path. */
  readonly center?: P;
}

/** What {@link trajectoryDirections} returns. */
export interface TrajectoryDirections<P> {
  /** The two unit directions (new tensors, the caller's to dispose). */
  readonly directions: [P, P];
  /** The fraction of the path's squared deviation from the center that each direction explains. */
  readonly explained: [number, number];
}

/**
 * The two principal directions of an optimization path (Li et al. 2018, §7): random directions in
 * a high-dimensional space are almost orthogonal to the path, so a path is drawn over the loss
 * in the plane of its own first two principal components, which hold most of its movement.
 *
 * Math: with `D` the matrix whose rows are `θ_t − θ_center`, the directions are the top two right
 * singular vectors of D, found as `Dᵀu` for the top eigenvectors u of the small Gram matrix `DDᵀ`.
 *
 * @param path - the parameter trees along the path (at least two), like the parameters.
 * @param options - `center` (default: the last point).
 * @returns two orthonormal directions and the fraction of variance each explains.
 *
 * @example
 * ```ts
 * const { directions } = await trajectoryDirections(snapshots);
 * const grid = await lossPlane(loss, snapshots.at(-1)!, { directions });
 * ```
 *
 * Li, Xu, Taylor, Studer and Goldstein, "Visualizing the loss landscape of neural nets" (2018).
 */
export async function trajectoryDirections<P>(
  path: readonly P[],
  options: TrajectoryDirectionsOptions<P> = {},
): Promise<TrajectoryDirections<P>> {
  const where = 'trajectoryDirections';
  checkOptions(options, ['center'], where);
  if (!Array.isArray(path) || path.length < 2)
    throw new InvalidArgumentError(
      `${where}: path must hold at least two parameter trees, got ${Array.isArray(path) ? path.length : typeof path}`,
    );
  const layout = layoutOf(path[0], where);
  const center = await toHost(options.center ?? path[path.length - 1], layout);
  const rows: Float64Array[] = [];
  for (const p of path) {
    const v = await toHost(p, layout);
    for (let i = 0; i < v.length; i++) v[i] -= center[i];
    rows.push(v);
  }
  const m = rows.length;
  const gram = rows.map((a) => Float64Array.from(rows, (b) => dot(a, b)));
  const total = gram.reduce((s, row, i) => s + row[i], 0);
  if (!(total > 0))
    throw new InvalidArgumentError(`${where}: every point of the path equals the center; there is no movement to find directions in`);
  const key = rng(0).fold(where);
  const state = await lanczos((u) => Float64Array.from(gram, (row) => dot(row, u)), key.normal(m), { steps: m, key, restart: true });
  const eig = ritz(state);
  const k = eig.values.length;
  const pick = (j: number): [Float64Array, number] => {
    const u = new Float64Array(m);
    const s = eig.vectors[k - 1 - j];
    for (let b = 0; b < state.basis.length; b++) for (let i = 0; i < m; i++) u[i] += s[b] * state.basis[b][i];
    const d = new Float64Array(layout.size);
    for (let i = 0; i < m; i++) for (let x = 0; x < d.length; x++) d[x] += u[i] * rows[i][x];
    const nd = norm(d);
    if (nd > 0) for (let x = 0; x < d.length; x++) d[x] /= nd;
    return [d, Math.max(0, eig.values[k - 1 - j]) / total];
  };
  const [d1, e1] = pick(0);
  const [d2, e2] = k > 1 ? pick(1) : [new Float64Array(layout.size), 0];
  return { directions: [fromHost<P>(d1, layout), fromHost<P>(d2, layout)], explained: [e1, e2] };
}
