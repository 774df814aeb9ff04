import { InvalidArgumentError } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';
import { layoutOf, toHost } from './flat.js';
import { lossAt } from './evaluate.js';
import { checkLoss } from './hessian-operator.js';
import { checkOptions } from './options.js';

/** Options of {@link lossAlongLine}. */
export interface LossAlongLineOptions {
  /** The interpolation coefficients α to evaluate at. Default: `points` values evenly spaced over `range`. */
  readonly alphas?: readonly number[];
  /** Where α runs: 0 is `from`, 1 is `to`. Default [-0.5, 1.5]. */
  readonly range?: readonly [number, number];
  /** How many evenly spaced α when `alphas` is not given. Default 41. */
  readonly points?: number;
}

/** What {@link lossAlongLine} returns: a curve ready to draw. */
export interface LossAlongLine {
  /** The coefficients α. */
  readonly alphas: number[];
  /** The loss at `(1 − α)·from + α·to` for each α. */
  readonly losses: number[];
}

/**
 * The loss along the straight line through two parameter sets (Goodfellow, Vinyals and Saxe
 * 2015): typically from the initialization to the trained weights, to see whether the path
 * crosses a barrier or descends monotonically; or between two solutions (mode connectivity).
 *
 * Math: `L((1 − α)·θ₀ + α·θ₁)` for each α; α in [0, 1] is the segment, outside it the line extends.
 *
 * @param loss - a scalar function of the parameter tree.
 * @param from - θ₀, a tree of float tensors.
 * @param to - θ₁, a tree like `from`.
 * @param options - `alphas`, or `range` and `points`.
 * @returns the α and the loss at each.
 *
 * @example
 * ```ts
 * const { alphas, losses } = await lossAlongLine((p) => loss(p, x, y), initial, trained, { range: [-0.25, 1.25] });
 * ```
 *
 * Goodfellow, Vinyals and Saxe, "Qualitatively characterizing neural network optimization
 * problems" (ICLR 2015).
 */
export async function lossAlongLine<P>(
  loss: (params: P) => TensorLike,
  from: P,
  to: P,
  options: LossAlongLineOptions = {},
): Promise<LossAlongLine> {
  const where = 'lossAlongLine';
  checkOptions(options, ['alphas', 'range', 'points'], where);
  checkLoss(loss, where);
  const layout = layoutOf(from, where);
  const other = layoutOf(to, where);
  const mismatch =
    other.leaves.length !== layout.leaves.length ||
    other.leaves.some((l, i) => l.path !== layout.leaves[i].path || l.size !== layout.leaves[i].size);
  if (mismatch || other.backend !== layout.backend) {
    throw new InvalidArgumentError(
      `${where}: 'to' must have the leaves, sizes and backend of 'from' (from: ${layout.leaves.map((l) => `${l.path}[${l.size}]`).join(', ')}; to: ${other.leaves.map((l) => `${l.path}[${l.size}]`).join(', ')})`,
    );
  }
  const { range = [-0.5, 1.5], points = 41 } = options;
  let alphas: number[];
  if (options.alphas !== undefined) {
    if (!Array.isArray(options.alphas) || options.alphas.length === 0 || options.alphas.some((a) => !Number.isFinite(a)))
      throw new InvalidArgumentError(`${where}: alphas must be a non-empty list of finite numbers`);
    alphas = [...options.alphas];
  } else {
    if (!Array.isArray(range) || range.length !== 2 || !(range[1] > range[0]) || !range.every(Number.isFinite))
      throw new InvalidArgumentError(`${where}: range must be [lo, hi] with lo < hi, got ${JSON.stringify(range)}`);
    if (!Number.isInteger(points) || points < 2)
      throw new InvalidArgumentError(`${where}: points must be an integer ≥ 2, got ${String(points)}`);
    alphas = Array.from({ length: points }, (_, i) => range[0] + ((range[1] - range[0]) * i) / (points - 1));
  }
  const a = await toHost(from, layout);
  const b = await toHost(to, layout);
  const theta = new Float64Array(layout.size);
  const losses: number[] = [];
  for (const alpha of alphas) {
    for (let i = 0; i < theta.length; i++) theta[i] = (1 - alpha) * a[i] + alpha * b[i];
    losses.push(await lossAt(loss, theta, layout, where));
  }
  return { alphas, losses };
}
