import { DTypeError, InvalidArgumentError, ShapeError, fmtShape } from '@downhill/backend';
import { detach, isTensorLike, type TensorLike } from '@downhill/autograd';

/** Whether `labels` hold integer class indices (int32) rather than a distribution. @internal */
export function isIndexLabels(labels: TensorLike): boolean {
  return labels.dtype === 'int32';
}

/**
 * Checks integer class labels against `[batch…, classes]` scores: int32, the scores' shape without
 * its last axis, and (on backends with synchronous reads) every value in `[0, classes)`.
 * @internal
 */
export function checkIndexLabels(scores: TensorLike, scoresName: string, labels: unknown, where: string): asserts labels is TensorLike {
  if (!isTensorLike(labels)) throw new InvalidArgumentError(`${where}: labels must be a tensor, got ${labels === null ? 'null' : typeof labels}`);
  if (labels.dtype !== 'int32') {
    throw new DTypeError(`${where}: labels ${fmtShape(labels.shape)} are ${labels.dtype}; integer class labels must be int32 (cast them), and probability targets must have the ${scoresName}' shape ${fmtShape(scores.shape)}`);
  }
  const batch = scores.shape.slice(0, -1);
  if (labels.shape.length !== batch.length) {
    throw new ShapeError(`${where}: ${scoresName} ${fmtShape(scores.shape)} need int32 labels of shape ${fmtShape(batch)} (one class index per example), got ${fmtShape(labels.shape)}`);
  }
  const axis = labels.shape.findIndex((d, i) => d !== batch[i]);
  if (axis >= 0) {
    const which = axis === 0 ? 'the batch dimension' : `axis ${axis}`;
    throw new ShapeError(`${where}: ${scoresName} ${fmtShape(scores.shape)} and labels ${fmtShape(labels.shape)} disagree on ${which}`);
  }
  const raw = detach(labels);
  if (raw.backend.capabilities.syncRead) {
    const classes = scores.shape[scores.shape.length - 1];
    const values = raw.backend.readSync(raw);
    for (let i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] >= classes) {
        throw new InvalidArgumentError(`${where}: label ${values[i]} at index ${i} is outside [0, ${classes}) for ${scoresName} ${fmtShape(scores.shape)}`);
      }
    }
  }
}
