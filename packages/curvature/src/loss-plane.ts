import type { TensorLike } from '@downhill/autograd';
import { InvalidArgumentError } from '@downhill/backend';
import { filterNormalized } from './directions.js';
import { lossAt } from './evaluate.js';
import { dot, fromHost, layoutOf, toHost, type FlatLayout } from './flat.js';
import { checkLoss } from './hessian-operator.js';
import { keyFrom, type RandomOptions } from './keys.js';
import { checkOptions } from './options.js';

/** Options of {@link lossPlane}. */
export interface LossPlaneOptions<P> extends RandomOptions {
  /** The two directions spanning the plane, trees like the parameters. Default: two filter-normalized random directions (biases left out), from `key` or `seed`. */
  readonly directions?: readonly [P, P];
  /** Where the first coordinate runs. Default [-1, 1]. */
  readonly xRange?: readonly [number, number];
  /** Where the second coordinate runs. Default: `xRange`. */
  readonly yRange?: readonly [number, number];
  /** Grid points along each axis. Default 21. */
  readonly resolution?: number;
}

/** What {@link lossPlane} returns: a grid ready for a contour or heat-map plot. */
export interface LossPlane<P> {
  /** The first coordinates, ascending. */
  readonly x: number[];
  /** The second coordinates, ascending. */
  readonly y: number[];
  /** `loss[j][i]` is the loss at `center + x[i]·d₁ + y[j]·d₂`. */
  readonly loss: number[][];
  /** The directions used (new tensors when they were drawn here; the caller's to dispose). */
  readonly directions: readonly [P, P];
}

/**
 * The loss over a plane through `center` (Li et al. 2018): a 2-D slice of the loss surface, by
 * default in two filter-normalized random directions, so that the picture's scale is comparable
 * across layers and networks. Pass `directions` from {@link trajectoryDirections} to draw an
 * optimizer's path on it (with {@link projectOntoPlane}).
 *
 * Math: `L(θ + x·d₁ + y·d₂)` on a `resolution × resolution` grid of (x, y).
 *
 * @param loss - a scalar function of the parameter tree.
 * @param center - θ, a tree of float tensors.
 * @param options - `directions` (or `key`/`seed` for random ones), `xRange`, `yRange`, `resolution`.
 * @returns the coordinates, the grid of losses and the directions.
 *
 * @example
 * ```ts
 * const { x, y, loss: z } = await lossPlane((p) => loss(p, xs, ys), params, { resolution: 31, seed: 0 });
 * ```
 *
 * Li, Xu, Taylor, Studer and Goldstein, "Visualizing the loss landscape of neural nets" (NeurIPS 2018).
 */
export async function lossPlane<P>(loss: (params: P) => TensorLike, center: P, options: LossPlaneOptions<P> = {}): Promise<LossPlane<P>> {
  const where = 'lossPlane';
  checkOptions(options, ['directions', 'xRange', 'yRange', 'resolution', 'key', 'seed'], where);
  checkLoss(loss, where);
  const { xRange = [-1, 1], resolution = 21 } = options;
  const yRange = options.yRange ?? xRange;
  for (const [name, r] of [
    ['xRange', xRange],
    ['yRange', yRange],
  ] as const) {
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[1] > r[0]))
      throw new InvalidArgumentError(`${where}: ${name} must be [lo, hi] with lo < hi, got ${JSON.stringify(r)}`);
  }
  if (!Number.isInteger(resolution) || resolution < 2)
    throw new InvalidArgumentError(`${where}: resolution must be an integer ≥ 2, got ${String(resolution)}`);
  const layout = layoutOf(center, where);
  const theta = await toHost(center, layout);
  let d1: Float64Array;
  let d2: Float64Array;
  let directions: readonly [P, P];
  if (options.directions !== undefined) {
    if (!Array.isArray(options.directions) || options.directions.length !== 2)
      throw new InvalidArgumentError(`${where}: directions must be a pair of trees like the parameters`);
    [d1, d2] = await Promise.all(options.directions.map((d) => toHost(d, checkLike(layout, d, where))));
    directions = options.directions;
  } else {
    // The same key path as filterNormalizedDirections: one seed gives the same directions in both.
    const key = keyFrom(options, 'filterNormalizedDirections');
    d1 = filterNormalized(theta, layout, key.fold(0).normal(layout.size), 'zero');
    d2 = filterNormalized(theta, layout, key.fold(1).normal(layout.size), 'zero');
    directions = [fromHost<P>(d1, layout), fromHost<P>(d2, layout)];
  }
  const axis = (r: readonly [number, number]) =>
    Array.from({ length: resolution }, (_, i) => r[0] + ((r[1] - r[0]) * i) / (resolution - 1));
  const x = axis(xRange);
  const y = axis(yRange);
  const point = new Float64Array(layout.size);
  const grid: number[][] = [];
  for (const b of y) {
    const row: number[] = [];
    for (const a of x) {
      for (let i = 0; i < point.length; i++) point[i] = theta[i] + a * d1[i] + b * d2[i];
      row.push(await lossAt(loss, point, layout, where));
    }
    grid.push(row);
  }
  return { x, y, loss: grid, directions };
}

/**
 * The coordinates of parameter sets in the plane through `center` spanned by two directions, by
 * least squares (the directions need not be orthogonal): for drawing a training path over
 * {@link lossPlane}'s grid.
 *
 * Math: for each θ, the (x, y) minimizing `‖θ − center − x·d₁ − y·d₂‖`, from the 2 × 2 normal
 * equations.
 *
 * @param points - parameter trees like `center`.
 * @param center - the plane's origin.
 * @param directions - the pair spanning it.
 * @returns one `{ x, y }` per point.
 *
 * @example
 * ```ts
 * const path = await projectOntoPlane(snapshots, trained, plane.directions);
 * ```
 */
export async function projectOntoPlane<P>(
  points: readonly P[],
  center: P,
  directions: readonly [P, P],
): Promise<{ x: number; y: number }[]> {
  const where = 'projectOntoPlane';
  if (!Array.isArray(directions) || directions.length !== 2)
    throw new InvalidArgumentError(`${where}: directions must be a pair of trees like the parameters`);
  const layout = layoutOf(center, where);
  const c = await toHost(center, layout);
  const d1 = await toHost(directions[0], checkLike(layout, directions[0], where));
  const d2 = await toHost(directions[1], checkLike(layout, directions[1], where));
  const a11 = dot(d1, d1);
  const a12 = dot(d1, d2);
  const a22 = dot(d2, d2);
  const det = a11 * a22 - a12 * a12;
  if (!(Math.abs(det) > 1e-12 * a11 * a22))
    throw new InvalidArgumentError(`${where}: the two directions are parallel (or zero); they span no plane`);
  const out: { x: number; y: number }[] = [];
  for (const p of points) {
    const v = await toHost(p, checkLike(layout, p, where));
    for (let i = 0; i < v.length; i++) v[i] -= c[i];
    const b1 = dot(d1, v);
    const b2 = dot(d2, v);
    out.push({ x: (a22 * b1 - a12 * b2) / det, y: (a11 * b2 - a12 * b1) / det });
  }
  return out;
}

function checkLike(layout: FlatLayout, tree: unknown, where: string): FlatLayout {
  const other = layoutOf(tree, where);
  if (
    other.leaves.length !== layout.leaves.length ||
    other.leaves.some((l, i) => l.path !== layout.leaves[i].path || l.size !== layout.leaves[i].size)
  ) {
    throw new InvalidArgumentError(
      `${where}: a tree does not match the parameters (expected leaves ${layout.leaves.map((l) => `${l.path}[${l.size}]`).join(', ')}; got ${other.leaves.map((l) => `${l.path}[${l.size}]`).join(', ')})`,
    );
  }
  return layout;
}
