import { InvalidArgumentError, Tensor, UnsupportedError, checkOptions, flatten, isPlainRecord } from '@downhill/backend';
import { isTraced } from '../program/tracing-backend.js';
import { needParams } from '../transforms/needs-params.js';
import { mapTrees, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { CallbackResultError, checkReturnedTree, realTree, releaseReturned, tracedLike } from './callback-trees.js';
import { zoomLineSearch } from './zoom-line-search.js';

/** The state of {@link lbfgs}: the curvature pairs in a ring of fixed size, and the previous step. */
export type LbfgsState = {
  /** Iterations made (PyTorch's `n_iter`). */
  readonly count: number;
  /** Steps `sᵢ = θᵢ₊₁ − θᵢ`, a ring of `memorySize` trees. */
  readonly s: readonly Params[];
  /** Gradient differences `yᵢ = gᵢ₊₁ − gᵢ`, aligned with `s`. */
  readonly y: readonly Params[];
  /** `1 / (yᵢ·sᵢ)`, aligned with `s`. */
  readonly rho: readonly number[];
  /** Pairs held (≤ memorySize). */
  readonly size: number;
  /** Ring index of the oldest pair. */
  readonly head: number;
  /** The scale of the initial inverse Hessian `γ = s·y / y·y` of the newest pair (1 before any). */
  readonly hDiag: number;
  /** The gradient of the previous iteration. */
  readonly prevGrad: Params;
  /** The previous update (`t·d`). */
  readonly prevStep: Params;
};

/** Options of {@link lbfgs}. */
export interface LbfgsOptions {
  /** Curvature pairs kept (default 10, optax's; PyTorch's `history_size` default is 100). */
  readonly memorySize?: number;
  /**
   * The loss and its gradient at a point (real tensors of the parameters' backend), the objective
   * the gradients given to `update` come from; with it, every step runs the strong-Wolfe zoom line
   * search. Returns `[value, grads]` as `@downhill/autograd`'s `valueAndGrad` does; the value may be
   * a number or a one-element tensor. Without it, the step length is `lr` (`min(1, 1/‖g‖₁)·lr` on
   * the first iteration).
   */
  readonly valueAndGrad?: (params: Params) => readonly [number | Tensor, Params];
  /** Sufficient-decrease constant of the line search (default 1e-4). */
  readonly c1?: number;
  /** Curvature constant of the line search (default 0.9). */
  readonly c2?: number;
  /** Evaluations per line search at most (default 25, PyTorch's `max_ls`). */
  readonly maxLineSearchSteps?: number;
  /** No step where max |gᵢ| ≤ this (default 1e-7, PyTorch's `tolerance_grad`). */
  readonly toleranceGrad?: number;
  /** No step where the directional derivative is above −this (default 1e-9, PyTorch's `tolerance_change`). */
  readonly toleranceChange?: number;
}

/**
 * L-BFGS: a quasi-Newton direction from the last m curvature pairs (the two-loop recursion), with
 * a strong-Wolfe zoom line search when given the objective (Liu and Nocedal 1989).
 *
 * ```text
 * sₖ₋₁ = θₖ − θₖ₋₁,  yₖ₋₁ = gₖ − gₖ₋₁           (kept when y·s > 1e-10; the oldest dropped past m)
 * q = −g;  for i newest→oldest: αᵢ = ρᵢ·sᵢ·q,  q −= αᵢ·yᵢ          (ρᵢ = 1/(yᵢ·sᵢ))
 * r = γ·q  (γ = s·y/y·y of the newest pair);  for i oldest→newest: βᵢ = ρᵢ·yᵢ·r,  r += (αᵢ − βᵢ)·sᵢ
 * d = r;  t = line search along d from t₀ = lr (first iteration: min(1, 1/‖g‖₁)·lr), or t = t₀ without one
 * u = t·d
 * ```
 *
 * Used with a callback where the loop can evaluate the objective: `valueAndGrad` (for instance
 * `valueAndGrad(loss)` of `@downhill/autograd` on a full batch) is called at θ once and at each
 * trial point of the line search, as optax's `lbfgs` calls `value_fn`. `@downhill/optimizers`
 * still computes no derivatives. Not registered by name (the callback belongs to the loop), so it
 * is made by calling `lbfgs(lr, { valueAndGrad })`.
 *
 * Conventions: PyTorch's `torch.optim.LBFGS(lr, history_size=m, line_search_fn='strong_wolfe')`
 * with `max_iter=1` (one iteration per `update`; call `update` again for more): the same pair
 * acceptance (`y·s > 1e-10`), initial scaling γ, first step `min(1, 1/‖g‖₁)·lr`, tolerances and
 * line search (`_strong_wolfe`, cubic interpolation). Differences: where PyTorch skips a step whose
 * directional derivative is above −tolerance_change it still records that unapplied direction as
 * the next `s`; here the recorded step is the one applied (zero). optax's `lbfgs` defaults to
 * `memory_size=10` and its zoom line search starts from the previous step length and checks the
 * approximate Wolfe conditions; with the same initial step both find a strong-Wolfe point. The
 * value is re-evaluated at θ each update (one extra call, as PyTorch's closure does).
 *
 * Runs unfused where it matters: the dot products of the two-loop recursion and the line search
 * are read to the host each iteration (so a backend with synchronous reads is needed: cpu, tfjs);
 * the vector updates are backend ops. On a backend without synchronous reads (webgpu), `update`
 * throws `UnsupportedError`.
 *
 * @param lr - The initial step length of each iteration (1 with a line search, as PyTorch's default).
 * @param options - See {@link LbfgsOptions}.
 * @returns A transformation with state {@link LbfgsState}.
 * @throws CallbackResultError when `valueAndGrad` returns a value that is not a number, or gradients unlike the parameters.
 *
 * @example
 * ```ts
 * const f = valueAndGrad((p) => loss(p, xAll, yAll));     // @downhill/autograd
 * const tx = lbfgs(1, { valueAndGrad: f });
 * let state = tx.init(params);
 * for (let i = 0; i < 20; i++) ({ params, state } = step(tx, params, f(params)[1], state));
 * ```
 *
 * Liu and Nocedal, 1989, "On the limited memory BFGS method for large scale optimization",
 * Mathematical Programming 45; Nocedal and Wright, 2006, "Numerical Optimization", Algorithms 3.5,
 * 3.6 and 7.4.
 */
export function lbfgs(lr: number = 1, options: LbfgsOptions = {}): GradientTransformation<LbfgsState> {
  const where = 'lbfgs';
  const {
    memorySize = 10,
    valueAndGrad,
    c1 = 1e-4,
    c2 = 0.9,
    maxLineSearchSteps = 25,
    toleranceGrad = 1e-7,
    toleranceChange = 1e-9,
  } = checkOptions(where, options, {
    memorySize: true,
    valueAndGrad: true,
    c1: true,
    c2: true,
    maxLineSearchSteps: true,
    toleranceGrad: true,
    toleranceChange: true,
  });
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
    throw new InvalidArgumentError(`${where}: 'lr' must be a finite number > 0, got ${String(lr)}`);
  for (const [k, v] of Object.entries({ memorySize, maxLineSearchSteps })) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${where}: '${k}' must be a positive integer, got ${String(v)}`);
  }
  if (!(c1 > 0 && c1 < c2 && c2 < 1))
    throw new InvalidArgumentError(`${where}: the line search needs 0 < c1 < c2 < 1, got c1 = ${c1}, c2 = ${c2}`);
  for (const [k, v] of Object.entries({ toleranceGrad, toleranceChange })) {
    if (!(v >= 0)) throw new InvalidArgumentError(`${where}: '${k}' must be ≥ 0, got ${String(v)}`);
  }
  if (valueAndGrad !== undefined && typeof valueAndGrad !== 'function') {
    throw new InvalidArgumentError(
      `${where}: options.valueAndGrad must be a function (params) => [value, grads], got ${typeof valueAndGrad}`,
    );
  }

  return {
    name: where,
    init: (params) => ({
      count: 0,
      s: Array.from({ length: memorySize }, () => zerosLike(params)),
      y: Array.from({ length: memorySize }, () => zerosLike(params)),
      rho: Array.from({ length: memorySize }, () => 0),
      size: 0,
      head: 0,
      hDiag: 1,
      prevGrad: zerosLike(params),
      prevStep: zerosLike(params),
    }),
    update(grads, state, params) {
      const st = checkState(where, state, memorySize);
      const leaves = flatten(grads, where);
      if (leaves.length === 0) return [grads, state];
      const backend = leaves[0][1].backend;
      if (!backend.capabilities.syncRead) {
        throw new UnsupportedError(
          `${where}: backend '${backend.label}' reads tensors back only asynchronously; L-BFGS decides on the host each iteration (dot products, the line search), so it needs a backend with synchronous reads (cpu, tfjs-cpu, tfjs-wasm)`,
        );
      }
      const traced = isTraced(grads);
      const dot = (a: Params, b: Params): number => {
        let sum = 0;
        const rows = flatten(a).map(([n, t], i) => [n, t, flatten(b)[i][1]] as const);
        for (const [, x, z] of rows) {
          const r = x.backend.reduce('sum', x.backend.mul(x, z));
          sum += x.backend.readSync(r)[0];
        }
        return sum;
      };
      const maxAbs = (a: Params): number =>
        Math.max(0, ...flatten(a).map(([, x]) => x.backend.readSync(x.backend.reduce('max', x.backend.unary('abs', x)))[0]));
      const axpy = (x: Params, alpha: number, z: Params): Params => mapTrees([x, z], ([u, v]) => u.backend.add(u, u.backend.mul(v, alpha)));
      const scaled = (x: Params, alpha: number): Params => mapTrees([x], ([u]) => u.backend.mul(u, alpha));

      function l1(g: Params): number {
        let sum = 0;
        for (const [, x] of flatten(g)) sum += x.backend.readSync(x.backend.reduce('sum', x.backend.unary('abs', x)))[0];
        return sum;
      }

      function search(d: Params, t0: number, gtd: number): number {
        const ps = needParams(params, where);
        const first = evaluate(ps);
        releaseReturned(first.g, traced, grads, params, state);
        const f0 = first.f;
        const dNorm = maxAbs(d);
        const { t } = zoomLineSearch(
          (t) => {
            const at = realTree(mapTrees([ps, d], ([p, v]) => p.backend.add(p, p.backend.mul(v, t))));
            const { f, g } = evaluate(at);
            try {
              return { f, gtd: dot(g, d) };
            } finally {
              releaseReturned(g, traced, grads, params, state);
            }
          },
          t0,
          f0,
          gtd,
          dNorm,
          { c1, c2, toleranceChange, maxEvaluations: maxLineSearchSteps },
        );
        return t;
      }

      function evaluate(at: Params): { f: number; g: Params } {
        const real = realTree(at);
        const r = valueAndGrad!(real);
        if (!Array.isArray(r) || r.length !== 2) {
          throw new CallbackResultError(`${where}: valueAndGrad must return [value, grads], got ${describe(r)}`);
        }
        const [v, g] = r;
        const f = v instanceof Tensor ? readValue(v) : v;
        if (typeof f !== 'number')
          throw new CallbackResultError(`${where}: valueAndGrad's value must be a number or a one-element tensor, got ${describe(v)}`);
        const checked = tracedLike(checkReturnedTree(where, 'valueAndGrad gradient', g, real), grads);
        return { f: Number.isNaN(f) ? Number.POSITIVE_INFINITY : f, g: checked };
      }

      function readValue(v: Tensor): number | undefined {
        if (v.size !== 1) return undefined;
        const x = v.backend.readSync(v)[0];
        if (!traced && !v.disposed) v.dispose();
        return x;
      }

      // Every tensor made in this scope is released when it ends, except those returned.
      return backend.scope(() => {
        if (maxAbs(grads) <= toleranceGrad) return [zerosLike(grads), state] as [Params, LbfgsState];
        let { size, head, hDiag } = st;
        const s = [...st.s];
        const y = [...st.y];
        const rho = [...st.rho];
        if (st.count > 0) {
          const yNew = mapTrees([grads, st.prevGrad], ([g, p]) => g.backend.sub(g, p));
          const sNew = st.prevStep;
          const ys = dot(yNew, sNew);
          if (ys > 1e-10) {
            const at = size < memorySize ? (head + size) % memorySize : head;
            if (size < memorySize) size++;
            else head = (head + 1) % memorySize;
            y[at] = yNew;
            s[at] = scaled(sNew, 1); // a copy: the old state keeps its own prevStep
            rho[at] = 1 / ys;
            hDiag = ys / dot(yNew, yNew);
          }
        }
        // Two-loop recursion.
        const al: number[] = [];
        let q = scaled(grads, -1);
        for (let k = size - 1; k >= 0; k--) {
          const i = (head + k) % memorySize;
          al[i] = dot(s[i], q) * rho[i];
          q = axpy(q, -al[i], y[i]);
        }
        let d = scaled(q, hDiag);
        for (let k = 0; k < size; k++) {
          const i = (head + k) % memorySize;
          const be = dot(y[i], d) * rho[i];
          d = axpy(d, al[i] - be, s[i]);
        }
        let t = st.count === 0 ? Math.min(1, 1 / l1(grads)) * lr : lr;
        const gtd = dot(grads, d);
        if (gtd > -toleranceChange) t = 0;
        else if (valueAndGrad) t = search(d, t, gtd);
        const u = t === 0 ? zerosLike(grads) : scaled(d, t);
        // A copy: the caller's gradients are theirs to release.
        const prevGrad = mapTrees([grads], ([g]) => g.backend.mul(g, 1));
        // Every slot is a new tensor (copies of the pairs kept): the new state shares nothing with the old one, so
        // either can be released alone, and an in-place step writes each slot over its own old value.
        const fresh = (xs: Params[], old: readonly Params[]) => xs.map((x, i) => (x === old[i] ? scaled(x, 1) : x));
        const next: LbfgsState = {
          count: st.count + 1,
          s: fresh(s, st.s),
          y: fresh(y, st.y),
          rho,
          size,
          head,
          hDiag,
          prevGrad,
          prevStep: u,
        };
        return [u, next] as [Params, LbfgsState];
      });
    },
  };
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x instanceof Tensor) return `a tensor of shape [${x.shape.join(', ')}]`;
  return typeof x;
}

function checkState(where: string, state: unknown, memorySize: number): LbfgsState {
  const s = state as LbfgsState;
  if (
    !isPlainRecord(state) ||
    typeof s.count !== 'number' ||
    !Array.isArray(s.s) ||
    !Array.isArray(s.y) ||
    !Array.isArray(s.rho) ||
    s.s.length !== memorySize ||
    s.y.length !== memorySize ||
    typeof s.size !== 'number' ||
    typeof s.head !== 'number' ||
    typeof s.hDiag !== 'number'
  ) {
    throw new InvalidArgumentError(
      `${where}: expected a state { count, s, y, rho, size, head, hDiag, prevGrad, prevStep } with ${memorySize} curvature slots, made by this optimizer's init`,
    );
  }
  return s;
}
