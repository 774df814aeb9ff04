import type { Backend, Tensor } from '@downhill/backend';
import { maskSelects, type Mask } from '../mask.js';

/**
 * What the D-Adaptation family (D-Adaptation Adam, Prodigy) shares: the Adam hyperparameters,
 * the coupled or decoupled weight decay, and the distance estimate `d` kept as rank-0 tensors in
 * the state (so nothing is read back to the host).
 *
 * @internal
 */
export interface DAdaptationCore {
  readonly lr: number;
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decouple: boolean;
  readonly mask: Mask | undefined;
  readonly useBiasCorrection: boolean;
  readonly d0: number;
  readonly growthRate: number;
}

/**
 * Adam's bias correction `√(1 − b2ᵏ⁺¹)/(1 − b1ᵏ⁺¹)` at step `k` (0-based), or 1 without it.
 *
 * @internal
 */
export function biasCorrection(o: DAdaptationCore, k: number): number {
  return o.useBiasCorrection ? Math.sqrt(1 - o.b2 ** (k + 1)) / (1 - o.b1 ** (k + 1)) : 1;
}

/**
 * The gradient with the coupled (L2) weight decay added where it applies: `g + λ·p` when the decay
 * is not decoupled and the mask selects the parameter, else `g`.
 *
 * @internal
 */
export function coupledDecay(b: Backend, o: DAdaptationCore, where: string): (g: Tensor, p: Tensor, name: string) => Tensor {
  return (g, p, name) =>
    !o.decouple && o.weightDecay !== 0 && maskSelects(o.mask, name, p, where) ? b.add(g, b.mul(p, o.weightDecay)) : g;
}
