import { InvalidArgumentError, ShapeError, fmtShape } from './errors.js';

/**
 * Padding of a windowed operation (convolution, windowed reduction), per spatial axis:
 * - `'VALID'`: none; windows lie wholly inside the (dilated) input.
 * - `'SAME'`: `ceil(in / stride)` outputs per axis, the total padding split with the smaller half
 *   before (as XLA, JAX and TensorFlow; with dilations, of the dilated input and window).
 * - explicit `[before, after]` pairs, one per spatial axis; negative values crop, as in XLA.
 */
export type Padding = 'VALID' | 'SAME' | readonly (readonly [number, number])[];

/**
 * The resolved geometry of one windowed axis family: complete, per spatial axis. What kernels and
 * derivative rules receive (never the user's shorthand).
 */
export interface WindowGeometry {
  /** Step between windows, per spatial axis (≥ 1). */
  readonly strides: readonly number[];
  /** `[before, after]` per spatial axis (may be negative: cropping). */
  readonly padding: readonly (readonly [number, number])[];
  /** Input dilation: `d − 1` zeros (holes) between input elements, per axis (≥ 1). */
  readonly lhsDilation: readonly number[];
  /** Window dilation: `d − 1` skipped elements between window taps, per axis (≥ 1). */
  readonly rhsDilation: readonly number[];
}

/** Size of an axis of `n` elements with `d − 1` holes between neighbours (0 stays 0). */
export const dilatedSize = (n: number, d: number): number => (n === 0 ? 0 : (n - 1) * d + 1);

/** `[v, v, …]` of length `n` from a number, or a checked array of positive integers. */
export function perAxis(v: number | readonly number[] | undefined, n: number, what: string, where: string): number[] {
  const arr = v === undefined ? new Array<number>(n).fill(1) : typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (!Array.isArray(arr) || arr.length !== n || arr.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new InvalidArgumentError(
      `${where}: ${what} must be a positive integer or ${n} positive integers (one per spatial axis), got ${JSON.stringify(v)}`,
    );
  }
  return arr;
}

/**
 * Explicit `[before, after]` pairs from a {@link Padding}, given the input sizes, window sizes,
 * strides and dilations per axis.
 */
export function resolvePadding(
  padding: Padding | undefined,
  inSizes: readonly number[],
  windowSizes: readonly number[],
  strides: readonly number[],
  lhsDilation: readonly number[],
  rhsDilation: readonly number[],
  where: string,
): [number, number][] {
  const n = inSizes.length;
  if (padding === undefined || padding === 'VALID') return inSizes.map(() => [0, 0]);
  if (padding === 'SAME') {
    return inSizes.map((s, i) => {
      const inD = dilatedSize(s, lhsDilation[i]);
      const wD = dilatedSize(windowSizes[i], rhsDilation[i]);
      const out = Math.ceil(inD / strides[i]);
      const total = Math.max((out - 1) * strides[i] + wD - inD, 0);
      const lo = Math.floor(total / 2);
      return [lo, total - lo];
    });
  }
  if (
    !Array.isArray(padding) ||
    padding.length !== n ||
    padding.some((p) => !Array.isArray(p) || p.length !== 2 || !Number.isInteger(p[0]) || !Number.isInteger(p[1]))
  ) {
    throw new InvalidArgumentError(
      `${where}: padding must be 'VALID', 'SAME' or ${n} [before, after] integer pairs (one per spatial axis), got ${JSON.stringify(padding)}`,
    );
  }
  return padding.map((p) => [p[0], p[1]]);
}

/**
 * Output sizes per axis of windows over inputs of `inSizes`; a {@link ShapeError} where the padded,
 * dilated input is shorter than the dilated window.
 */
export function windowOutputSizes(inSizes: readonly number[], windowSizes: readonly number[], g: WindowGeometry, where: string): number[] {
  return inSizes.map((s, i) => {
    const padded = dilatedSize(s, g.lhsDilation[i]) + g.padding[i][0] + g.padding[i][1];
    const w = dilatedSize(windowSizes[i], g.rhsDilation[i]);
    if (padded < w || padded < 0) {
      throw new ShapeError(
        `${where}: on spatial axis ${i} the padded, dilated input has ${padded} elements (input sizes ${fmtShape(inSizes)}, padding ${JSON.stringify(g.padding)}) but the dilated window needs ${w} (window sizes ${fmtShape(windowSizes)})`,
      );
    }
    return Math.floor((padded - w) / g.strides[i]) + 1;
  });
}

/**
 * Where window tap `k` of output position `o` reads on axis `i`: the input index, or −1 where it
 * falls on padding or on a hole of the input dilation.
 */
export function tapIndex(o: number, k: number, size: number, g: WindowGeometry, i: number): number {
  const p = o * g.strides[i] + k * g.rhsDilation[i] - g.padding[i][0];
  const d = g.lhsDilation[i];
  if (p < 0 || p % d !== 0) return -1;
  const j = p / d;
  return j < size ? j : -1;
}
