import { ops, type TensorLike } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import type { TestFunction } from './functions.js';

const { add, sub, mul, square } = ops;
const C = Math.cos(Math.PI / 6);
const S = Math.sin(Math.PI / 6);

/** Options of {@link noisyQuadratic}. */
export interface NoisyQuadraticOptions {
  /** The gradient noise's scale σ ≥ 0 (0: full-batch gradient descent). Default 1. */
  readonly noise?: number;
  /** The condition number: curvatures 1 and κ along axes turned by 30°. Default 10. */
  readonly kappa?: number;
  /** The seed of the minibatch sequence: the same seed draws the same noise for every optimizer. Default 1. */
  readonly seed?: number;
}

/**
 * The noisy quadratic model of minibatch training (Zhang et al. 2019): the full loss is
 * `½ (u² + κ v²)` over axes turned by 30°; the optimizer sees at step t the gradient of one
 * minibatch's loss, the same bowl with its centre moved by a random `cₜ`:
 *
 * ```text
 * fₜ(w) = ½ (w − cₜ)ᵀ H (w − cₜ),   cₜ ~ N(0, σ² H⁻¹)
 * ∇fₜ(w) = H w − H cₜ:  the true gradient plus noise of mean 0 and covariance σ² H
 * ```
 *
 * so the noise is largest along the steep direction, as in real networks. With a constant
 * learning rate the iterates settle into a cloud around the minimum instead of reaching it; a
 * decaying schedule or a smaller rate shrinks the cloud. The noise comes from the seeded
 * generator of `@downhill/initializers`, one key per step, so a run repeats exactly.
 *
 * @param options - See {@link NoisyQuadraticOptions}.
 * @returns The function: `f` the full loss, `minibatch(t)` the loss of step t's minibatch.
 *
 * @example
 * ```ts
 * const fn = noisyQuadratic({ noise: 0.5 });
 * const lossAtStep3 = fn.minibatch!(3);
 * ```
 *
 * Zhang et al., 2019, "Which Algorithmic Choices Matter at Which Batch Sizes? Insights From a
 * Noisy Quadratic Model" (https://arxiv.org/abs/1907.04164).
 */
export function noisyQuadratic({ noise = 1, kappa = 10, seed = 1 }: NoisyQuadraticOptions = {}): TestFunction {
  if (!Number.isFinite(noise) || noise < 0) throw new RangeError(`noisyQuadratic: noise must be a finite number ≥ 0, got ${noise}`);
  if (!Number.isFinite(kappa) || kappa < 1) throw new RangeError(`noisyQuadratic: kappa must be a finite number ≥ 1, got ${kappa}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`noisyQuadratic: seed must be a safe integer, got ${seed}`);
  const key = rng(seed);
  const loss = (cu: number, cv: number) => (x: TensorLike, y: TensorLike) => {
    const u = sub(add(mul(C, x), mul(S, y)), cu);
    const v = sub(sub(mul(C, y), mul(S, x)), cv);
    return mul(0.5, add(square(u), mul(kappa, square(v))));
  };
  return {
    name: 'noisy',
    title: `Noisy quadratic: minibatch gradients (σ = ${noise})`,
    formula: `f = ½ (u² + ${kappa} v²); each step sees the gradient plus noise of covariance σ² H`,
    f: loss(0, 0),
    minibatch: (step) => {
      const [zu, zv] = key.fold(step).normal(2);
      return loss(noise * zu, (noise * zv) / Math.sqrt(kappa));
    },
    xDomain: [-3, 3],
    yDomain: [-2, 2],
    start: [-2.6, 1.2],
    minimum: [0, 0],
    minValue: 0,
    curvature: [1, kappa],
    lr: { sgd: 0.05, adam: 0.05, default: 0.05 },
  };
}
