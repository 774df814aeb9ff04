/**
 * `@downhill/losses`: differentiable, numerically stable losses over `@downhill/autograd` ops.
 * Every loss takes `(predictions, targets, { reduction = 'mean', weights, ... })`, checks shapes
 * and dtypes with errors that name both operands, and stays finite for logits of any finite size.
 *
 * @packageDocumentation
 */
export type { LossOptions, Reduction } from './reduction.js';
export { meanSquaredError } from './mean-squared-error.js';
export { meanAbsoluteError } from './mean-absolute-error.js';
export { huberLoss, type HuberOptions } from './huber.js';
export { smoothL1Loss, type SmoothL1Options } from './smooth-l1.js';
export { sigmoidCrossEntropy, type SigmoidCrossEntropyOptions } from './sigmoid-cross-entropy.js';
export { softmaxCrossEntropy, type SoftmaxCrossEntropyOptions } from './softmax-cross-entropy.js';
export { nllLoss } from './nll-loss.js';
export type { HostLabels } from './labels.js';
export { hingeLoss, squaredHingeLoss } from './hinge.js';
export { klDivergence, type KlDivergenceOptions } from './kl-divergence.js';
