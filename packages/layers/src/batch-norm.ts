import { DTypeError, InvalidArgumentError, ShapeError, fmtShape, isFloatDType, normalizeAxis, checkOptions } from '@downhill/backend';
import { detach, noGrad, ops, type TensorLike } from '@downhill/autograd';
import { ones, zeros } from '@downhill/initializers';
import { moduleName, type ForwardContext } from './context.js';
import { Module } from './module.js';

/** Options of {@link BatchNorm}. */
export interface BatchNormOptions {
  /** Weight of the new batch statistic in the running averages (PyTorch's convention), in `[0, 1]`; default 0.1. */
  readonly momentum?: number;
  /** Added to the variance before the square root; default 1e-5. */
  readonly epsilon?: number;
  /** Learn a scale `gamma` and shift `beta` per feature (default true). */
  readonly affine?: boolean;
  /** The feature axis (default -1: `[batch, features]`, or channels-last images); statistics are taken over every other axis. */
  readonly axis?: number;
}

/**
 * Batch normalization: each feature is normalized by statistics of the batch in training mode and
 * by running averages of them in evaluation mode, then scaled and shifted.
 *
 * Math (training mode, statistics over every axis but the feature axis, `n` elements each):
 * ```text
 * μ = mean(x)           σ² = mean((x − μ)²)          (biased: divides by n)
 * y = γ · (x − μ) / √(σ² + ε) + β
 * runningMean ← (1 − momentum) · runningMean + momentum · μ
 * runningVar  ← (1 − momentum) · runningVar  + momentum · σ² · n / (n − 1)   (UNBIASED)
 * ```
 * Evaluation mode: `y = γ · (x − runningMean) / √(runningVar + ε) + β`.
 *
 * Conventions, as PyTorch's `BatchNorm1d`: `momentum` is the weight of the NEW value (0.1; Keras's
 * and Flax's 0.99 is `1 − momentum`), normalization uses the biased batch variance, the running
 * variance is updated with the unbiased one, and it starts at 1 (the mean at 0). The running
 * statistics are updated from detached values (no gradient flows into them) by every training-mode
 * pass: `apply` stores them when the pass ends, `applyFunctional` returns them. A training-mode pass
 * needs `n ≥ 2`.
 *
 * Parameters `gamma` (ones) and `beta` (zeros), `[features]`, with `affine`; buffers `runningMean`
 * and `runningVar`, `[features]`.
 *
 * @param numFeatures - the size of the feature axis.
 * @param options - `momentum` (0.1), `epsilon` (1e-5), `affine` (true), `axis` (-1).
 *
 * @example
 * ```ts
 * const net = new Sequential([new Dense(4, 16), new BatchNorm(16), new ReLU(), new Dense(16, 3)]);
 * net.init(backend, { seed: 0 });
 * net.apply(params, x);        // training: batch statistics; running averages updated
 * net.eval().apply(params, x); // evaluation: running averages
 * ```
 *
 * Ioffe and Szegedy, "Batch normalization: accelerating deep network training by reducing internal
 * covariate shift" (2015).
 */
export class BatchNorm extends Module {
  /** The size of the feature axis. */
  readonly numFeatures: number;
  /** Weight of the new batch statistic in the running averages. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether a scale `gamma` and a shift `beta` are learned. */
  readonly affine: boolean;
  /** The feature axis; statistics are taken over every other axis. */
  readonly axis: number;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    const {
      momentum = 0.1,
      epsilon = 1e-5,
      affine = true,
      axis = -1,
    } = checkOptions('BatchNorm', options, { momentum: true, epsilon: true, affine: true, axis: true });
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new InvalidArgumentError(`BatchNorm: numFeatures must be a positive integer, got ${String(numFeatures)}`);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
      throw new InvalidArgumentError(
        `BatchNorm: momentum must be in [0, 1] (the weight of the new batch statistic, PyTorch's convention), got ${String(momentum)}`,
      );
    if (typeof epsilon !== 'number' || !(epsilon > 0))
      throw new InvalidArgumentError(`BatchNorm: epsilon must be > 0, got ${String(epsilon)}`);
    if (!Number.isInteger(axis)) throw new InvalidArgumentError(`BatchNorm: axis must be an integer, got ${String(axis)}`);
    this.numFeatures = numFeatures;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.affine = affine;
    this.axis = axis;
    if (affine) {
      this.addParameter('gamma', [numFeatures], ones());
      this.addParameter('beta', [numFeatures], zeros());
    }
    this.addBuffer('runningMean', [numFeatures], zeros());
    this.addBuffer('runningVar', [numFeatures], ones());
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    const where = moduleName(this, ctx.path);
    if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: input is ${x.dtype}, expected float32 or float64`);
    if (x.shape.length < 2) throw new ShapeError(`${where}: input of shape ${fmtShape(x.shape)} needs a batch axis and a feature axis`);
    const axis = normalizeAxis(this.axis, x.shape.length, where);
    if (x.shape[axis] !== this.numFeatures) {
      throw new ShapeError(
        `${where}: input of shape ${fmtShape(x.shape)} has ${x.shape[axis]} features on axis ${axis}, expected ${this.numFeatures}`,
      );
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const featureShape = x.shape.map((d, i) => (i === axis ? d : 1));
    const asFeature = (t: TensorLike) => ops.reshape(ops.cast(t, x.dtype), featureShape);
    let xhat: TensorLike;
    if (ctx.training) {
      const n = axes.reduce((k, a) => k * x.shape[a], 1);
      if (n < 2)
        throw new InvalidArgumentError(
          `${where}: training mode needs more than one value per feature to take batch statistics, got input of shape ${fmtShape(x.shape)}; use eval mode for single examples`,
        );
      const mean = ops.mean(x, { axis: axes, keepDims: true });
      const variance = ops.variance(x, { axis: axes, keepDims: true });
      xhat = ops.mul(ops.sub(x, mean), ops.rsqrt(ops.add(variance, this.epsilon)));
      const runningMean = ctx.buffer('runningMean');
      const runningVar = ctx.buffer('runningVar');
      const m = this.momentum;
      noGrad(() => {
        const batchMean = ops.cast(ops.reshape(detach(mean), [this.numFeatures]), runningMean.dtype);
        const batchVar = ops.cast(ops.reshape(detach(variance), [this.numFeatures]), runningVar.dtype);
        ctx.setBuffer('runningMean', ops.add(ops.mul(runningMean, 1 - m), ops.mul(batchMean, m)));
        ctx.setBuffer('runningVar', ops.add(ops.mul(runningVar, 1 - m), ops.mul(batchVar, (m * n) / (n - 1))));
      });
    } else {
      const mean = asFeature(ctx.buffer('runningMean'));
      const variance = asFeature(ctx.buffer('runningVar'));
      xhat = ops.mul(ops.sub(x, mean), ops.rsqrt(ops.add(variance, this.epsilon)));
    }
    if (!this.affine) return xhat;
    return ops.add(ops.mul(xhat, ops.reshape(ctx.param('gamma'), featureShape)), ops.reshape(ctx.param('beta'), featureShape));
  }
}
