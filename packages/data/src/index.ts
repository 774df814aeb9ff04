/**
 * `@downhill/data`: batches for training loops over data held in memory (typed arrays and
 * tensors): seeded shuffling, drop-last, epochs, and resuming at any (epoch, step).
 *
 * @packageDocumentation
 */
export {
  Batches,
  type Batch,
  type BatchColumn,
  type BatchPosition,
  type BatchesOptions,
  type Column,
  type Columns,
  type IterateOptions,
} from './batches.js';
export { epochOrder } from './epoch-order.js';
