import { ops, type TensorLike } from '@downhill/autograd';
import { softmaxCrossEntropy } from '@downhill/losses';

/**
 * The training loss: mean softmax cross-entropy of logits `[batch, 10]` against int32 labels
 * `[batch]` (`@downhill/losses`), `mean_i (logsumexp(z_i) − z_i[y_i])`.
 */
export function crossEntropy(logits: TensorLike, labels: TensorLike): TensorLike {
  return softmaxCrossEntropy(logits, labels);
}

/** How many rows' largest logit is at the label (a float scalar; no gradient). */
export function correctCount(logits: TensorLike, labels: TensorLike): TensorLike {
  return ops.sum(ops.cast(ops.equal(ops.argmax(logits, -1), labels), logits.dtype));
}
