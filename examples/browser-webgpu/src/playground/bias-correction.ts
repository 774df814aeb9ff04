import { createOptimizer, type GradientTransformation } from '@downhill/optimizers';
import type { Schedule } from '@downhill/schedulers';

/**
 * Adam with its bias correction turned off, made from the registry's own `adam` by rescaling its
 * hyperparameters each step, so the page runs the same Adam users import.
 *
 * Adam divides its moments by `c1 = 1 − b1ᵗ` and `c2 = 1 − b2ᵗ` (t counted from 1). Without the
 * correction the update is `η·m / (√(v + ε_root) + ε)`. Feeding Adam, at its step t,
 *
 * ```text
 * η'ₜ = η(t)·c1/√c2,   ε'ₜ = ε/√c2,   ε_root'ₜ = ε_root/c2
 * ```
 *
 * gives `η'·(m/c1) / (√(v/c2 + ε_root/c2) + ε/√c2) = η·m / (√(v + ε_root) + ε)`: exactly the
 * uncorrected rule. (Kingma and Ba write the corrected rule the other way round in Section 2:
 * `αₜ = α·√(1 − β2ᵗ)/(1 − β1ᵗ)`.) With b2 = 0.999 and b1 = 0.9 the uncorrected first steps are
 * several times larger (√c2 ≪ c1 early on): the second moment starts at zero and is
 * underestimated far longer than the first.
 *
 * @param lr - The learning rate's schedule (step counted from 0).
 * @param options - Adam's `b1`, `b2`, `eps`, `epsRoot` (defaults 0.9, 0.999, 1e-8, 0).
 * @returns The transformation, from `createOptimizer('adam', ...)`.
 *
 * @example
 * ```ts
 * const tx = adamWithoutBiasCorrection(() => 0.01, { b2: 0.999 });
 * ```
 */
export function adamWithoutBiasCorrection(
  lr: Schedule,
  { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 }: { b1?: number; b2?: number; eps?: number; epsRoot?: number } = {},
): GradientTransformation {
  if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1))
    throw new RangeError(`adam without bias correction: b1 and b2 must lie in [0, 1), got b1 = ${b1}, b2 = ${b2}`);
  const c1 = (step: number) => 1 - Math.pow(b1, step + 1);
  const c2 = (step: number) => 1 - Math.pow(b2, step + 1);
  return createOptimizer('adam', {
    lr: (step: number) => (lr(step) * c1(step)) / Math.sqrt(c2(step)),
    b1,
    b2,
    eps: (step: number) => eps / Math.sqrt(c2(step)),
    epsRoot: (step: number) => epsRoot / c2(step),
  });
}
