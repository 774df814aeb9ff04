import { InvalidArgumentError, Tensor, checkOptions, flatten, isPlainRecord, unflatten } from '@downhill/backend';
import type { GradientTransformation, Params } from '../types.js';
import { orthogonalFactor, symmetricEigenbasis } from './eigenbasis.js';
import { factorStatistic } from './matrix-view.js';
import { identity } from './inverse-root.js';
import { checkEvery } from './scale-by-sophia.js';

/** One preconditioned axis of a parameter: its factor statistic and the eigenbasis in use. */
export type SoapFactor = {
  /** The moving average of the factor statistic along this axis (`L` or `R` in the paper), `[d, d]`. */
  readonly stats: Tensor;
  /** The orthogonal eigenbasis of `stats` as of the last refresh (columns by descending eigenvalue), `[d, d]`. */
  readonly basis: Tensor;
};

/** The state of one parameter under {@link scaleBySoap}. */
export type SoapLeafState = {
  /** Adam's first moment, in the eigenbasis (the parameter's shape). */
  readonly m: Tensor;
  /** Adam's second moment, in the eigenbasis (the parameter's shape). */
  readonly v: Tensor;
  /** One factor per preconditioned axis of the working shape, in axis order. */
  readonly factors: readonly SoapFactor[];
};

/** The state of {@link scaleBySoap}: the step count and, per parameter (in `flatten` order), its moments and factors. */
export type ScaleBySoapState = {
  /** Updates made so far (the first only gathers statistics and returns zeros). */
  readonly count: number;
  /** Per parameter, in `flatten` order. */
  readonly leaves: readonly SoapLeafState[];
};

/** Options of {@link scaleBySoap}. */
export interface ScaleBySoapOptions {
  /** Adam's first-moment decay (default 0.95, the authors'). */
  readonly b1?: number;
  /** Adam's second-moment decay (default 0.95, the authors'). */
  readonly b2?: number;
  /** Decay of the factor statistics' moving average (default: `b2`, the authors' `shampoo_beta = -1`). */
  readonly shampooBeta?: number;
  /** Added to `√v` (default 1e-8). */
  readonly eps?: number;
  /** Refresh the eigenbases every k Adam steps, by one power iteration and a QR decomposition (default 10). */
  readonly preconditionFrequency?: number;
  /** Axes longer than this are not preconditioned (identity basis; default 10000, the authors'). */
  readonly maxPreconditionDim?: number;
  /** Merge neighbouring axes while their product stays within `maxPreconditionDim` (default false). */
  readonly mergeDims?: boolean;
  /** Precondition vectors (rank-1 parameters) too (default false: Adam for them). */
  readonly precondition1d?: boolean;
  /** Divide each parameter's update by its RMS (default false). */
  readonly normalizeGrads?: boolean;
  /** Adam's bias correction (default true). */
  readonly correctBias?: boolean;
}

/**
 * The authors' `merge_dims`: neighbouring axes merged while their product stays within `max`.
 *
 * @internal
 */
export function soapWorkingShape(shape: readonly number[], max: number, merge: boolean): number[] {
  if (shape.length === 0) return [];
  if (shape.length === 1 || !merge) return [...shape];
  const out: number[] = [];
  let cur = 1;
  for (const d of shape) {
    if (cur * d > max) {
      if (cur > 1) {
        out.push(cur);
        cur = d;
      } else {
        out.push(d);
        cur = 1;
      }
    } else cur *= d;
  }
  if (cur > 1 || out.length === 0) out.push(cur);
  return out;
}

/**
 * The option keys of {@link scaleBySoap}.
 *
 * @internal
 */
export const SCALE_BY_SOAP_KEYS = {
  b1: true,
  b2: true,
  shampooBeta: true,
  eps: true,
  preconditionFrequency: true,
  maxPreconditionDim: true,
  mergeDims: true,
  precondition1d: true,
  normalizeGrads: true,
  correctBias: true,
} as const;

/**
 * SOAP's direction (see {@link soap}): Adam in the eigenbasis of Shampoo's preconditioner.
 *
 * @param options - See {@link ScaleBySoapOptions}.
 * @returns A transformation whose state is {@link ScaleBySoapState}.
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
    mergeDims = false,
    precondition1d = false,
    normalizeGrads = false,
    correctBias = true,
  } = checkOptions(where, options, SCALE_BY_SOAP_KEYS);
  const beta = (name: string, x: unknown) => {
    if (typeof x !== 'number' || !(x >= 0 && x < 1))
      throw new InvalidArgumentError(`${where}: '${name}' must be a number in [0, 1), got ${String(x)}`);
    return x;
  };
  beta('b1', b1);
  beta('b2', b2);
  const sb = shampooBeta === undefined ? b2 : beta('shampooBeta', shampooBeta);
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
    throw new InvalidArgumentError(`${where}: 'eps' must be a finite number >= 0, got ${String(eps)}`);
  const freq = checkEvery(where, preconditionFrequency, 'preconditionFrequency');
  const maxDim = checkEvery(where, maxPreconditionDim, 'maxPreconditionDim');
  for (const [name, flag] of [
    ['mergeDims', mergeDims],
    ['precondition1d', precondition1d],
    ['normalizeGrads', normalizeGrads],
    ['correctBias', correctBias],
  ] as const) {
    if (typeof flag !== 'boolean') throw new InvalidArgumentError(`${where}: '${name}' must be a boolean, got ${String(flag)}`);
  }

  /** The working shape and which of its axes are preconditioned. */
  const layout = (shape: readonly number[]) => {
    const dims = soapWorkingShape(shape, maxDim, mergeDims);
    const pre = dims.map((d) => d <= maxDim && (dims.length > 1 || precondition1d));
    return { dims, pre };
  };

  return {
    name: where,
    init: (params) => ({
      count: 0,
      leaves: flatten(params, where).map(([, t]) => {
        const b = t.backend;
        const { dims, pre } = layout(t.shape);
        return {
          m: b.zeros(t.shape, t.dtype),
          v: b.zeros(t.shape, t.dtype),
          factors: dims.flatMap((d, i) => (pre[i] ? [{ stats: b.zeros([d, d], t.dtype), basis: identity(b, d, t.dtype) }] : [])),
        };
      }),
    }),
    update(grads, state) {
      if (!isPlainRecord(state) || typeof state.count !== 'number' || !Array.isArray(state.leaves)) {
        throw new InvalidArgumentError(`${where}: expected a state { count, leaves } made by this transformation's init`);
      }
      const leaves = flatten(grads, where);
      if (leaves.length !== state.leaves.length) {
        throw new InvalidArgumentError(
          `${where}: the state holds ${state.leaves.length} parameters but the gradients have ${leaves.length}; was it made by init() for other parameters?`,
        );
      }
      for (const [li, [name, g]] of leaves.entries()) {
        const s = state.leaves[li];
        const { dims, pre } = layout(g.shape);
        const sides = dims.filter((_, k) => pre[k]);
        const ok =
          isPlainRecord(s) &&
          s.m instanceof Tensor &&
          s.v instanceof Tensor &&
          shapeIs(s.m, g.shape) &&
          shapeIs(s.v, g.shape) &&
          Array.isArray(s.factors) &&
          s.factors.length === sides.length &&
          s.factors.every(
            (f: unknown, k: number) =>
              isPlainRecord(f) &&
              f.stats instanceof Tensor &&
              f.basis instanceof Tensor &&
              shapeIs(f.stats, [sides[k], sides[k]]) &&
              shapeIs(f.basis, [sides[k], sides[k]]),
          );
        if (!ok) {
          throw new InvalidArgumentError(
            `${where}: the state of '${name}' should hold m, v of shape [${g.shape.join(', ')}] and factors of sides [${sides.join(', ')}]; was it made by init() for parameters of other shapes or options?`,
          );
        }
      }
      if (leaves.length === 0) return [grads, state];
      const first = state.count === 0;
      const t = state.count; // Adam's step number on this call (the first call takes none)
      const refresh = !first && t % freq === 0;
      const backend = leaves[0][1].backend;
      const host = backend.capabilities.syncRead;
      return backend.scope(() => {
        const next: SoapLeafState[] = [];
        const out = leaves.map(([name, g], li) => {
          const b = g.backend;
          const s = state.leaves[li];
          const { dims, pre } = layout(g.shape);
          const qs = bases(
            pre,
            s.factors.map((f) => f.basis),
          );
          const gg = s.factors.map((f, i) => {
            const axis = pre.map((p, k) => (p ? k : -1)).filter((k) => k >= 0)[i];
            const stat = factorStatistic(dims.length === g.shape.length ? g : b.reshape(g, dims), axis);
            return b.add(f.stats, b.mul(b.sub(stat, f.stats), 1 - sb)); // the authors' lerp
          });
          if (first) {
            // The authors' first step: statistics and eigenbases only, no update.
            const q = gg.map((a) => (host ? eigenbasis(a) : orthogonalIteration(a, identity(b, a.shape[0], a.dtype), 4)));
            next.push({ m: b.mul(s.m, 1), v: b.mul(s.v, 1), factors: gg.map((a, i) => ({ stats: a, basis: q[i] })) });
            return [name, b.zeros(g.shape, g.dtype)] as const;
          }
          const gp = project(g, dims, qs, false);
          let m = b.add(b.mul(s.m, b1), b.mul(gp, 1 - b1));
          let v = b.add(b.mul(s.v, b2), b.mul(b.unary('square', gp), 1 - b2));
          const scale = correctBias ? Math.sqrt(1 - b2 ** t) / (1 - b1 ** t) : 1;
          let u = project(b.div(m, b.add(b.unary('sqrt', v), eps)), dims, qs, true);
          if (normalizeGrads) u = b.div(u, b.add(b.unary('sqrt', b.div(b.reduce('sum', b.unary('square', u)), u.size)), 1e-30));
          u = b.mul(u, scale);
          let factors: SoapFactor[] = gg.map((a, i) => ({ stats: a, basis: b.mul(s.factors[i].basis, 1) }));
          if (refresh && factors.length > 0) {
            // New eigenbases by one power iteration; m moves to them, v's entries follow their columns.
            const original = project(m, dims, qs, true);
            let vw = b.reshape(v, dims);
            factors = factors.map((f, i) => {
              const axis = pre.map((p, k) => (p ? k : -1)).filter((k) => k >= 0)[i];
              if (!host) return { stats: f.stats, basis: orthogonalIteration(f.stats, f.basis, 1) };
              const [q, order] = powerQr(f.stats, f.basis);
              vw = b.gather(vw, b.tensor(Int32Array.from(order), [order.length], 'int32'), axis);
              return { stats: f.stats, basis: q };
            });
            v = b.reshape(vw, g.shape);
            m = project(
              original,
              dims,
              bases(
                pre,
                factors.map((f) => f.basis),
              ),
              false,
            );
          }
          next.push({ m, v, factors });
          return [name, u] as const;
        });
        return [unflatten(out, grads), { count: state.count + 1, leaves: next }] as [Params, ScaleBySoapState];
      });
    },
  };
}

function shapeIs(t: Tensor, shape: readonly number[]): boolean {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
}

/** Per working axis, its basis or `undefined` (identity). */
function bases(pre: readonly boolean[], qs: readonly Tensor[]): (Tensor | undefined)[] {
  let i = 0;
  return pre.map((p) => (p ? qs[i++] : undefined));
}

/**
 * `x` expressed in the bases (`back`: returned from them), axis by axis as the authors'
 * `tensordot(x, Q, [[0], [0]])` (back: `[[0], [1]]`): each pass contracts the leading axis and
 * appends the result as the last, so after all axes the order is restored.
 */
function project(x: Tensor, dims: readonly number[], qs: readonly (Tensor | undefined)[], back: boolean): Tensor {
  if (dims.length === 0 || qs.every((q) => q === undefined)) return x;
  const b = x.backend;
  let shape = [...dims];
  let cur = x;
  for (const q of qs) {
    const d = shape[0];
    const m2 = b.reshape(cur, [d, x.size / d]);
    const moved = q ? b.matmul(m2, q, { transposeA: true, transposeB: back }) : b.transpose(m2, [1, 0]);
    shape = [...shape.slice(1), d];
    cur = moved;
  }
  return b.reshape(cur, x.shape);
}

/** The eigenbasis of a symmetric matrix, columns by descending eigenvalue (host, float64). */
function eigenbasis(a: Tensor): Tensor {
  const n = a.shape[0];
  return a.backend.tensor(symmetricEigenbasis(a.backend.readSync(a), n), [n, n], a.dtype);
}

/**
 * The authors' refresh (`get_orthogonal_matrix_QR`): the columns of `q` sorted by their estimated
 * eigenvalues `diag(qᵀ·gg·q)` (descending), then `Q = qr(gg·q_sorted)`; returns `Q` and the order.
 */
function powerQr(gg: Tensor, q: Tensor): [Tensor, number[]] {
  const b = gg.backend;
  const n = gg.shape[0];
  const gq = b.matmul(gg, q);
  const est = b.readSync(b.reduce('sum', b.mul(q, gq), 0));
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => est[j] - est[i] || i - j);
  const power = b.gather(gq, b.tensor(Int32Array.from(order), [n], 'int32'), 1);
  return [b.tensor(orthogonalFactor(b.readSync(power), n), [n, n], gg.dtype), order];
}

/**
 * On backends without synchronous reads: `iterations` steps of orthogonal iteration
 * `Q ← gram_schmidt((gg + μ·I)·Q)` on the device (classical Gram–Schmidt, twice), without the
 * host's sort. The shift `μ` (1e-3 of the mean eigenvalue) keeps the columns independent where `gg`
 * is singular and leaves the eigenvectors unchanged.
 */
function orthogonalIteration(gg: Tensor, q0: Tensor, iterations: number): Tensor {
  const b = gg.backend;
  const n = gg.shape[0];
  const eye = identity(b, n, gg.dtype);
  const mu = b.add(b.mul(b.reduce('sum', b.mul(gg, eye)), 1e-3 / n), 1e-30);
  const a = b.add(gg, b.mul(eye, mu));
  let q = q0;
  for (let k = 0; k < iterations; k++) {
    const p = b.matmul(a, q);
    let basis: Tensor | undefined;
    for (let j = 0; j < n; j++) {
      let c = b.slice(p, [0, j], [n, 1]);
      if (basis) {
        for (let r = 0; r < 2; r++) c = b.sub(c, b.matmul(basis, b.matmul(basis, c, { transposeA: true })));
      }
      c = b.div(c, b.add(b.unary('sqrt', b.reduce('sum', b.unary('square', c))), 1e-30));
      basis = basis ? b.concat([basis, c], 1) : c;
    }
    q = basis!;
  }
  return q;
}
