import { mapTree } from '../tree.js';
import type { HessianEstimate } from '../second-order/scale-by-sophia.js';

/**
 * A stand-in Hessian-diagonal estimate for tests of optimizers that take one (Sophia,
 * AdaHessian) where no loss is at hand: `1 + θ²` elementwise, positive, different for every
 * entry and deterministic (so state round trips and fused-against-composed checks compare equal
 * runs). Not a curvature of anything: use Hutchinson's estimate from `@downhill/autograd` to train.
 *
 * @returns A {@link HessianEstimate} for any parameter tree.
 *
 * @example
 * ```ts
 * import { syntheticHessianEstimate } from '@downhill/optimizers/testing';
 * const tx = sophia(1e-2, { hessianEstimate: syntheticHessianEstimate() });
 * ```
 */
export function syntheticHessianEstimate(): HessianEstimate {
  return (params) =>
    mapTree(params, (p) => {
      const b = p.backend;
      return b.add(b.mul(p, p), 1);
    });
}
