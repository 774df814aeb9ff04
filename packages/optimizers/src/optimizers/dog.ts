import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { maskSelects, type Mask } from '../mask.js';
import { needParams } from '../transforms/needs-params.js';
import { checkTrees, flatten, mapTreesN, rank0Like, stateNumber, stateScalar, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';

/** The state of DoG's core: the step count, `r̄` and `G` (rank-0 tensors), and the displacement from the start. */
export type DogState = {
  /** Updates made so far. */
  readonly count: number;
  /** The largest distance `r̄` from the start so far (a rank-0 tensor, 0 before the first step; `null` for an empty tree). */
  readonly rbar: Tensor | null;
  /** The sum `G` of the squared gradient norms, plus ε (a rank-0 tensor, 0 before the first step; `null` for an empty tree). */
  readonly gSum: Tensor | null;
  /** The displacement `x − x₀`: the sum of this transformation's updates. */
  readonly delta: Params;
};

/** Options of {@link dog}. */
export interface DogOptions {
  /** `r_ε` relative to the start: the first distance is `repsRel·(1 + ‖x₀‖)` (default 1e-6; 1e-4 with batch normalization, say the authors). */
  readonly repsRel?: number;
  /** L2 weight decay added to the gradient, `g ← g + λ·x` (default 0). */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (default all). */
  readonly mask?: Mask;
  /** Added to `G` at the first step (default 1e-8). */
  readonly eps?: number;
  /** The first step size, instead of the one from `repsRel` (default none). */
  readonly initEta?: number;
}

interface Core {
  readonly lr: number;
  readonly repsRel: number;
  readonly weightDecay: number;
  readonly mask: Mask | undefined;
  readonly eps: number;
  readonly initEta: number | undefined;
}

function scaleByDog(where: string, o: Core): GradientTransformation<DogState> {
  return {
    name: where,
    init(params) {
      const scalar = rank0Like(params, where);
      return { count: 0, rbar: scalar(0), gSum: scalar(0), delta: zerosLike(params) };
    },
    update(grads, state, params) {
      const ps = needParams(params, where);
      const k = stateNumber(state, 'count', where);
      const leaves = flatten(grads, where);
      if (leaves.length === 0) return [grads, { ...state, count: k + 1 }];
      const b = leaves[0][1].backend;
      const dtype = leaves[0][1].dtype;
      const rbarOld = stateScalar(state, 'rbar', where);
      const gOld = stateScalar(state, 'gSum', where);
      const decayed = (g: Tensor, p: Tensor, name: string): Tensor =>
        o.weightDecay !== 0 && maskSelects(o.mask, name, p, where) ? b.add(g, b.mul(p, o.weightDecay)) : g;
      const rows = checkTrees([grads, ps, stateTree(state, 'delta', where)], { where, labels: ['gradient', 'parameter', "state 'delta'"] });
      // Reductions over every parameter (one long vector): ‖g‖², and ‖x₀‖ at the first step or ‖x − x₀‖ later.
      const [rbar, gSum, eta] = b.scope(() => {
        let g2: Tensor | undefined;
        let n2: Tensor | undefined;
        for (const [name, [g0, p, delta]] of rows) {
          const g = decayed(g0, p, name);
          const a = b.reduce('sum', b.unary('square', g));
          const c = b.reduce('sum', b.unary('square', k === 0 ? p : delta));
          g2 = g2 ? b.add(g2, a) : a;
          n2 = n2 ? b.add(n2, c) : c;
        }
        const cast = (t: Tensor) => (t.dtype === dtype ? t : b.cast(t, dtype));
        const norm = b.unary('sqrt', cast(n2!));
        const rbar = k === 0 ? b.mul(b.add(norm, 1), o.repsRel) : b.binary('maximum', rbarOld!, norm);
        const gSum = k === 0 ? b.add(cast(g2!), o.eps) : b.add(gOld!, cast(g2!));
        const eta = k === 0 && o.initEta !== undefined ? b.scalar(-o.initEta, dtype) : b.mul(b.div(rbar, b.unary('sqrt', gSum)), -o.lr);
        return [rbar, gSum, eta];
      });
      const [updates, delta] = mapTreesN(
        2,
        [grads, ps, stateTree(state, 'delta', where)],
        ([g0, p, dOld], name) => {
          const u = b.mul(decayed(g0, p, name), eta);
          return [u, b.add(dOld, u)];
        },
        { where, labels: ['update', "state 'delta'"] },
      );
      eta.dispose();
      return [updates, { count: k + 1, rbar, gSum, delta }];
    },
  };
}

/**
 * DoG, "Distance over Gradients" (Ivgi, Hinder and Carmon 2023): SGD whose step size is the
 * largest distance travelled from the start over the root of the summed squared gradient norms,
 * with no learning rate to set (the rate given multiplies it, 1 by default).
 *
 * ```text
 * r̄₀ = repsRel·(1 + ‖x₀‖),   r̄ₜ = max(r̄ₜ₋₁, ‖xₜ − x₀‖)
 * Gₜ = ε + Σᵢ≤ₜ ‖gᵢ‖²,   ηₜ = lr·r̄ₜ / √Gₜ
 * x ← x − ηₜ·g                                       (g ← g + λ·x with weight decay)
 * ```
 *
 * The norms are over all parameters together (the authors' `DoG`; their layer-wise `LDoG` is not
 * offered). Reductions first, scalars into programs: `‖g‖²` and `‖x − x₀‖` are reductions; `r̄`,
 * `G` and `η` stay rank-0 tensors on the device and enter the update program as a scalar.
 *
 * Conventions: as the authors' `DoG` (formll/dog): lr 1, `reps_rel` 1e-6, ε 1e-8 added once to
 * `G`, coupled weight decay 0, `init_eta` optional. Differences: the state holds the displacement
 * `x − x₀` as the running sum of the updates instead of a copy of `x₀` (the same memory, no
 * cancellation in float32; equal to the parameters' displacement when DoG's update is applied
 * unchanged); `r̄` and `G` are kept in the parameters' dtype. The authors advise iterate averaging
 * (their polynomial-decay averager): `paramsEma` gives an exponential one. optax's contrib `dog`
 * is the same rule; PyTorch and Keras have none.
 *
 * @param lr - A multiplier of DoG's step size (default 1, as the authors advise), or a schedule.
 * @param options - See {@link DogOptions}.
 * @returns The optimizer; its state holds `hyperparams` and `{ count, rbar, gSum, delta }`.
 *
 * @example
 * ```ts
 * const tx = dog(1, { repsRel: 1e-4 });
 * ```
 *
 * Ivgi, Hinder and Carmon, 2023, "DoG is SGD's Best Friend: A Parameter-Free Dynamic Step Size Schedule"
 * (https://arxiv.org/abs/2302.12022); reference code formll/dog, `src/dog/dog.py`.
 */
export function dog(lr: ScalarOrSchedule = 1, options: DogOptions = {}): InjectedTransformation {
  const where = 'dog';
  const {
    repsRel = 1e-6,
    weightDecay = 0,
    mask,
    eps = 1e-8,
    initEta,
  } = checkOptions(where, options, { repsRel: true, weightDecay: true, mask: true, eps: true, initEta: true });
  for (const [name, v] of [
    ['repsRel', repsRel],
    ['eps', eps],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
      throw new InvalidArgumentError(`${where}: ${name} must be a finite number ≥ 0, got ${String(v)}`);
  }
  if (initEta !== undefined && (typeof initEta !== 'number' || !(initEta > 0) || !Number.isFinite(initEta)))
    throw new InvalidArgumentError(`${where}: initEta must be a finite number > 0 or undefined, got ${String(initEta)}`);
  return withHyperparams(where, { lr, weightDecay }, (h) =>
    scaleByDog(where, { lr: h.lr, repsRel, weightDecay: h.weightDecay, mask, eps, initEta }),
  );
}
