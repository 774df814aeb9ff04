import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { needParams } from '../transforms/needs-params.js';
import { mapTree, mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';

/** The state of the schedule-free core: the step count, the averaging weights and the base sequence `z`. */
export type ScheduleFreeState = {
  /** Updates made so far (`k` of the reference code). */
  readonly count: number;
  /** The largest (warmed-up) learning rate seen so far (−1 before the first step, as the reference code). */
  readonly lrMax: number;
  /** The sum of the averaging weights `(k+1)ʳ · lr_maxᵖ` so far. */
  readonly weightSum: number;
  /** The interpolation `b1` of the latest step: the evaluation point is `x = (y − (1 − b1)·z) / b1`. */
  readonly scheduleFreeB1: number;
  /** The base (SGD or Adam) iterate `z`, a copy of the parameters at `init`. */
  readonly z: Params;
  /** AdamW only: the second moment of the gradients. */
  readonly nu?: Params;
};

/** Options shared by {@link scheduleFreeSgd} and {@link scheduleFreeAdamw}. */
export interface ScheduleFreeOptions {
  /** Weight decay `λ`, evaluated at the training point `y` (default 0, as the reference code). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Linear warmup of the learning rate over this many steps (default 0: none). */
  readonly warmupSteps?: number;
  /** The power `r` of the step in the averaging weight `(k+1)ʳ·lr_maxᵖ` (default 0). */
  readonly r?: number;
  /** The power `p` of the largest learning rate in the averaging weight (default 2). */
  readonly weightLrPower?: number;
}

/** Options of {@link scheduleFreeSgd}. */
export interface ScheduleFreeSgdOptions extends ScheduleFreeOptions {
  /** The interpolation `β` between the average `x` and the base iterate `z` where gradients are taken (default 0.9). */
  readonly momentum?: ScalarOrSchedule;
}

/** Options of {@link scheduleFreeAdamw}. */
export interface ScheduleFreeAdamwOptions extends ScheduleFreeOptions {
  /** The interpolation `β₁` between `x` and `z` (default 0.9). */
  readonly b1?: ScalarOrSchedule;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: ScalarOrSchedule;
  /** Added to the root of the bias-corrected second moment (default 1e-8). */
  readonly eps?: ScalarOrSchedule;
}

interface Core {
  readonly lr: number;
  readonly b1: number;
  readonly weightDecay: number;
  readonly warmupSteps: number;
  readonly r: number;
  readonly weightLrPower: number;
  /** AdamW's normalization of the gradient; absent for SGD. */
  readonly adam?: { readonly b2: number; readonly eps: number };
}

/**
 * The schedule-free step written once for SGD and AdamW: an update program per parameter.
 *
 * ```text
 * lr_k = lr · min(1, (k+1)/warmup),  lr_max ← max(lr_max, lr_k)
 * w = (k+1)ʳ · lr_maxᵖ,  W ← W + w,  c = w / W   (0 while W = 0)
 * ĝ = g / (√(v / (1 − b2ᵏ⁺¹)) + ε) + λ·y     (AdamW: v ← b2·v + (1 − b2)·g²;  SGD: ĝ = g + λ·y)
 * y ← (1 − c)·y + c·z + lr_k·(β·(1 − c) − 1)·ĝ
 * z ← z − lr_k·ĝ
 * ```
 */
function scheduleFreeCore(where: string, o: Core): GradientTransformation<ScheduleFreeState> {
  return {
    name: where,
    init: (params) => ({
      count: 0,
      lrMax: -1,
      weightSum: 0,
      scheduleFreeB1: o.b1,
      z: mapTree(params, (p) => p.backend.mul(p, 1), where),
      ...(o.adam ? { nu: zerosLike(params) } : {}),
    }),
    update(grads, state, params) {
      const y = needParams(params, where);
      const k = stateNumber(state, 'count', where);
      const sched = k < o.warmupSteps ? (k + 1) / o.warmupSteps : 1;
      const lr = o.lr * sched;
      const lrMax = Math.max(lr, stateNumber(state, 'lrMax', where));
      const weight = (k + 1) ** o.r * lrMax ** o.weightLrPower;
      const weightSum = stateNumber(state, 'weightSum', where) + weight;
      const c = weightSum === 0 ? 0 : weight / weightSum;
      const yCoef = lr * (o.b1 * (1 - c) - 1);
      const adam = o.adam;
      const trees = [grads, y, stateTree(state, 'z', where)];
      if (adam) trees.push(stateTree(state, 'nu', where));
      const c2 = adam ? 1 - adam.b2 ** (k + 1) : 1;
      const [updates, z, nu] = mapTreesN(
        adam ? 3 : 2,
        trees,
        ([g, p, zOld, v]) => {
          const b = g.backend;
          let v2: Tensor | undefined;
          let gn = g;
          if (adam) {
            v2 = b.add(b.mul(v, adam.b2), b.mul(b.unary('square', g), 1 - adam.b2));
            gn = b.div(g, b.add(b.unary('sqrt', b.mul(v2, 1 / c2)), adam.eps));
          }
          if (o.weightDecay !== 0) gn = b.add(gn, b.mul(p, o.weightDecay));
          // y' − y = c·(z − y) + lr·(β(1 − c) − 1)·ĝ
          const u = b.add(b.mul(b.sub(zOld, p), c), b.mul(gn, yCoef));
          const z2 = b.sub(zOld, b.mul(gn, lr));
          return v2 ? [u, z2, v2] : [u, z2];
        },
        { where, labels: ['update', "state 'z'", "state 'nu'"] },
      );
      const next = { count: k + 1, lrMax, weightSum, scheduleFreeB1: o.b1, z };
      return [updates, adam ? { ...next, nu } : next];
    },
  };
}

function checkCommon(where: string, warmupSteps: number, r: number, weightLrPower: number): void {
  if (!Number.isSafeInteger(warmupSteps) || warmupSteps < 0)
    throw new InvalidArgumentError(`${where}: warmupSteps must be a non-negative integer, got ${String(warmupSteps)}`);
  for (const [name, v] of [
    ['r', r],
    ['weightLrPower', weightLrPower],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new InvalidArgumentError(`${where}: ${name} must be a finite number ≥ 0, got ${String(v)}`);
  }
}

/**
 * Schedule-free SGD (Defazio et al. 2024): momentum SGD whose iterates are averaged online, so it
 * needs no learning-rate schedule and no stopping time, written as one update program per parameter.
 *
 * ```text
 * y = (1 − β)·z + β·x           (the training point: the parameters this optimizer updates)
 * ĝ = ∇f(y) + λ·y
 * z ← z − lr_k·ĝ
 * x ← (1 − c)·x + c·z,  c = w_k / Σ w,  w_k = (k+1)ʳ · lr_maxᵖ
 * ```
 *
 * computed, as the reference code does, without storing `x`: `y ← (1 − c)·y + c·z + lr_k·(β(1 − c) − 1)·ĝ`.
 * `lr_k` is `lr` warmed up linearly over `warmupSteps`; `lr_max` is its running maximum.
 *
 * **Train and eval views.** The parameters this optimizer holds and updates are `y`, where
 * gradients are taken. Evaluate (test loss, accuracy, checkpoints for inference) at
 * `x = (y − (1 − β)·z) / β`: `scheduleFreeEvalParams(state, params)` returns it, and the
 * training loop keeps `params` as they are. This replaces the reference code's
 * `optimizer.eval()` / `optimizer.train()`, which overwrite the parameters in place; here nothing
 * is mode-dependent, and a step can never run at the wrong point.
 *
 * Conventions: as the authors' `SGDScheduleFree` (lr default 1 there; here the learning rate is
 * required), with weight decay added to the gradient at `y`. optax's `schedule_free_sgd` wraps
 * optax's `sgd` (whose momentum must be off) with the same averaging; PyTorch has no schedule-free
 * optimizer; Keras neither. A learning-rate schedule given here is applied on top (the method is
 * meant to run at a constant rate).
 *
 * @param lr - Learning rate (constant, or a schedule).
 * @param options - See {@link ScheduleFreeSgdOptions}.
 * @returns The optimizer; its state holds `hyperparams`, and the core's `{ count, lrMax, weightSum, scheduleFreeB1, z }`.
 *
 * @example
 * ```ts
 * const tx = scheduleFreeSgd(1, { momentum: 0.9 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * const evalParams = scheduleFreeEvalParams(state, params); // test the model at x
 * ```
 *
 * Defazio, Yang, Mehta, Mishchenko, Khaled and Cutkosky, 2024, "The Road Less Scheduled"
 * (https://arxiv.org/abs/2405.15682); reference code facebookresearch/schedule_free, `sgd_schedulefree.py`.
 */
export function scheduleFreeSgd(lr: ScalarOrSchedule, options: ScheduleFreeSgdOptions = {}): InjectedTransformation {
  const where = 'scheduleFreeSgd';
  const {
    momentum = 0.9,
    weightDecay = 0,
    warmupSteps = 0,
    r = 0,
    weightLrPower = 2,
  } = checkOptions(where, options, { momentum: true, weightDecay: true, warmupSteps: true, r: true, weightLrPower: true });
  checkCommon(where, warmupSteps, r, weightLrPower);
  return withHyperparams(where, { lr, momentum, weightDecay }, (h) => {
    checkHyperparam(where, 'momentum', h.momentum);
    if (h.momentum === 0)
      throw new InvalidArgumentError(`${where}: momentum must be in (0, 1), got 0 (the evaluation point divides by it)`);
    return scheduleFreeCore(where, { lr: h.lr, b1: h.momentum, weightDecay: h.weightDecay, warmupSteps, r, weightLrPower });
  });
}

/**
 * Schedule-free AdamW (Defazio et al. 2024): the schedule-free averaging around an Adam-normalized
 * base step, with no first moment (the interpolation `β₁` plays its part), written as one update
 * program per parameter.
 *
 * ```text
 * v ← b2·v + (1 − b2)·g²
 * ĝ = g / (√(v / (1 − b2ᵏ⁺¹)) + ε) + λ·y
 * y ← (1 − c)·y + c·z + lr_k·(β₁(1 − c) − 1)·ĝ,   z ← z − lr_k·ĝ
 * c = w_k / Σ w,  w_k = (k+1)ʳ · lr_maxᵖ,  lr_k = lr·min(1, (k+1)/warmupSteps)
 * ```
 *
 * The parameters are the training point `y`; evaluate at `x = (y − (1 − β₁)·z) / β₁` with
 * `scheduleFreeEvalParams` (see {@link scheduleFreeSgd} for the train and eval views).
 *
 * Conventions: as the authors' `AdamWScheduleFree` (default lr 0.0025 there, required here;
 * weight decay 0 by default, evaluated at `y` and scaled by the learning rate; ε outside the
 * root; no bias correction of a first moment because there is none). The reference's optional
 * `inner_momentum` is not offered. optax's `schedule_free_adamw` is the same rule (its warmup
 * is a schedule passed as the learning rate, and it sets `weight_lr_power` 2 too). PyTorch and
 * Keras have no schedule-free optimizer.
 *
 * @param lr - Learning rate (constant, or a schedule applied on top of `warmupSteps`).
 * @param options - See {@link ScheduleFreeAdamwOptions}.
 * @returns The optimizer; its state holds `hyperparams` and the core's `{ count, lrMax, weightSum, scheduleFreeB1, z, nu }`.
 *
 * @example
 * ```ts
 * const tx = scheduleFreeAdamw(2.5e-3, { warmupSteps: 100, weightDecay: 1e-4 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * const evalParams = scheduleFreeEvalParams(state, params); // evaluate here, keep training params
 * ```
 *
 * Defazio, Yang, Mehta, Mishchenko, Khaled and Cutkosky, 2024, "The Road Less Scheduled"
 * (https://arxiv.org/abs/2405.15682); reference code facebookresearch/schedule_free, `adamw_schedulefree.py`.
 */
export function scheduleFreeAdamw(lr: ScalarOrSchedule, options: ScheduleFreeAdamwOptions = {}): InjectedTransformation {
  const where = 'scheduleFreeAdamw';
  const {
    b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8,
    weightDecay = 0,
    warmupSteps = 0,
    r = 0,
    weightLrPower = 2,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true, weightDecay: true, warmupSteps: true, r: true, weightLrPower: true });
  checkCommon(where, warmupSteps, r, weightLrPower);
  return withHyperparams(where, { lr, b1, b2, eps, weightDecay }, (h) => {
    checkHyperparam(where, 'b1', h.b1);
    checkHyperparam(where, 'b2', h.b2);
    checkHyperparam(where, 'eps', h.eps);
    if (h.b1 === 0) throw new InvalidArgumentError(`${where}: b1 must be in (0, 1), got 0 (the evaluation point divides by it)`);
    return scheduleFreeCore(where, {
      lr: h.lr,
      b1: h.b1,
      weightDecay: h.weightDecay,
      warmupSteps,
      r,
      weightLrPower,
      adam: { b2: h.b2, eps: h.eps },
    });
  });
}
