import { ops, type TensorLike } from '@downhill/autograd';
import { normal } from '@downhill/initializers';
import { Dense, Embedding, type ForwardContext, LayerNorm, Module, Sequential, TransformerBlock } from '@downhill/layers';

/** The shape of the character model. */
export interface CharTransformerOptions {
  /** Distinct characters (the boundary included). */
  readonly vocab: number;
  /** The longest sequence: the number of learned positions. */
  readonly blockSize: number;
  /** Model width (default 64). */
  readonly dim?: number;
  /** Transformer blocks (default 2). */
  readonly layers?: number;
  /** Attention heads per block (default 4). */
  readonly heads?: number;
  /** Dropout on each block's branches (default 0.1). */
  readonly dropout?: number;
}

/**
 * A small GPT-style character model: token and position embeddings (std 0.02), `layers` causal
 * pre-norm {@link TransformerBlock}s, a final LayerNorm and a Dense head to the vocabulary's logits.
 * Position `i` of the output is the distribution of character `i + 1` given characters `0…i`.
 *
 * Parameters: `tokens.embeddings`, `positions.embeddings`, `blocks.0.attention.query.kernel`, …,
 * `norm.gamma`, `head.kernel`.
 */
export class CharTransformer extends Module {
  readonly options: Required<CharTransformerOptions>;
  private readonly tokens: Embedding;
  private readonly positions: Embedding;
  private readonly blocks: Sequential;
  private readonly norm: LayerNorm;
  private readonly head: Dense;

  constructor({ vocab, blockSize, dim = 64, layers = 2, heads = 4, dropout = 0.1 }: CharTransformerOptions) {
    super();
    this.options = { vocab, blockSize, dim, layers, heads, dropout };
    this.tokens = this.addModule('tokens', new Embedding(vocab, dim, { init: normal({ std: 0.02 }) }));
    this.positions = this.addModule('positions', new Embedding(blockSize, dim, { init: normal({ std: 0.02 }) }));
    this.blocks = this.addModule(
      'blocks',
      new Sequential(Array.from({ length: layers }, () => new TransformerBlock(dim, heads, { causal: true, dropout }))),
    );
    this.norm = this.addModule('norm', new LayerNorm(dim));
    this.head = this.addModule('head', new Dense(dim, vocab));
  }

  /** `ids` `[batch, t]` int32 → logits `[batch, t, vocab]`. */
  forward(ids: TensorLike, ctx: ForwardContext): TensorLike {
    const t = ids.shape[ids.shape.length - 1];
    if (t > this.options.blockSize) throw new Error(`CharTransformer: ${t} positions, but the model has ${this.options.blockSize}`);
    const x = ops.add(ctx.call(this.tokens, ids), ctx.call(this.positions, ops.iota(ids, t)));
    return ctx.call(this.head, ctx.call(this.norm, ctx.call(this.blocks, x)));
  }
}
