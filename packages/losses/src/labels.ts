import { DTypeError, InvalidArgumentError, ShapeError, fmtShape, sizeOf } from '@downhill/backend';
import { detach, isTensorLike, ops, type TensorLike } from '@downhill/autograd';
import { checkAlive } from './reduction.js';

/**
 * Integer class labels held on the host: one class index per example, row-major over the batch
 * axes. The losses check them on the host (an out-of-range or fractional label throws, naming its
 * index) before they go to the device.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropy, type HostLabels } from '@downhill/losses';
 * const labels: HostLabels = Int32Array.from([2, 0]);
 * const loss = softmaxCrossEntropy(logits, labels);
 * ```
 */
export type HostLabels = Int32Array | readonly number[];

/** Whether `labels` are class indices held on the host. @internal */
export function isHostLabels(labels: unknown): labels is HostLabels {
  return labels instanceof Int32Array || Array.isArray(labels);
}

/** Whether `labels` hold integer class indices (int32) rather than a distribution. @internal */
export function isIndexLabels(labels: TensorLike): boolean {
  return labels.dtype === 'int32';
}

/**
 * Integer class labels for `[batch…, classes]` scores, as a tensor on the scores' backend.
 *
 * - Host labels (an `Int32Array` or an array of numbers) are checked on the host: their count is
 *   the batch size and every value is an integer in `[0, classes)`; then they become an int32
 *   tensor. The check reads nothing from the device.
 * - A label tensor is checked for dtype (int32) and shape; its values stay on the device, where
 *   {@link maskBadLabels} turns the loss of an out-of-range label into NaN. No backend reads
 *   them back, so every backend behaves the same.
 * @internal
 */
export function indexLabels(
  scores: TensorLike,
  scoresName: string,
  labels: unknown,
  where: string,
): { labels: TensorLike; checked: boolean } {
  const batch = scores.shape.slice(0, -1);
  const classes = scores.shape[scores.shape.length - 1];
  if (isHostLabels(labels)) {
    if (labels.length !== sizeOf(batch)) {
      throw new ShapeError(
        `${where}: ${scoresName} ${fmtShape(scores.shape)} need labels of shape ${fmtShape(batch)} (${sizeOf(batch)} class indices), got ${labels.length} host labels`,
      );
    }
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i];
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw new InvalidArgumentError(`${where}: label ${String(v)} at index ${i} is not an integer class index`);
      if (v < 0 || v >= classes)
        throw new InvalidArgumentError(
          `${where}: label ${v} at index ${i} is outside [0, ${classes}) for ${scoresName} ${fmtShape(scores.shape)}`,
        );
    }
    return { labels: detach(scores).backend.tensor(Array.from(labels), batch, 'int32'), checked: true };
  }
  checkIndexLabels(scores, scoresName, labels, where);
  return { labels, checked: false };
}

/**
 * Checks a label tensor against `[batch…, classes]` scores: int32, and the scores' shape without
 * its last axis. Values are not read (see {@link indexLabels}).
 * @internal
 */
export function checkIndexLabels(scores: TensorLike, scoresName: string, labels: unknown, where: string): asserts labels is TensorLike {
  if (!isTensorLike(labels))
    throw new InvalidArgumentError(
      `${where}: labels must be a tensor, an Int32Array or an array of class indices, got ${labels === null ? 'null' : typeof labels}`,
    );
  checkAlive(labels, 'labels', where);
  if (labels.dtype !== 'int32') {
    throw new DTypeError(
      `${where}: labels ${fmtShape(labels.shape)} are ${labels.dtype}; integer class labels must be int32 (cast them), and probability targets must have the ${scoresName}' shape ${fmtShape(scores.shape)}`,
    );
  }
  const batch = scores.shape.slice(0, -1);
  if (labels.shape.length !== batch.length) {
    throw new ShapeError(
      `${where}: ${scoresName} ${fmtShape(scores.shape)} need int32 labels of shape ${fmtShape(batch)} (one class index per example), got ${fmtShape(labels.shape)}`,
    );
  }
  const axis = labels.shape.findIndex((d, i) => d !== batch[i]);
  if (axis >= 0) {
    const which = axis === 0 ? 'the batch dimension' : `axis ${axis}`;
    throw new ShapeError(`${where}: ${scoresName} ${fmtShape(scores.shape)} and labels ${fmtShape(labels.shape)} disagree on ${which}`);
  }
}

/**
 * 1 where every condition holds and NaN elsewhere, in `dtype`, of the conditions' shape: multiplying
 * by it leaves a value bitwise unchanged where the input is valid, and makes it NaN (in the value
 * and in every gradient that flows through the product) where it is not. The check runs on the
 * device, with no read-back. @internal
 */
export function validFactor(like: TensorLike, conditions: readonly TensorLike[], dtype: TensorLike['dtype']): TensorLike {
  let f: TensorLike = detach(like).backend.full(conditions[0].shape, 1, dtype);
  for (const c of conditions) f = ops.where(c, f, NaN);
  return f;
}

/**
 * Scores and per-example losses for a label tensor, made NaN where a label is outside
 * `[0, classes)`: `poison(scores)` before the loss is computed (so the gradient of those scores is
 * NaN, whatever the loss does with them) and `poison(losses)` after (so the value is NaN).
 * @internal
 */
export function labelGuard(
  scores: TensorLike,
  labels: TensorLike,
): { scores: (x: TensorLike) => TensorLike; losses: (l: TensorLike) => TensorLike } {
  const classes = scores.shape[scores.shape.length - 1];
  const f = validFactor(scores, [ops.greaterEqual(labels, 0), ops.less(labels, classes)], scores.dtype);
  return { scores: (x) => ops.mul(x, ops.expandDims(f, -1)), losses: (l) => ops.mul(l, f) };
}
