import { checkOptions, flatten, InvalidArgumentError, unflatten, type Tensor } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { checkTrees, stateTree } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { alias } from './math.js';
import { noExtraEntries, stateLeaf } from './state-leaf.js';

/** The state of {@link scaleBySm3}: the momentum, and per axis `k` the accumulators of the parameters with more than `k` axes. */
export type ScaleBySm3State = {
  /** The momentum of the rescaled gradients, per parameter. */
  readonly mu: Params;
  /**
   * `acc[k]`: for each parameter of rank > k (rank ≥ 2), a vector over its axis `k`: the cover of
   * the accumulated squared gradients over that axis. A parameter of rank 0 or 1 keeps one full
   * accumulator (AdaGrad's, exact), in `acc[0]`.
   */
  readonly acc: readonly Params[];
};

/** Options of {@link scaleBySm3}. */
export interface ScaleBySm3Options {
  /** Momentum of the rescaled gradients, an EMA (default 0.9). */
  readonly b1?: number;
  /** Decay of the accumulators: 1 sums them (AdaGrad, the paper's), below 1 averages (default 1). */
  readonly b2?: number;
  /** Added inside the inverse root (default 1e-8). */
  readonly eps?: number;
}

/** `rank`: 0 or 1 keep a full accumulator; ≥ 2 one vector per axis. */
function axesOf(p: Tensor): number[][] {
  return p.shape.length < 2 ? [p.shape.slice()] : p.shape.map((d) => [d]);
}

/** Defaults of {@link scaleBySm3}'s options, shared with {@link sm3}. */
export const SCALE_BY_SM3_DEFAULTS = { b1: 0.9, b2: 1, eps: 1e-8 } as const;

/**
 * SM3 (Anil et al. 2019, "SM3-II"): AdaGrad with sublinear memory. For a parameter of shape
 * `[n₁, …, n_k]` it keeps one vector per axis instead of a full accumulator; the accumulator of an
 * entry is the minimum over its axes' vectors (a cover of the sums of squares), and each vector
 * then keeps the maximum over the entries it covers.
 *
 * ```text
 * ν̂ᵢ = min over axes a of acc_a[iₐ]                  (rank ≥ 2; rank ≤ 1: the full accumulator)
 * ν  = (1 − b2)·g² + b2·ν̂                           (b2 = 1: ν = g² + ν̂, the paper's)
 * r  = g / √(ν + ε)  where ν > 0, else 0
 * m ← b1·m + (1 − b1)·r,   u = m
 * acc_a[j] ← max of ν over the entries with iₐ = j
 * ```
 *
 * As optax's `scale_by_sm3`, including `ε` inside the inverse root and momentum as an EMA (the
 * paper's Algorithm SM3-II has no momentum; its TensorFlow code adds heavy-ball momentum).
 * Memory per parameter: `Σ nₐ` numbers besides the momentum. The minimum over the axes and the
 * products are elementwise (fused); the maxima over the other axes are reductions, run after the
 * program's first part.
 *
 * @param options - See {@link ScaleBySm3Options}.
 * @returns A transformation whose state is `{ mu, acc }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleBySm3(), scale(-0.1));
 * ```
 *
 * Anil, Gupta, Koren and Singer, 2019, "Memory-Efficient Adaptive Optimization" (NeurIPS 2019, https://arxiv.org/abs/1901.11150).
 */
export function scaleBySm3(options: ScaleBySm3Options = {}): GradientTransformation<ScaleBySm3State> {
  const where = 'scaleBySm3';
  const {
    b1 = SCALE_BY_SM3_DEFAULTS.b1,
    b2 = SCALE_BY_SM3_DEFAULTS.b2,
    eps = SCALE_BY_SM3_DEFAULTS.eps,
  } = checkOptions(where, options, { b1: true, b2: true, eps: true });
  checkHyperparam(where, 'b1', b1);
  if (!(b2 > 0 && b2 <= 1)) throw new InvalidArgumentError(`${where}: option 'b2' must be in (0, 1], got ${b2}`);
  checkHyperparam(where, 'eps', eps);
  const maxRank = (params: Params) => Math.max(1, ...flatten(params, where).map(([, p]) => axesOf(p).length));
  return {
    name: where,
    init(params) {
      const leaves = flatten(params, where);
      const acc: Params[] = [];
      for (let k = 0; k < maxRank(params); k++) {
        const entries = leaves
          .filter(([, p]) => axesOf(p).length > k)
          .map(([n, p]) => [n, p.backend.zeros(axesOf(p)[k], p.dtype)] as const);
        acc.push(unflatten(entries, params));
      }
      return {
        mu: unflatten(
          leaves.map(([n, p]) => [n, p.backend.zeros(p.shape, p.dtype)] as const),
          params,
        ),
        acc,
      };
    },
    update(grads, state) {
      const muTree = stateTree(state, 'mu', where);
      const accState = (state as { acc?: OptState }).acc;
      const accTrees = Array.isArray(accState) ? (accState as Params[]) : undefined;
      if (!accTrees) throw new InvalidArgumentError(`${where}: expected a state { mu, acc } made by this transformation's init`);
      const rows = checkTrees([grads, muTree], { where, labels: ['gradient', "state 'mu'"] });
      const names = new Set(rows.map(([n]) => n));
      accTrees.forEach((t, k) => noExtraEntries(where, `acc[${k}]`, flatten(t, where), names));
      const accOf = rows.map(([name, [g]]) =>
        axesOf(g).map((shape, k) => stateLeaf(where, accTrees[k] ?? {}, `acc[${k}]`, name, shape, g)),
      );
      if (!rows.length) return [grads, { mu: muTree, acc: accTrees }];
      const b = rows[0][1][0].backend;
      return b.scope(() => {
        const us: [string, Tensor][] = [];
        const ms: [string, Tensor][] = [];
        const accs: [string, Tensor][][] = accTrees.map(() => []);
        rows.forEach(([name, [g, m]], i) => {
          const rank = g.shape.length;
          const outs = b.scope(() => {
            let nuHat: Tensor;
            if (rank < 2) nuHat = accOf[i][0];
            else {
              const expanded = accOf[i].map((a, k) =>
                b.reshape(
                  a,
                  g.shape.map((d, j) => (j === k ? d : 1)),
                ),
              );
              nuHat = expanded.reduce((x, y) => b.binary('minimum', x, y));
            }
            const g2 = b.unary('square', g);
            const nu = b2 === 1 ? b.add(g2, nuHat) : b.add(b.mul(g2, 1 - b2), b.mul(nuHat, b2));
            const r = b.where(b.compare('greater', nu, 0), b.mul(g, b.unary('rsqrt', b.add(nu, eps))), 0);
            const m2 = b.add(b.mul(m, b1), b.mul(r, 1 - b1));
            const accNew =
              rank < 2
                ? [nu]
                : g.shape.map((_, k) =>
                    b.reduce(
                      'max',
                      nu,
                      g.shape.map((__, j) => j).filter((j) => j !== k),
                    ),
                  );
            return [m2, ...accNew];
          });
          const [m2, ...accNew] = outs;
          ms.push([name, m2]);
          us.push([name, alias(m2)]);
          accNew.forEach((a, k) => accs[k].push([name, a]));
        });
        const acc = accs.map((entries, k) => unflatten(entries, grads));
        return [unflatten(us, grads), { mu: unflatten(ms, grads), acc }];
      });
    },
  };
}
