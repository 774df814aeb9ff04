import { DTypeError, InvalidArgumentError, checkOptions, fmtShape } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { normal, type Initializer } from '@downhill/initializers';
import { moduleName, type ForwardContext } from './context.js';
import { Module } from './module.js';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Initializer of the table (default `normal({ std: 1 })`, as PyTorch's `nn.Embedding`; transformers often use `std: 0.02`). */
  readonly init?: Initializer;
}

/**
 * A lookup table: each `int32` token id becomes a learned vector of `dim` numbers.
 *
 * Math: `y[..., :] = E[ids[...], :]` for a table `E ∈ ℝ^{vocab×dim}`; a `gather` along the table's
 * first axis. The gradient with respect to `E` is the transpose of the gather, a `scatterAdd`
 * of the output's cotangent rows into the rows of the ids that were looked up (a repeated id
 * accumulates), so its cost grows with the number of ids, not with the vocabulary.
 *
 * Parameter `embeddings` of shape `[vocab, dim]` (Keras' name; PyTorch calls it `weight`).
 *
 * Ids outside `[0, vocab)` are the backend's `gather` error.
 *
 * @param vocab - the number of distinct ids.
 * @param dim - the length of each vector.
 * @param options - `init` (default standard normal).
 *
 * @example
 * ```ts
 * const embed = new Embedding(28, 16).init(backend, { seed: 0 });
 * const ids = backend.tensor([3, 1, 4, 1], [2, 2], 'int32');
 * embed.call(ids).shape; // [2, 2, 16]
 * ```
 */
export class Embedding extends Module {
  /** The number of distinct ids. */
  readonly vocab: number;
  /** The length of each vector. */
  readonly dim: number;

  constructor(vocab: number, dim: number, options: EmbeddingOptions = {}) {
    const { init = normal({ std: 1 }) } = checkOptions('Embedding', options, { init: true });
    super();
    for (const [name, v] of [
      ['vocab', vocab],
      ['dim', dim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`Embedding: ${name} must be a positive integer, got ${String(v)}`);
    }
    if (typeof init !== 'function') throw new InvalidArgumentError('Embedding: init must be an Initializer from @downhill/initializers');
    this.vocab = vocab;
    this.dim = dim;
    this.addParameter('embeddings', [vocab, dim], init);
  }

  forward(ids: TensorLike, ctx: ForwardContext): TensorLike {
    if (ids.dtype !== 'int32')
      throw new DTypeError(`${moduleName(this, ctx.path)}: ids of shape ${fmtShape(ids.shape)} are ${ids.dtype}, expected int32`);
    return ops.gather(ctx.param('embeddings'), ids, 0);
  }
}
