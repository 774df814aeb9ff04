import { DTypeError, InvalidArgumentError, ShapeError, fmtShape, isFloatDType, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { ones, zeros } from '@downhill/initializers';
import { moduleName, type ForwardContext } from './context.js';
import { Module } from './module.js';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root; default 1e-5. */
  readonly epsilon?: number;
  /** Learn an elementwise scale `gamma` and shift `beta` of `normalizedShape` (default true). */
  readonly affine?: boolean;
}

/**
 * Layer normalization: each example is normalized over its last axes (`normalizedShape`), with
 * the same computation in training and evaluation mode.
 *
 * Math: over the last `k` axes, `μ = mean(x)`, `σ² = mean((x − μ)²)` (biased),
 * `y = γ ⊙ (x − μ) / √(σ² + ε) + β`.
 *
 * Parameters `gamma` (ones) and `beta` (zeros) of shape `normalizedShape`, with `affine`.
 *
 * @param normalizedShape - the trailing shape normalized over (a number for the last axis).
 * @param options - `epsilon` (1e-5), `affine` (true).
 *
 * @example
 * ```ts
 * const ln = new LayerNorm(64).init(backend, { seed: 0 });
 * ln.call(x); // x: [batch, 64]; each row has mean 0 and variance ≈ 1
 * ```
 *
 * Ba, Kiros and Hinton, "Layer normalization" (2016).
 */
export class LayerNorm extends Module {
  /** The trailing shape normalized over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether an elementwise scale `gamma` and shift `beta` are learned. */
  readonly affine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    const { epsilon = 1e-5, affine = true } = checkOptions('LayerNorm', options, { epsilon: true, affine: true });
    super();
    const shape: unknown[] =
      typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : [];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || (d as number) <= 0)) {
      throw new InvalidArgumentError(
        `LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`,
      );
    }
    if (typeof epsilon !== 'number' || !(epsilon > 0))
      throw new InvalidArgumentError(`LayerNorm: epsilon must be > 0, got ${String(epsilon)}`);
    this.normalizedShape = shape as number[];
    this.epsilon = epsilon;
    this.affine = affine;
    if (affine) {
      this.addParameter('gamma', this.normalizedShape, ones());
      this.addParameter('beta', this.normalizedShape, zeros());
    }
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    const where = moduleName(this, ctx.path);
    if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: input is ${x.dtype}, expected float32 or float64`);
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.shape.length - k);
    if (x.shape.length < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(`${where}: input of shape ${fmtShape(x.shape)} should end with ${fmtShape(this.normalizedShape)}`);
    }
    const axes = this.normalizedShape.map((_, i) => x.shape.length - k + i);
    const mean = ops.mean(x, { axis: axes, keepDims: true });
    const variance = ops.variance(x, { axis: axes, keepDims: true });
    const xhat = ops.mul(ops.sub(x, mean), ops.rsqrt(ops.add(variance, this.epsilon)));
    if (!this.affine) return xhat;
    return ops.add(ops.mul(xhat, ctx.param('gamma')), ctx.param('beta'));
  }
}
