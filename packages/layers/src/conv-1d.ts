import type { TensorLike } from '@downhill/autograd';
import type { ForwardContext } from './context.js';
import { convForward, convSpec, type ConvLayerOptions, type ConvSpec } from './conv-common.js';
import { Module } from './module.js';

/**
 * A 1-D convolution over channels-last sequences: `[batch, length, inChannels]` →
 * `[batch, length′, outChannels]` (Keras' `Conv1D`; PyTorch's `Conv1d` is channels-first).
 *
 * Math: `y[n, i, o] = b[o] + Σ_u Σ_{c ∈ group(o)} x[n, i·s + u·r − p, c] · K[u, c mod C/G, o]`,
 * zero outside the input; groups as in {@link Conv2D}.
 *
 * Parameters: `kernel` `[k, inChannels / G, outChannels]`, `bias` `[outChannels]`; fans
 * `fanIn = k·C/G`, `fanOut = k·O`.
 *
 * @param inChannels - `C`, the input's last axis.
 * @param outChannels - `O`, the number of filters.
 * @param kernelSize - the window length `k`.
 * @param options - as {@link Conv2D}'s, one value per axis.
 *
 * @example
 * ```ts
 * const conv = new Conv1D(16, 32, 5, { padding: 'SAME' }).init(backend, { seed: 0 });
 * conv.call(x).shape; // [batch, 100, 16] → [batch, 100, 32]
 * ```
 */
export class Conv1D extends Module {
  /** `C`. */
  readonly inChannels: number;
  /** `O`. */
  readonly outChannels: number;
  private readonly spec: ConvSpec;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: ConvLayerOptions = {}) {
    const { spec, kernelShape, kernelInit, biasInit } = convSpec('Conv1D', 1, inChannels, outChannels, kernelSize, options);
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
