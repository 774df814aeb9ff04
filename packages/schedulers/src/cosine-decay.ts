import type { Schedule } from './types.js';
import { checkStep, clampBetween, optionsArg, positive, value } from './validate.js';

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** `T`: the number of steps the decay takes; > 0. */
  readonly decaySteps: number;
  /** `α`: the floor, as a fraction of `init`; default 0. */
  readonly alpha?: number;
  /** `p`: raises the cosine factor to this power; > 0, default 1. */
  readonly exponent?: number;
}

/**
 * Cosine decay from `init` down to `alpha · init` over `decaySteps` steps, then constant.
 *
 * $$ v(t) = I\left(\alpha + (1 - \alpha)\left[\tfrac12\left(1 + \cos\frac{\pi \min(t, T)}{T}\right)\right]^{p}\right) $$
 *
 * The value is exactly `init` at step 0 and exactly `alpha · init` from step `T` on.
 *
 * @param init - `I`, the value at step 0.
 * @param options - `decaySteps` (`T` > 0), `alpha` (`α`, default 0), `exponent` (`p` > 0, default 1).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { cosineDecay } from '@downhill/schedulers';
 * const lr = cosineDecay(0.1, { decaySteps: 1000, alpha: 0.01 });
 * lr(0); // 0.1
 * lr(500); // 0.1 · (0.01 + 0.99 · 0.5) = 0.0505
 * lr(1000); // 0.001
 * ```
 *
 * Follows optax's `cosine_decay_schedule` and TensorFlow's `CosineDecay` (`alpha` is a fraction of
 * `init`); PyTorch's `CosineAnnealingLR` is the same curve with an absolute floor `eta_min`.
 *
 * Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017,
 * https://arxiv.org/abs/1608.03983
 */
export function cosineDecay(init: number, options: CosineDecayOptions): Schedule {
  const where = 'cosineDecay';
  const {
    decaySteps,
    alpha = 0,
    exponent = 1,
  } = optionsArg(options, { decaySteps: 'required', alpha: 'optional', exponent: 'optional' }, where);
  value(init, 'init', where);
  positive(decaySteps, 'decaySteps', where);
  value(alpha, 'alpha', where);
  positive(exponent, 'exponent', where);
  return cosineBetween(init, alpha * init, decaySteps, exponent, where);
}

/**
 * The cosine curve from `from` (step 0) to `to` (step `steps` and after), raised to `exponent`:
 * `to + (from − to) · [½(1 + cos(π min(t, T) / T))]^p`. Exact at both ends, never outside them.
 * @internal shared by cosineDecay, warmupCosineDecay and sgdr.
 */
export function cosineBetween(from: number, to: number, steps: number, exponent: number, where: string): Schedule {
  return (step) => {
    checkStep(step, where);
    if (step <= 0) return from;
    if (step >= steps) return to;
    const c = 0.5 * (1 + Math.cos((Math.PI * step) / steps));
    return clampBetween(to + (from - to) * (exponent === 1 ? c : c ** exponent), from, to);
  };
}
