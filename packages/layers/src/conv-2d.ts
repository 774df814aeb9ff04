import type { TensorLike } from '@downhill/autograd';
import type { ForwardContext } from './context.js';
import { convForward, convSpec, type ConvLayerOptions, type ConvSpec } from './conv-common.js';
import { Module } from './module.js';

/**
 * A 2-D convolution over channels-last images: `[batch, height, width, inChannels]` →
 * `[batch, height′, width′, outChannels]` (TensorFlow's and Keras' layout; PyTorch's `Conv2d` is
 * channels-first).
 *
 * Math (cross-correlation, as every framework): with stride `s`, dilation `r`, padding `p`,
 * `y[n, i, j, o] = b[o] + Σ_{u,v} Σ_{c ∈ group(o)} x[n, i·s₀ + u·r₀ − p₀, j·s₁ + v·r₁ − p₁, c] · K[u, v, c mod C/G, o]`,
 * zero outside the input. With `groups` `G`, input channels `g·C/G … (g+1)·C/G − 1` feed output
 * channels `g·O/G … (g+1)·O/G − 1`; `G = C` and `O = m·C` is a depthwise convolution.
 *
 * Parameters: `kernel` `[kh, kw, inChannels / G, outChannels]` (HWIO; PyTorch's weight
 * `[O, C/G, kh, kw]` transposed by `(2, 3, 1, 0)`), `bias` `[outChannels]`. The initializers'
 * fans count the window: `fanIn = kh·kw·C/G`, `fanOut = kh·kw·O`, as PyTorch and Keras.
 *
 * Runs on `ops.conv`, whose gradients are convolutions too (second order works).
 *
 * @param inChannels - `C`, the input's last axis.
 * @param outChannels - `O`, the number of filters.
 * @param kernelSize - the window, `k` or `[kh, kw]`.
 * @param options - `strides`, `padding`, `dilation`, `groups`, `useBias`, `kernelInit`, `biasInit`.
 *
 * @example
 * ```ts
 * const conv = new Conv2D(1, 32, 3, { padding: 'SAME', kernelInit: 'heNormal' }).init(backend, { seed: 0 });
 * conv.call(images).shape; // [batch, 28, 28, 1] → [batch, 28, 28, 32]
 * const depthwise = new Conv2D(32, 32, 3, { groups: 32, padding: 'SAME' });
 * ```
 *
 * LeCun et al., "Gradient-based learning applied to document recognition" (1998).
 */
export class Conv2D extends Module {
  /** `C`. */
  readonly inChannels: number;
  /** `O`. */
  readonly outChannels: number;
  private readonly spec: ConvSpec;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions = {}) {
    const { spec, kernelShape, kernelInit, biasInit } = convSpec('Conv2D', 2, inChannels, outChannels, kernelSize, options);
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.spec = spec;
    this.addParameter('kernel', kernelShape, kernelInit);
    if (spec.useBias) this.addParameter('bias', [outChannels], biasInit);
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    return convForward(this, this.spec, x, ctx);
  }
}
