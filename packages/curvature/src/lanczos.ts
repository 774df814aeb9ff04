import type { Rng } from '@downhill/initializers';
import { axpy, dot, norm } from './flat.js';
import { tridiagonalEigen, type TridiagonalEigen } from './tridiagonal-eigen.js';

/** A symmetric linear operator on float64 host vectors of one length. @internal */
export type SymmetricOperator = (v: Float64Array) => Promise<Float64Array> | Float64Array;

/** What a Lanczos run built. @internal */
export interface LanczosState {
  /** The diagonal of the tridiagonal matrix T. */
  readonly alpha: number[];
  /** Its off-diagonal (length alpha.length − 1); a 0 marks a restart after an invariant subspace. */
  readonly beta: number[];
  /** The orthonormal basis, one vector per step. */
  readonly basis: Float64Array[];
  /** The norm of the residual after the last step: `H·Q = Q·T + residual·e_mᵀ`. */
  residualNorm: number;
  /** Whether the basis spans the whole space (no further step is possible). */
  complete: boolean;
  /** Whether the last step closed an invariant subspace (the next step restarts, if restarts are on). */
  closed: boolean;
}

/** Options of {@link lanczos}. @internal */
export interface LanczosOptions {
  /** At most this many steps. */
  readonly steps: number;
  /** Where fresh start vectors come from after an invariant subspace (`restart: true`). */
  readonly key: Rng;
  /** Continue in a fresh random direction orthogonal to the basis when the Krylov space closes (finds repeated eigenvalues); otherwise stop there. */
  readonly restart: boolean;
  /** Called after each step; return true to stop. */
  readonly after?: (state: LanczosState) => boolean;
}

/**
 * The Lanczos iteration with full reorthogonalization: each new vector is made orthogonal to the
 * whole basis by classical Gram–Schmidt applied twice ("twice is enough", Giraud et al. 2005),
 * so the basis stays orthonormal to rounding and no spurious copies of converged Ritz values
 * appear (as they do in the plain three-term recurrence). Costs one operator application and
 * `O(j·n)` host work per step j, and keeps the whole basis (steps × n float64 numbers).
 *
 * @internal
 */
export async function lanczos(
  op: SymmetricOperator,
  start: Float64Array,
  { steps, key, restart, after }: LanczosOptions,
): Promise<LanczosState> {
  const n = start.length;
  const state: LanczosState = { alpha: [], beta: [], basis: [], residualNorm: 0, complete: false, closed: false };
  let q: Float64Array = start.slice();
  const s0 = norm(q);
  for (let i = 0; i < n; i++) q[i] /= s0;
  let scale = 0;
  let restarts = 0;
  for (let j = 0; j < steps; j++) {
    state.basis.push(q);
    const w = Float64Array.from(await op(q));
    const a = dot(w, q);
    state.alpha.push(a);
    scale = Math.max(scale, Math.abs(a));
    reorthogonalize(w, state.basis);
    reorthogonalize(w, state.basis);
    let b = norm(w);
    state.residualNorm = b;
    if (state.basis.length === n) {
      state.complete = true;
      state.residualNorm = 0;
      after?.(state);
      break;
    }
    const closed = b <= 1e-12 * Math.max(scale, b, Number.MIN_VALUE);
    state.closed = closed;
    if (closed) state.residualNorm = 0;
    if (after?.(state)) break;
    if (j === steps - 1) break;
    if (closed) {
      // The Krylov space is invariant: the Ritz values so far are exact eigenvalues.
      state.residualNorm = 0;
      if (!restart) break;
      const fresh = freshDirection(state.basis, key.fold(restarts++), n);
      if (!fresh) {
        state.complete = true;
        break;
      }
      state.beta.push(0);
      q = fresh;
      continue;
    }
    scale = Math.max(scale, b);
    state.beta.push(b);
    for (let i = 0; i < n; i++) w[i] /= b;
    q = w;
    b = 0;
  }
  return state;
}

/** `w ← w − Σ (qᵢ·w) qᵢ` over the basis. @internal */
function reorthogonalize(w: Float64Array, basis: readonly Float64Array[]): void {
  for (const q of basis) axpy(-dot(w, q), q, w);
}

/** A unit vector orthogonal to `basis` from `key`, or undefined when the basis spans everything. */
function freshDirection(basis: readonly Float64Array[], key: Rng, n: number): Float64Array | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    const v = key.fold(attempt).normal(n);
    const before = norm(v);
    reorthogonalize(v, basis);
    reorthogonalize(v, basis);
    const after = norm(v);
    if (after > 1e-8 * before) {
      for (let i = 0; i < n; i++) v[i] /= after;
      return v;
    }
  }
  return undefined;
}

/** The Ritz values and vectors (in the basis's coordinates) of a Lanczos state. @internal */
export function ritz(state: LanczosState): TridiagonalEigen {
  return tridiagonalEigen(state.alpha, state.beta);
}

/** `Q·s`: a Ritz vector in the original space. @internal */
export function combine(basis: readonly Float64Array[], s: Float64Array): Float64Array {
  const out = new Float64Array(basis[0].length);
  for (let j = 0; j < basis.length; j++) axpy(s[j], basis[j], out);
  return out;
}
