import {
  InvalidArgumentError,
  UnsupportedError,
  checkOptions,
  flatten,
  isPlainRecord,
  unflatten,
  Tensor,
  type Backend,
} from '@downhill/backend';
import { chain } from '../chain.js';
import { checkHyperparam } from '../hyperparams.js';
import { withHyperparams, type InjectedTransformation } from '../inject-hyperparams.js';
import { mapTrees, stateNumber } from '../tree.js';
import { alias } from '../transforms/math.js';
import { needParams } from '../transforms/needs-params.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { GradientTransformation, Params, ScalarOrSchedule } from '../types.js';
import { orthogonalFactor, symmetricEigenbasis } from './eigenbasis.js';
import { identity } from './inverse-root.js';
import { matrixView } from './matrix-view.js';
import { checkEvery } from './scale-by-sophia.js';

/** One side of a parameter's preconditioner: Shampoo's statistics and their eigenbasis. */
export type SoapFactor = {
  /** The moving average of `G·Gᵀ` (left side) or `Gᵀ·G` (right side). */
  readonly stats: Tensor;
  /** Its eigenvectors (columns, by decreasing eigenvalue), as of the last refresh. */
  readonly basis: Tensor;
};

/** The two sides of one parameter's preconditioner; `null` where that side is not rotated (vectors, sides above `maxPreconditionDim`). */
export type SoapFactors = {
  /** The row side: statistics `G·Gᵀ` and their basis `Q_L` (`null` for a vector, or rows above `maxPreconditionDim`). */
  readonly left: SoapFactor | null;
  /** The column side: statistics `Gᵀ·G` and their basis `Q_R` (`null` for a vector, or columns above `maxPreconditionDim`). */
  readonly right: SoapFactor | null;
};

/** The state of {@link scaleBySoap}. */
export type ScaleBySoapState = {
  /** Updates made so far; the first one only gathers statistics (its update is zero). */
  readonly count: number;
  /** Adam's first moment, in the eigenbasis. */
  readonly mu: Params;
  /** Adam's second moment, in the eigenbasis. */
  readonly nu: Params;
  /** Per parameter, in `flatten` order, the two sides of its preconditioner. */
  readonly factors: readonly SoapFactors[];
};

/** Options of {@link scaleBySoap}. */
export interface ScaleBySoapOptions {
  /** Decay of Adam's first moment (default 0.95, the authors'). */
  readonly b1?: number;
  /** Decay of Adam's second moment (default 0.95, the authors'). */
  readonly b2?: number;
  /** Decay of the statistics `L`, `R` (default: `b2`, as the authors' `shampoo_beta = -1`). */
  readonly shampooBeta?: number;
  /** Added to `√ν` (default 1e-8). */
  readonly eps?: number;
  /** Refresh the eigenbases every k Adam steps (default 10, the authors'). */
  readonly preconditionFrequency?: number;
  /** Sides longer than this are not rotated (default 10000, the authors'). */
  readonly maxPreconditionDim?: number;
  /** Divide the update by its root mean square, per parameter (default false, the authors'). */
  readonly normalizeGrads?: boolean;
  /** Adam's bias correction (default true). */
  readonly correctBias?: boolean;
}

/** The option keys of {@link scaleBySoap}. */
const SCALE_BY_SOAP_KEYS = {
  b1: true,
  b2: true,
  shampooBeta: true,
  eps: true,
  preconditionFrequency: true,
  maxPreconditionDim: true,
  normalizeGrads: true,
  correctBias: true,
} as const;

/**
 * SOAP's preconditioned direction (see {@link soap}), before the learning rate.
 *
 * @param options - See {@link ScaleBySoapOptions}.
 * @returns A transformation whose state is a {@link ScaleBySoapState}.
 *
 * @example
 * ```ts
 * const tx = chain(scaleBySoap({ preconditionFrequency: 10 }), scaleByLearningRate(3e-3));
 * ```
 */
export function scaleBySoap(options: ScaleBySoapOptions = {}): GradientTransformation<ScaleBySoapState> {
  const where = 'soap';
  const {
    b1 = 0.95,
    b2 = 0.95,
    shampooBeta,
    eps = 1e-8,
    preconditionFrequency = 10,
    maxPreconditionDim = 10000,
    normalizeGrads = false,
    correctBias = true,
  } = checkOptions(where, options, SCALE_BY_SOAP_KEYS);
  for (const [name, v] of [
    ['b1', b1],
    ['b2', b2],
    ['shampooBeta', shampooBeta ?? b2],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0 && v < 1))
      throw new InvalidArgumentError(`${where}: '${name}' must be a number in [0, 1), got ${String(v)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw new InvalidArgumentError(`${where}: 'eps' must be a finite number ≥ 0, got ${String(eps)}`);
  const freq = checkEvery(where, preconditionFrequency, 'preconditionFrequency');
  const maxDim = checkEvery(where, maxPreconditionDim, 'maxPreconditionDim');
  for (const [name, v] of [
    ['normalizeGrads', normalizeGrads],
    ['correctBias', correctBias],
  ] as const) {
    if (typeof v !== 'boolean') throw new InvalidArgumentError(`${where}: '${name}' must be a boolean, got ${String(v)}`);
  }
  const sb = shampooBeta ?? b2;

  const sides = (shape: readonly number[]): [number, number] | null => {
    const v = matrixView(shape);
    return 'n' in v ? null : [v.rows, v.cols];
  };
  const factor = (t: Tensor, n: number): SoapFactor | null =>
    n > maxDim ? null : { stats: t.backend.zeros([n, n], t.dtype), basis: identity(t.backend, n, t.dtype) };

  return {
    name: where,
    init(params) {
      const leaves = flatten(params, where);
      const zeros = (t: Tensor) => t.backend.zeros(t.shape, t.dtype);
      return {
        count: 0,
        mu: unflatten(
          leaves.map(([k, t]) => [k, zeros(t)] as const),
          params,
        ),
        nu: unflatten(
          leaves.map(([k, t]) => [k, zeros(t)] as const),
          params,
        ),
        factors: leaves.map(([, t]) => {
          const s = sides(t.shape);
          return s ? { left: factor(t, s[0]), right: factor(t, s[1]) } : { left: null, right: null };
        }),
      };
    },
    update(grads, state) {
      if (!isPlainRecord(state) || typeof state.count !== 'number' || !Array.isArray(state.factors) || !state.mu || !state.nu)
        throw new InvalidArgumentError(`${where}: expected a state { count, mu, nu, factors } made by this transformation's init`);
      const leaves = flatten(grads, where);
      const mus = flatten(state.mu as Params, where);
      const nus = flatten(state.nu as Params, where);
      if (leaves.length !== state.factors.length || mus.length !== leaves.length || nus.length !== leaves.length)
        throw new InvalidArgumentError(
          `${where}: the state holds ${state.factors.length} parameters but the gradients have ${leaves.length}; was it made by init() for other parameters?`,
        );
      if (leaves.length === 0) return [grads, state];
      const b = leaves[0][1].backend;
      if (!b.capabilities.syncRead)
        throw new UnsupportedError(
          `${where}: the eigenbases are computed on the host, which needs a backend that reads synchronously (capabilities.syncRead); '${b.name}' reads only asynchronously. Use backend-cpu, tfjs-cpu, tfjs-wasm or cuda, or shampoo, whose roots are matmuls`,
        );
      leaves.forEach(([name, g], i) => {
        const f = state.factors[i] as SoapFactors;
        const s = sides(g.shape);
        const ok =
          isPlainRecord(f) &&
          mus[i][1].shape.join() === g.shape.join() &&
          nus[i][1].shape.join() === g.shape.join() &&
          (s === null ? f.left === null && f.right === null : checkSide(f.left, s[0], maxDim) && checkSide(f.right, s[1], maxDim));
        if (!ok)
          throw new InvalidArgumentError(
            `${where}: the state of '${name}' does not fit its gradient of shape [${g.shape.join(', ')}]; was it made by init() for parameters of other shapes?`,
          );
      });
      const first = state.count === 0;
      const t = state.count; // Adam's step: the first update only gathers statistics
      const refresh = !first && t % freq === 0;
      const scale = correctBias && !first ? Math.sqrt(1 - b2 ** t) / (1 - b1 ** t) : 1;
      return b.scope(() => {
        const updates: [string, Tensor][] = [];
        const mu: [string, Tensor][] = [];
        const nu: [string, Tensor][] = [];
        const factors: SoapFactors[] = [];
        leaves.forEach(([name, g], i) => {
          const old = state.factors[i] as SoapFactors;
          const s = sides(g.shape);
          const mat = s ? b.reshape(g, s) : g;
          const rot = (x: Tensor, f: SoapFactors) => project(b, x, f, false);
          const back = (x: Tensor, f: SoapFactors) => project(b, x, f, true);
          const asMat = (x: Tensor) => (s ? b.reshape(x, s) : x);
          // The statistics, as the authors' lerp: S + (1 − β)·(G·Gᵀ − S).
          const stats = (side: SoapFactor | null, left: boolean) =>
            side
              ? b.add(side.stats, b.mul(b.sub(b.matmul(mat, mat, left ? { transposeB: true } : { transposeA: true }), side.stats), 1 - sb))
              : null;
          if (first) {
            const fresh: SoapFactors = {
              left: old.left && withBasis(b, stats(old.left, true)!, null, null),
              right: old.right && withBasis(b, stats(old.right, false)!, null, null),
            };
            factors.push(fresh);
            updates.push([name, b.zeros(g.shape, g.dtype)]);
            mu.push([name, b.mul(mus[i][1], 1)]);
            nu.push([name, b.mul(nus[i][1], 1)]);
            return;
          }
          const gp = rot(mat, old);
          const m = b.add(b.mul(asMat(mus[i][1]), b1), b.mul(gp, 1 - b1));
          let v = b.add(b.mul(asMat(nus[i][1]), b2), b.mul(b.unary('square', gp), 1 - b2));
          let dir = back(b.div(m, b.add(b.unary('sqrt', v), eps)), old);
          if (normalizeGrads) dir = b.div(dir, b.add(b.unary('sqrt', b.div(b.reduce('sum', b.unary('square', dir)), dir.size)), 1e-30));
          updates.push([name, b.reshape(b.mul(dir, scale), g.shape)]);
          // The preconditioner after the step: new statistics, and new bases every `freq` steps
          // (the second moment's rows and columns follow the bases' new order).
          const mOrig = back(m, old);
          let left: SoapFactor | null = null;
          let right: SoapFactor | null = null;
          if (old.left) {
            const l = stats(old.left, true)!;
            const order = refresh ? basisOrder(b, l, old.left.basis) : null;
            left = withBasis(b, l, old.left.basis, order);
            if (order) v = b.gather(v, b.tensor(order, [order.length], 'int32'), 0);
          }
          if (old.right) {
            const r = stats(old.right, false)!;
            const order = refresh ? basisOrder(b, r, old.right.basis) : null;
            right = withBasis(b, r, old.right.basis, order);
            if (order) v = b.gather(v, b.tensor(order, [order.length], 'int32'), 1);
          }
          const fresh: SoapFactors = { left, right };
          factors.push(fresh);
          mu.push([name, b.reshape(rot(mOrig, fresh), g.shape)]);
          nu.push([name, b.reshape(v, g.shape)]);
        });
        return [unflatten(updates, grads), { count: state.count + 1, mu: unflatten(mu, grads), nu: unflatten(nu, grads), factors }] as [
          Params,
          ScaleBySoapState,
        ];
      });
    },
  };
}

function checkSide(f: unknown, n: number, maxDim: number): boolean {
  if (n > maxDim) return f === null;
  return isPlainRecord(f) && isMatrix(f.stats, n) && isMatrix(f.basis, n);
}

function isMatrix(t: unknown, n: number): boolean {
  return t instanceof Tensor && t.shape.length === 2 && t.shape[0] === n && t.shape[1] === n;
}

/** `Q_Lᵀ·X·Q_R` (into the eigenbasis), or `Q_L·X·Q_Rᵀ` back, skipping sides that are not rotated. */
function project(b: Backend, x: Tensor, f: SoapFactors, back: boolean): Tensor {
  let y = x;
  if (f.left) y = b.matmul(f.left.basis, y, back ? {} : { transposeA: true });
  if (f.right) y = b.matmul(y, f.right.basis, back ? { transposeB: true } : {});
  return y;
}

/** The order of the basis' columns by decreasing estimated eigenvalue `diag(Qᵀ·S·Q)` (the authors' sort before the power step). */
function basisOrder(b: Backend, stats: Tensor, basis: Tensor): number[] {
  const est = b.readSync(b.reduce('sum', b.mul(basis, b.matmul(stats, basis)), 0));
  return Array.from(est, (_, i) => i).sort((i, j) => est[j] - est[i] || i - j);
}

/**
 * A side with its new statistics and basis: the eigenvectors of the statistics when `basis` is
 * `null` (the first step), else one power step from the reordered `basis` orthonormalized by QR
 * when `order` is given (a refresh), else the old basis kept.
 */
function withBasis(b: Backend, stats: Tensor, basis: Tensor | null, order: number[] | null): SoapFactor {
  const n = stats.shape[0];
  if (basis === null) return { stats, basis: b.tensor(symmetricEigenbasis(b.readSync(stats), n), [n, n], stats.dtype) };
  if (order === null) return { stats, basis: b.mul(basis, 1) };
  const sorted = b.gather(basis, b.tensor(order, [n], 'int32'), 1);
  return { stats, basis: b.tensor(orthogonalFactor(b.readSync(b.matmul(stats, sorted)), n), [n, n], stats.dtype) };
}

/**
 * Decoupled weight decay applied after the step, as the authors' SOAP (and PyTorch's `AdamW` of
 * their code): `p ← (p + u)·(1 − η·λ)`, so the update becomes `u − η·λ·(p + u)`; not at the first
 * step, which SOAP skips whole.
 */
function decayAfterStep(rate: number): GradientTransformation<{ readonly count: number }> {
  const where = 'soap';
  return {
    name: 'soap/decay',
    init: () => ({ count: 0 }),
    update(grads, state, params) {
      const ps = needParams(params, where);
      const count = stateNumber(state, 'count', where);
      const updates = mapTrees(
        [grads, ps],
        ([u, p]) => {
          if (rate === 0 || count === 0) return alias(u);
          const b = u.backend;
          return b.sub(u, b.mul(b.add(p.dtype === u.dtype ? p : b.cast(p, u.dtype), u), rate));
        },
        { where, labels: ['update', 'parameter'], dtype: false },
      );
      return [updates, { count: count + 1 }];
    },
  };
}

/** Options of {@link soap}: those of {@link scaleBySoap} and the decoupled weight decay. */
export interface SoapOptions extends ScaleBySoapOptions {
  /** Decoupled weight decay `λ`, applied after the step as the authors do (default 0.01, the authors'). */
  readonly weightDecay?: ScalarOrSchedule;
}

/**
 * SOAP (Vyas et al. 2024): Adam run in the eigenbasis of Shampoo's preconditioner. Each matrix
 * gradient is rotated into the eigenvectors of its row and column statistics, Adam's moments are
 * kept there, and the step is rotated back; the bases are refreshed every `preconditionFrequency`
 * steps by one power-iteration step and a QR decomposition.
 *
 * ```text
 * L ← β_s·L + (1 − β_s)·G·Gᵀ,   R ← β_s·R + (1 − β_s)·Gᵀ·G          (after each step)
 * G' = Q_Lᵀ·G·Q_R,   m ← β₁·m + (1 − β₁)·G',   v ← β₂·v + (1 − β₂)·G'²
 * p ← p − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·Q_L·(m / (√v + ε))·Q_Rᵀ,   then p ← p·(1 − η·λ)
 * first step: L, R and Q = eigh(L), eigh(R) only (no update)
 * every k steps: Q ← qr(L·Q_sorted), Q_sorted the columns by decreasing diag(Qᵀ·L·Q), v's rows
 *                (and columns, for R) in the same order; m rotated from the old basis to the new
 * ```
 *
 * Vectors (biases, gains) are not rotated: they get Adam with the same betas (the authors'
 * `precondition_1d = False`), and so does any side longer than `maxPreconditionDim`.
 *
 * Conventions: the authors' `SOAP` class (lr 3e-3, betas 0.95, ε 1e-8, weight decay 0.01 after the
 * step, frequency 10, the first step skipped, `m` kept in the eigenbasis and rotated at each
 * refresh). Tensors of rank ≥ 3 are one matrix `[∏ leading dims, last dim]` (as `shampoo`),
 * where the authors rotate every axis with its own basis; no `merge_dims`, `data_format` or
 * `precondition_1d`. The eigendecomposition and QR run on the host in float64 (ml-matrix), where
 * the authors' code runs them in float32; a sign flip of a basis vector, which LAPACK and
 * ml-matrix may choose differently, leaves the update unchanged. optax has SOAP in `optax.contrib`
 * neither; PyTorch and Keras have none.
 *
 * What runs unfused: the rotations and the statistics are matmuls, and the eigenbases are computed
 * on the host from a synchronous read, so SOAP needs a backend with `capabilities.syncRead`
 * (backend-cpu, tfjs-cpu, tfjs-wasm, cuda; not webgpu, where it throws `UnsupportedError`); the
 * learning rate and the decay are update programs.
 *
 * @param lr - The learning rate η, or a schedule (the authors' default 3e-3).
 * @param options - See {@link SoapOptions}.
 * @returns An injectable transformation (`lr` and `weightDecay` readable and settable).
 *
 * @example
 * ```ts
 * const tx = soap(3e-3, { preconditionFrequency: 10 });
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state));
 * ```
 *
 * Vyas, Morwani, Zhao, Kwun, Shapira, Brandfonbrener, Janson and Kakade, 2024, "SOAP: Improving
 * and Stabilizing Shampoo using Adam" (https://arxiv.org/abs/2409.11321), Algorithm 3; reference
 * code nikhilvyas/SOAP, `soap.py`.
 */
export function soap(lr: ScalarOrSchedule, options: SoapOptions = {}): InjectedTransformation {
  const { weightDecay = 0.01, ...rest } = checkOptions('soap', options, { ...SCALE_BY_SOAP_KEYS, weightDecay: true });
  scaleBySoap(rest);
  return withHyperparams('soap', { lr, weightDecay }, (h) => {
    checkHyperparam('soap', 'weightDecay', h.weightDecay);
    return chain(scaleBySoap(rest), scaleByLearningRate(h.lr), decayAfterStep(h.lr * h.weightDecay));
  });
}
