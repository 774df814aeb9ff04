import { InvalidArgumentError, checkOptions, isPlainRecord } from '@downhill/backend';
import { mapTrees } from '../tree.js';
import type { GradientTransformation } from '../types.js';

/** The state of {@link reduceOnPlateau}: plain host numbers. */
export type ReduceOnPlateauState = {
  /** The factor the updates are multiplied by now (starts at 1). */
  readonly scale: number;
  /** The best metric reported so far, or `null` before the first report. */
  readonly best: number | null;
  /** Reports since the last improvement. */
  readonly numBad: number;
  /** Reports left before bad reports count again, after a reduction. */
  readonly cooldownCounter: number;
  /** Updates made so far (passed to the `metric` callback). */
  readonly count: number;
};

/** Options of {@link reduceOnPlateau}. */
export interface ReduceOnPlateauOptions {
  /**
   * The reported metric: called at every update with the 0-based step; a number is a new report
   * (a validation loss after an epoch), `undefined` means no report at this step. Required.
   */
  readonly metric?: (step: number) => number | undefined;
  /** `'min'` (default: lower is better, a loss) or `'max'` (an accuracy). */
  readonly mode?: 'min' | 'max';
  /** Multiply the scale by this on a plateau, in (0, 1) (default 0.1, PyTorch's). */
  readonly factor?: number;
  /** Reports without improvement tolerated before a reduction (default 10). */
  readonly patience?: number;
  /** How much better counts as better (default 1e-4). */
  readonly threshold?: number;
  /** `'rel'` (default: better than best·(1 ∓ threshold)) or `'abs'` (better than best ∓ threshold). */
  readonly thresholdMode?: 'rel' | 'abs';
  /** Reports to wait after a reduction before counting bad ones again (default 0). */
  readonly cooldown?: number;
  /** The scale never goes below this (default 0). */
  readonly minScale?: number;
  /** A reduction smaller than this is skipped (default 1e-8). */
  readonly eps?: number;
}

/**
 * Reduce-on-plateau: multiplies the updates by a scale that drops by `factor` when a reported
 * metric stops improving for more than `patience` reports (PyTorch's `ReduceLROnPlateau`, as a
 * gradient transformation after the learning rate, like optax's `contrib.reduce_on_plateau`).
 *
 * ```text
 * on a report x:  better = x < best·(1 − threshold)     ('min', 'rel'; 'abs': x < best − threshold; 'max' mirrored)
 *                 if better: best = x, bad = 0  else bad += 1
 *                 if cooldown > 0: cooldown −= 1, bad = 0
 *                 if bad > patience: s' = max(s·factor, minScale); if s − s' > eps: s = s'; cooldown = cooldown₀; bad = 0
 * u ← s·u
 * ```
 *
 * Conventions: PyTorch's `ReduceLROnPlateau` (torch 1.13, `torch/optim/lr_scheduler.py`) changes
 * the optimizer's learning rate and its `min_lr` and `eps` are in learning-rate units; here the
 * update is scaled, so `minScale` and `eps` are in units of the scale (`min_lr / lr`). The rules
 * for "better", patience, cooldown and the eps-skip are PyTorch's. optax's version compares with
 * `rtol`/`atol` together and can average the metric over `accumulation_size` reports; report
 * averages from the `metric` callback for that. A report applies from the update that reads it.
 *
 * Elementwise (one multiplication by a host scalar): fused with the rest of a chain.
 *
 * @param options - See {@link ReduceOnPlateauOptions}; `metric` is required.
 * @returns A transformation with host-number state `{ scale, best, numBad, cooldownCounter, count }`.
 * @throws InvalidArgumentError without `metric`, or for a report that is not a finite number.
 *
 * @example
 * ```ts
 * let validationLoss: number | undefined;
 * const tx = chain(adam(1e-3), reduceOnPlateau({ metric: () => validationLoss, patience: 2, factor: 0.5 }));
 * // after each epoch: validationLoss = evaluate(); then the next step reads it (set it back to undefined after)
 * ```
 *
 * PyTorch's `torch.optim.lr_scheduler.ReduceLROnPlateau`; optax's `contrib.reduce_on_plateau`.
 */
export function reduceOnPlateau(options: ReduceOnPlateauOptions = {}): GradientTransformation<ReduceOnPlateauState> {
  const where = 'reduceOnPlateau';
  const {
    metric,
    mode = 'min',
    factor = 0.1,
    patience = 10,
    threshold = 1e-4,
    thresholdMode = 'rel',
    cooldown = 0,
    minScale = 0,
    eps = 1e-8,
  } = checkOptions(where, options, {
    metric: true,
    mode: true,
    factor: true,
    patience: true,
    threshold: true,
    thresholdMode: true,
    cooldown: true,
    minScale: true,
    eps: true,
  });
  if (typeof metric !== 'function') {
    throw new InvalidArgumentError(`${where}: options.metric must be a function (step) => number | undefined, got ${typeof metric}`);
  }
  if (mode !== 'min' && mode !== 'max') throw new InvalidArgumentError(`${where}: 'mode' must be 'min' or 'max', got ${String(mode)}`);
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
    throw new InvalidArgumentError(`${where}: 'thresholdMode' must be 'rel' or 'abs', got ${String(thresholdMode)}`);
  }
  if (!(factor > 0 && factor < 1)) throw new InvalidArgumentError(`${where}: 'factor' must be in (0, 1), got ${factor}`);
  for (const [k, v] of Object.entries({ patience, cooldown })) {
    if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`${where}: '${k}' must be an integer ≥ 0, got ${v}`);
  }
  for (const [k, v] of Object.entries({ threshold, minScale, eps })) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${where}: '${k}' must be a finite number ≥ 0, got ${v}`);
  }
  const better = (x: number, best: number | null): boolean => {
    if (best === null) return true;
    if (mode === 'min') return thresholdMode === 'rel' ? x < best * (1 - threshold) : x < best - threshold;
    return thresholdMode === 'rel' ? x > best * (1 + threshold) : x > best + threshold;
  };
  return {
    name: where,
    init: () => ({ scale: 1, best: null, numBad: 0, cooldownCounter: 0, count: 0 }),
    update(updates, state) {
      if (!isPlainRecord(state) || typeof state.scale !== 'number' || typeof state.count !== 'number') {
        throw new InvalidArgumentError(
          `${where}: expected a state { scale, best, numBad, cooldownCounter, count } made by this transformation's init`,
        );
      }
      let { scale, best, numBad, cooldownCounter } = state;
      const x = metric(state.count);
      if (x !== undefined) {
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          throw new InvalidArgumentError(
            `${where}: the metric at step ${state.count} must be a finite number or undefined, got ${String(x)}`,
          );
        }
        if (better(x, best)) {
          best = x;
          numBad = 0;
        } else numBad += 1;
        if (cooldownCounter > 0) {
          cooldownCounter -= 1;
          numBad = 0;
        }
        if (numBad > patience) {
          const next = Math.max(scale * factor, minScale);
          if (scale - next > eps) scale = next;
          cooldownCounter = cooldown;
          numBad = 0;
        }
      }
      const u = mapTrees([updates], ([g]) => g.backend.mul(g, scale), { where, labels: ['update'] });
      return [u, { scale, best, numBad, cooldownCounter, count: state.count + 1 }];
    },
  };
}
