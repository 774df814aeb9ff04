import { InvalidArgumentError, type Shape, checkOptions } from '@downhill/backend';
import { checkShapeArg } from './initializer.js';

/** Which axes of a weight shape are its inputs and outputs. */
export interface FanAxes {
  /** The input-features axis; default -2 (dense `[in, out]`, conv `[...kernel, in, out]`). */
  readonly inAxis?: number;
  /** The output-features axis; default -1. */
  readonly outAxis?: number;
}

/** The fans of a weight shape. */
export interface Fans {
  /** Inputs that feed one output: `shape[inAxis]` × the receptive field. */
  readonly fanIn: number;
  /** Outputs that one input feeds: `shape[outAxis]` × the receptive field. */
  readonly fanOut: number;
  /** The product of the other axes (a convolution's kernel size; 1 for a dense kernel). */
  readonly receptiveField: number;
}

/**
 * The fan-in and fan-out of a weight shape, as the variance-scaling initializers use them.
 *
 * $$ r = \prod_{a \ne \text{in}, \text{out}} n_a, \qquad \text{fanIn} = n_{\text{in}}\, r, \qquad \text{fanOut} = n_{\text{out}}\, r $$
 *
 * The layout convention of downhill: a dense kernel is `[inFeatures, outFeatures]` (the layer
 * computes `x @ W`), so for rank 2 `fanIn = shape[0]` and `fanOut = shape[1]`; a convolution kernel
 * is channels-last, `[...kernel, inChannels, outChannels]`. That is Keras's and JAX's convention
 * (`in_axis=-2, out_axis=-1`). For PyTorch's layouts (`[out, in]`, `[out, in, ...kernel]`) pass
 * `{ inAxis: 1, outAxis: 0 }`, which gives PyTorch's `_calculate_fan_in_and_fan_out`. A rank-1 shape
 * `[n]` has fanIn = fanOut = n and a scalar has 1 and 1, as Keras (PyTorch refuses rank < 2).
 *
 * @param shape - The weight shape.
 * @param axes - `inAxis` (default -2) and `outAxis` (default -1); negative axes count from the end.
 * @returns `{ fanIn, fanOut, receptiveField }`.
 *
 * @example
 * ```ts
 * import { computeFans } from '@downhill/initializers';
 * computeFans([784, 256]); // { fanIn: 784, fanOut: 256, receptiveField: 1 }
 * computeFans([3, 3, 16, 32]); // { fanIn: 144, fanOut: 288, receptiveField: 9 }
 * computeFans([32, 16, 3, 3], { inAxis: 1, outAxis: 0 }); // the same, PyTorch's layout
 * ```
 *
 * Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks",
 * AISTATS 2010.
 */
export function computeFans(shape: Shape, axes: FanAxes = {}): Fans {
  checkOptions('computeFans', axes, { inAxis: true, outAxis: true });
  return fansOf(shape, axes, 'computeFans');
}

/** {@link computeFans} with errors that name the caller. @internal */
export function fansOf(shape: Shape, { inAxis = -2, outAxis = -1 }: FanAxes, where: string): Fans {
  checkShapeArg(shape, where);
  const rank = shape.length;
  if (rank === 0) return { fanIn: 1, fanOut: 1, receptiveField: 1 };
  if (rank === 1) return { fanIn: shape[0], fanOut: shape[0], receptiveField: 1 };
  const i = axis(inAxis, rank, 'inAxis', where);
  const o = axis(outAxis, rank, 'outAxis', where);
  if (i === o) {
    throw new InvalidArgumentError(`${where}: inAxis (${inAxis}) and outAxis (${outAxis}) name the same axis of a rank-${rank} shape`);
  }
  let receptiveField = 1;
  for (let a = 0; a < rank; a++) if (a !== i && a !== o) receptiveField *= shape[a];
  return { fanIn: shape[i] * receptiveField, fanOut: shape[o] * receptiveField, receptiveField };
}

function axis(a: number, rank: number, name: string, where: string): number {
  if (!Number.isInteger(a) || a < -rank || a >= rank) {
    throw new InvalidArgumentError(
      `${where}: ${name} must be an integer axis in [${-rank}, ${rank - 1}] for a rank-${rank} shape, got ${String(a)}`,
    );
  }
  return a < 0 ? a + rank : a;
}
