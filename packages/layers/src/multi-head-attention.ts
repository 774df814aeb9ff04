import { DTypeError, InvalidArgumentError, ShapeError, checkOptions, fmtShape, isFloatDType } from '@downhill/backend';
import { detach, ops, type TensorLike } from '@downhill/autograd';
import { moduleName, type ForwardContext } from './context.js';
import { Dense, type KernelInit } from './dense.js';
import { Module } from './module.js';

/** Options of {@link MultiHeadAttention}. */
export interface MultiHeadAttentionOptions {
  /** Each position attends only to itself and earlier positions (a decoder, a language model); default false. */
  readonly causal?: boolean;
  /** Biases in the four projections (default true). */
  readonly useBias?: boolean;
  /** Initializer of the four projection kernels (default `'glorotUniform'`, as PyTorch's `xavier_uniform_` of `in_proj_weight`). */
  readonly kernelInit?: KernelInit;
}

/**
 * Multi-head scaled dot-product self-attention over the second-to-last axis of `x` (the
 * sequence), with an optional causal mask.
 *
 * Math: for `x ∈ ℝ^{…×T×D}` and `H` heads of size `d = D/H`, `Q = xW_q + b_q`, `K = xW_k + b_k`,
 * `V = xW_v + b_v` are split into heads; each head computes
 * `softmax(Q_h K_hᵀ / √d + M) V_h`, where `M` is 0, or `−∞` above the diagonal when `causal`
 * (position `i` sees positions `j ≤ i`); the heads are joined and projected, `y = [o_1 … o_H] W_o + b_o`.
 * Leading axes of `x` (the batch) are independent.
 *
 * Children `query`, `key`, `value`, `output`, each a {@link Dense} `D → D`: parameters
 * `query.kernel` `[D, D]`, `query.bias` `[D]`, and so on (PyTorch's `in_proj_weight` holds the
 * first three transposed and stacked; its `out_proj` is `output`).
 *
 * @param dim - `D`, the size of the last axis of the input and the output.
 * @param heads - `H`; must divide `dim`.
 * @param options - `causal` (false), `useBias` (true), `kernelInit` (`'glorotUniform'`).
 *
 * @example
 * ```ts
 * const attn = new MultiHeadAttention(32, 4, { causal: true }).init(backend, { seed: 0 });
 * attn.call(x).shape; // x: [batch, 10, 32] → [batch, 10, 32]
 * ```
 *
 * Vaswani et al., "Attention is all you need" (2017).
 */
export class MultiHeadAttention extends Module {
  /** `D`: the size of the input's and output's last axis. */
  readonly dim: number;
  /** `H`: the number of heads. */
  readonly heads: number;
  /** Whether each position sees only itself and earlier positions. */
  readonly causal: boolean;
  private readonly query: Dense;
  private readonly key: Dense;
  private readonly value: Dense;
  private readonly output: Dense;

  constructor(dim: number, heads: number, options: MultiHeadAttentionOptions = {}) {
    const {
      causal = false,
      useBias = true,
      kernelInit = 'glorotUniform',
    } = checkOptions('MultiHeadAttention', options, { causal: true, useBias: true, kernelInit: true });
    super();
    if (!Number.isInteger(dim) || dim <= 0)
      throw new InvalidArgumentError(`MultiHeadAttention: dim must be a positive integer, got ${String(dim)}`);
    if (!Number.isInteger(heads) || heads <= 0 || dim % heads !== 0)
      throw new InvalidArgumentError(
        `MultiHeadAttention: heads must be a positive integer that divides dim (${dim}), got ${String(heads)}`,
      );
    this.dim = dim;
    this.heads = heads;
    this.causal = causal;
    const proj = () => new Dense(dim, dim, { useBias, kernelInit });
    this.query = this.addModule('query', proj());
    this.key = this.addModule('key', proj());
    this.value = this.addModule('value', proj());
    this.output = this.addModule('output', proj());
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    const where = moduleName(this, ctx.path);
    const n = x.shape.length;
    if (n < 2 || x.shape[n - 1] !== this.dim)
      throw new ShapeError(`${where}: input of shape ${fmtShape(x.shape)} should be [..., sequence, ${this.dim}]`);
    if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: input is ${x.dtype}, expected float32 or float64`);
    const t = x.shape[n - 2];
    const h = this.heads;
    const d = this.dim / h;
    const x3 = ops.reshape(x, [-1, t, this.dim]);
    // [B, T, D] → [B, H, T, d]
    const split = (y: TensorLike) => ops.transpose(ops.reshape(y, [-1, t, h, d]), [0, 2, 1, 3]);
    const q = split(ctx.call(this.query, x3));
    const k = split(ctx.call(this.key, x3));
    const v = split(ctx.call(this.value, x3));
    let scores = ops.mul(ops.matmul(q, k, { transposeB: true }), 1 / Math.sqrt(d)); // [B, H, T, T]
    if (this.causal) scores = ops.where(causalMask(x, t), scores, -Infinity);
    const attended = ops.matmul(ops.softmax(scores, { axis: -1 }), v); // [B, H, T, d]
    const joined = ops.reshape(ops.transpose(attended, [0, 2, 1, 3]), [-1, t, this.dim]);
    return ops.reshape(ctx.call(this.output, joined), x.shape);
  }
}

/** `[T, T]` bool, true where key position `j` ≤ query position `i` (a constant on `like`'s backend). */
function causalMask(like: TensorLike, t: number): TensorLike {
  const backend = detach(like).backend;
  const i = ops.reshape(ops.iota(backend, t), [t, 1]);
  const j = ops.reshape(ops.iota(backend, t), [1, t]);
  return ops.greaterEqual(i, j);
}
