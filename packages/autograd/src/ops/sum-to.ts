import { ShapeError, broadcastsTo, fmtShape, shapesEqual, type Shape } from '@downhill/backend';
import { checkOperand, type TensorLike } from '../traced.js';
import { reshape } from './layout.js';
import { sum } from './reduce.js';

/**
 * Sums a broadcast result back down to `shape`: the transpose of broadcasting, and how every
 * gradient is un-broadcast to its input's shape.
 *
 * Math: sums over the leading axes `x` has beyond `shape` and over the axes where `shape` has 1.
 *
 * @param x - a tensor whose shape `shape` broadcasts to.
 * @param shape - the target shape.
 * @returns a tensor of `shape`.
 * @example
 * ```ts
 * ops.sumTo(grad, [1, 4]); // [3, 4] → [1, 4]
 * ```
 */
export function sumTo(x: TensorLike, shape: Shape): TensorLike {
  checkOperand(x, 'sumTo', false);
  if (shapesEqual(x.shape, shape)) return x;
  if (!broadcastsTo(shape, x.shape)) {
    throw new ShapeError(
      `sumTo: shape ${fmtShape(shape)} does not broadcast to ${fmtShape(x.shape)}, so ${fmtShape(x.shape)} cannot be summed down to it`,
    );
  }
  const lead = x.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.shape.length; i++) if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  const summed = axes.length > 0 ? sum(x, { axis: axes, keepDims: true }) : x;
  return shapesEqual(summed.shape, shape) ? summed : reshape(summed, shape);
}
