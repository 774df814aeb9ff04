import { InvalidArgumentError, ShapeError, fmtShape } from './errors.js';

/** A tensor's shape: one non-negative integer per dimension; `[]` is a scalar. */
export type Shape = readonly number[];

/**
 * The number of elements of a shape (1 for a scalar, 0 when any dimension is 0).
 *
 * @example
 * ```ts
 * sizeOf([2, 3]); // 6
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major strides of a shape, in elements.
 *
 * @example
 * ```ts
 * stridesOf([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Throws unless `shape` is an array of non-negative integers. `where` names the caller. */
export function checkShape(shape: Shape, where: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidArgumentError(`${where}: expected a shape of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** Whether two shapes are equal. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The NumPy broadcast of two shapes: dimensions align from the right; each pair must be equal or
 * contain a 1.
 *
 * @example
 * ```ts
 * broadcastShapes([3, 1], [4]); // [3, 4]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, where = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new ShapeError(
        `${where}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (dimension ${i} of the result: ${da} vs ${db})`,
      );
    }
  }
  return out;
}

/** Whether `from` broadcasts to exactly `to`. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) if (from[i] !== 1 && from[i] !== to[i + off]) return false;
  return true;
}

/**
 * Axes normalised to sorted, distinct, non-negative integers (negative axes count from the end).
 * `undefined` means every axis.
 *
 * @example
 * ```ts
 * normalizeAxes(-1, 3); // [2]
 * ```
 */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, where = 'axes'): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axes !== 'number' && !Array.isArray(axes)) {
    throw new InvalidArgumentError(
      `${where}: axes must be an integer or a list of integers, got ${axes === null ? 'null' : typeof axes === 'object' ? 'an object' : `${typeof axes} ${String(axes)}`}`,
    );
  }
  const list: number[] = typeof axes === 'number' ? [axes] : [...axes];
  const out = new Set<number>();
  for (const a of list) out.add(normalizeAxis(a, rank, where));
  if (out.size !== list.length) throw new InvalidArgumentError(`${where}: repeated axis in ${JSON.stringify(list)}`);
  return [...out].sort((x, y) => x - y);
}

/** One axis normalised to `[0, rank)`; negative axes count from the end. */
export function normalizeAxis(axis: number, rank: number, where = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1) || (rank === 0 && axis !== 0 && axis !== -1)) {
    throw new InvalidArgumentError(
      `${where}: axis ${typeof axis === 'object' ? JSON.stringify(axis) : String(axis)} is out of range for a tensor of rank ${rank}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * The shape left by reducing `axes` (already normalised) of `shape`, keeping them as size 1 or not.
 *
 * @example
 * ```ts
 * reducedShape([2, 3, 4], [1], true); // [2, 1, 4]
 * ```
 */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/**
 * The result shape of a batched matrix product. Both operands have rank 2 or more; batch
 * dimensions broadcast; the contracted dimensions must agree.
 *
 * @example
 * ```ts
 * matmulShape([5, 2, 3], [3, 4], false, false); // [5, 2, 4]
 * ```
 */
export function matmulShape(a: Shape, b: Shape, transposeA: boolean, transposeB: boolean): number[] {
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError(`matmul: both operands need rank 2 or more, got ${fmtShape(a)} and ${fmtShape(b)}`);
  }
  const m = transposeA ? a[a.length - 1] : a[a.length - 2];
  const ka = transposeA ? a[a.length - 2] : a[a.length - 1];
  const kb = transposeB ? b[b.length - 1] : b[b.length - 2];
  const n = transposeB ? b[b.length - 2] : b[b.length - 1];
  if (ka !== kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${fmtShape(a)}${transposeA ? 'ᵀ' : ''} × ${fmtShape(b)}${transposeB ? 'ᵀ' : ''} contracts ${ka} with ${kb}`,
    );
  }
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul batch dimensions');
  return [...batch, m, n];
}

/** Throws unless `perm` is a permutation of `0..rank-1`. */
export function checkPermutation(perm: readonly number[], rank: number): void {
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new InvalidArgumentError(`transpose: ${JSON.stringify(perm)} is not a permutation of the ${rank} axes`);
  }
}
