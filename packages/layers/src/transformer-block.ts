import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { GELU, ReLU, SiLU } from './activations.js';
import type { ForwardContext } from './context.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Module } from './module.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { Sequential } from './sequential.js';

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockOptions {
  /** Causal self-attention (a language model); default false. */
  readonly causal?: boolean;
  /** Width of the feed-forward layer's hidden layer, as a multiple of `dim` (default 4). */
  readonly mlpRatio?: number;
  /** The feed-forward activation: `'gelu'` (default, the erf form), `'relu'` or `'silu'`. */
  readonly activation?: 'gelu' | 'relu' | 'silu';
  /** Dropout rate on each branch's output before it is added (default 0: no Dropout module). */
  readonly dropout?: number;
}

/**
 * A pre-norm transformer block (GPT-2's arrangement): layer normalization before each sublayer,
 * the residual stream left unnormalized.
 *
 * Math: `h = x + Attn(LN₁(x))`, `y = h + W₂ φ(W₁ LN₂(h) + b₁) + b₂`, with `φ` the activation; the
 * branches pass through dropout (training mode) when `dropout > 0`.
 *
 * Children: `norm1` ({@link LayerNorm}), `attention` ({@link MultiHeadAttention}), `norm2`, and
 * `mlp` (a {@link Sequential} of `fc1`, `act`, `fc2`); with dropout also `dropout1`, `dropout2`.
 * Parameter names: `attention.query.kernel`, `mlp.fc1.kernel`, `norm2.gamma`, ...
 *
 * @param dim - the model width `D` (the input's last axis).
 * @param heads - attention heads; must divide `dim`.
 * @param options - `causal` (false), `mlpRatio` (4), `activation` (`'gelu'`), `dropout` (0).
 *
 * @example
 * ```ts
 * const block = new TransformerBlock(64, 4, { causal: true }).init(backend, { seed: 0 });
 * block.call(x).shape; // x: [batch, 16, 64] → [batch, 16, 64]
 * ```
 *
 * Vaswani et al. (2017); Radford et al., "Language models are unsupervised multitask learners"
 * (2019) and Xiong et al., "On layer normalization in the transformer architecture" (2020) for the
 * pre-norm arrangement.
 */
export class TransformerBlock extends Module {
  /** The model width. */
  readonly dim: number;
  private readonly norm1: LayerNorm;
  private readonly attention: MultiHeadAttention;
  private readonly norm2: LayerNorm;
  private readonly mlp: Sequential;
  private readonly dropout1: Dropout | undefined;
  private readonly dropout2: Dropout | undefined;

  constructor(dim: number, heads: number, options: TransformerBlockOptions = {}) {
    const {
      causal = false,
      mlpRatio = 4,
      activation = 'gelu',
      dropout = 0,
    } = checkOptions('TransformerBlock', options, { causal: true, mlpRatio: true, activation: true, dropout: true });
    super();
    const hidden = Math.round(dim * mlpRatio);
    if (typeof mlpRatio !== 'number' || !(mlpRatio > 0) || hidden < 1)
      throw new InvalidArgumentError(`TransformerBlock: mlpRatio must be > 0 and give at least one hidden unit, got ${String(mlpRatio)}`);
    const act = { gelu: () => new GELU(), relu: () => new ReLU(), silu: () => new SiLU() }[activation];
    if (!act)
      throw new InvalidArgumentError(`TransformerBlock: activation must be 'gelu', 'relu' or 'silu', got ${JSON.stringify(activation)}`);
    this.dim = dim;
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attention = this.addModule('attention', new MultiHeadAttention(dim, heads, { causal }));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim));
    this.mlp = this.addModule('mlp', new Sequential({ fc1: new Dense(dim, hidden), act: act(), fc2: new Dense(hidden, dim) }));
    this.dropout1 = dropout > 0 ? this.addModule('dropout1', new Dropout(dropout)) : undefined;
    this.dropout2 = dropout > 0 ? this.addModule('dropout2', new Dropout(dropout)) : undefined;
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    let a = ctx.call(this.attention, ctx.call(this.norm1, x));
    if (this.dropout1) a = ctx.call(this.dropout1, a);
    const h = ops.add(x, a);
    let m = ctx.call(this.mlp, ctx.call(this.norm2, h));
    if (this.dropout2) m = ctx.call(this.dropout2, m);
    return ops.add(h, m);
  }
}
