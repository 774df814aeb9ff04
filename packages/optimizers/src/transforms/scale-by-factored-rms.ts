import { DTypeError, InvalidArgumentError, ShapeError, fmtShape, shapesEqual, type Tensor, checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { flatten, getLeaf, stateNumber, stateTree, unflatten } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { expandDims, meanAxis } from './math.js';

/**
 * The state of {@link scaleByFactoredRms}: the step count; row and column statistics for the
 * factored parameters; full second moments `v` for the others. Each tree holds only the
 * parameters it applies to.
 */
export type ScaleByFactoredRmsState = {
  /** Updates made so far. */
  readonly count: number;
  /** Row statistics of the factored parameters. */
  readonly vRow: Params;
  /** Column statistics of the factored parameters. */
  readonly vCol: Params;
  /** Full second moments of the parameters that are not factored. */
  readonly v: Params;
};

/** Options of {@link scaleByFactoredRms}. */
export interface ScaleByFactoredRmsOptions {
  /** Factor the second moments of parameters of rank ≥ 2 (default true). */
  readonly factored?: boolean;
  /** The exponent `c` of the decay schedule `β₂(t) = 1 − (t + 1)^(−c)` (default 0.8). */
  readonly decayRate?: number;
  /** Subtracted from the step count in the schedule, for fine-tuning (default 0). */
  readonly stepOffset?: number;
  /** Factor only when the second-largest dimension has at least this size (default 128). */
  readonly minDimSizeToFactor?: number;
  /** Added to the squared gradient (default 1e-30). */
  readonly eps?: number;
}

/** The two axes to factor over, `[d1, d0]` (second largest, largest), or `undefined`. */
export function factoredDims(shape: readonly number[], factored: boolean, minDimSizeToFactor: number): [number, number] | undefined {
  if (!factored || shape.length < 2) return undefined;
  const order = shape.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [d1size, d1] = order[order.length - 2];
  const d0 = order[order.length - 1][1];
  if (d1size < minDimSizeToFactor) return undefined;
  return [d1, d0];
}

/** Defaults of {@link scaleByFactoredRms}'s options, shared with {@link adafactor}. */
export const SCALE_BY_FACTORED_RMS_DEFAULTS = {
  factored: true,
  decayRate: 0.8,
  stepOffset: 0,
  minDimSizeToFactor: 128,
  eps: 1e-30,
} as const;

/**
 * Rescales updates by a factored estimate of the root mean square of the gradients: Adafactor's
 * second moments, which keep one row and one column vector per matrix instead of a full matrix
 * (optax's `scale_by_factored_rms`).
 *
 * ```text
 * β₂ = 1 − (t − offset + 1)^(−c),   G = g² + ε
 * factored (axes d₁ < d₀ by size):
 *   R ← β₂·R + (1 − β₂)·mean_{d₀}(G),   C ← β₂·C + (1 − β₂)·mean_{d₁}(G)
 *   u = g · (R / mean(R))^(−½) · C^(−½)          (R, C broadcast along the reduced axes)
 * otherwise:
 *   v ← β₂·v + (1 − β₂)·G,   u = g · v^(−½)
 * ```
 *
 * @param options - See {@link ScaleByFactoredRmsOptions}.
 * @returns A transformation whose state is `{ count, vRow, vCol, v }`.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByFactoredRms(), clipByBlockRms(1), scaleByLearningRate(1e-2));
 * ```
 *
 * Shazeer and Stern, 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost" (https://arxiv.org/abs/1804.04235).
 */
export function scaleByFactoredRms(options: ScaleByFactoredRmsOptions = {}): GradientTransformation<ScaleByFactoredRmsState> {
  const {
    factored = SCALE_BY_FACTORED_RMS_DEFAULTS.factored,
    decayRate = SCALE_BY_FACTORED_RMS_DEFAULTS.decayRate,
    stepOffset = SCALE_BY_FACTORED_RMS_DEFAULTS.stepOffset,
    minDimSizeToFactor = SCALE_BY_FACTORED_RMS_DEFAULTS.minDimSizeToFactor,
    eps = SCALE_BY_FACTORED_RMS_DEFAULTS.eps,
  } = checkOptions('scaleByFactoredRms', options, {
    factored: true,
    decayRate: true,
    stepOffset: true,
    minDimSizeToFactor: true,
    eps: true,
  });
  const where = 'scaleByFactoredRms';
  checkHyperparam(where, 'decayRate', decayRate);
  checkHyperparam(where, 'eps', eps);
  if (!Number.isInteger(stepOffset) || stepOffset < 0)
    throw new InvalidArgumentError(`${where}: option 'stepOffset' must be an integer ≥ 0, got ${stepOffset}`);
  if (!Number.isInteger(minDimSizeToFactor) || minDimSizeToFactor < 1) {
    throw new InvalidArgumentError(`${where}: option 'minDimSizeToFactor' must be an integer ≥ 1, got ${minDimSizeToFactor}`);
  }
  const dimsOf = (t: Tensor) => factoredDims(t.shape, factored, minDimSizeToFactor);
  const without = (shape: readonly number[], axis: number) => shape.filter((_, i) => i !== axis);

  const stat = (tree: Params, name: string, shape: readonly number[], key: string, like: Tensor): Tensor => {
    const t = getLeaf(tree, name);
    if (!t) throw new InvalidArgumentError(`${where}: state '${key}' has no entry for parameter '${name}'`);
    if (!shapesEqual(t.shape, shape))
      throw new ShapeError(
        `${where}: state '${key}' of parameter '${name}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)} for a parameter of shape ${fmtShape(like.shape)}`,
      );
    if (t.dtype !== like.dtype)
      throw new DTypeError(`${where}: state '${key}' of parameter '${name}' has dtype ${t.dtype}, expected ${like.dtype}`);
    if (t.disposed) throw new InvalidArgumentError(`${where}: state '${key}' of parameter '${name}' was released`);
    return t;
  };

  return {
    name: where,
    init(params) {
      const vRow: [string, Tensor][] = [];
      const vCol: [string, Tensor][] = [];
      const v: [string, Tensor][] = [];
      for (const [name, p] of flatten(params, where)) {
        const dims = dimsOf(p);
        const b = p.backend;
        if (dims) {
          vRow.push([name, b.zeros(without(p.shape, dims[1]), p.dtype)]);
          vCol.push([name, b.zeros(without(p.shape, dims[0]), p.dtype)]);
        } else v.push([name, b.zeros(p.shape, p.dtype)]);
      }
      return { count: 0, vRow: unflatten(vRow, params), vCol: unflatten(vCol, params), v: unflatten(v, params) };
    },
    update(grads, state) {
      const count = stateNumber(state, 'count', where);
      const [rowTree, colTree, vTree] = [stateTree(state, 'vRow', where), stateTree(state, 'vCol', where), stateTree(state, 'v', where)];
      const leaves = flatten(grads, where);
      const names = new Set(leaves.map(([n]) => n));
      for (const [name, g] of leaves) {
        const tree = dimsOf(g) ? rowTree : vTree;
        if (!getLeaf(tree, name))
          throw new InvalidArgumentError(
            `${where}: the state has no statistics for parameter '${name}' (was it made for other parameters?)`,
          );
      }
      const extra = [...flatten(rowTree, where), ...flatten(vTree, where)].map(([n]) => n).filter((n) => !names.has(n));
      if (extra.length)
        throw new InvalidArgumentError(
          `${where}: the state holds statistics for ${extra.map((n) => `'${n}'`).join(', ')}, which the gradients do not name`,
        );
      const beta2 = 1 - Math.pow(count - stepOffset + 1, -decayRate);
      if (!leaves.length) return [{}, { count: count + 1, vRow: {}, vCol: {}, v: {} }];
      const b = leaves[0][1].backend;
      const out = b.scope(() => {
        const u: [string, Tensor][] = [];
        const vRow: [string, Tensor][] = [];
        const vCol: [string, Tensor][] = [];
        const v: [string, Tensor][] = [];
        for (const [name, g] of leaves) {
          const dims = dimsOf(g);
          if (dims) {
            const [d1, d0] = dims;
            const r = stat(rowTree, name, without(g.shape, d0), 'vRow', g);
            const c = stat(colTree, name, without(g.shape, d1), 'vCol', g);
            const [ui, r2, c2] = b.scope(() => {
              const gs = b.add(b.unary('square', g), eps);
              const r2 = b.add(b.mul(r, beta2), b.mul(meanAxis(gs, d0), 1 - beta2));
              const c2 = b.add(b.mul(c, beta2), b.mul(meanAxis(gs, d1), 1 - beta2));
              const reducedD1 = d1 > d0 ? d1 - 1 : d1;
              const rowFactor = b.unary('rsqrt', b.div(r2, meanAxis(r2, reducedD1, true)));
              const colFactor = b.unary('rsqrt', c2);
              return [b.mul(b.mul(g, expandDims(rowFactor, d0)), expandDims(colFactor, d1)), r2, c2];
            });
            u.push([name, ui]);
            vRow.push([name, r2]);
            vCol.push([name, c2]);
          } else {
            const vi = stat(vTree, name, g.shape, 'v', g);
            const [ui, v2] = b.scope(() => {
              const v2 = b.add(b.mul(vi, beta2), b.mul(b.add(b.unary('square', g), eps), 1 - beta2));
              return [b.mul(g, b.unary('rsqrt', v2)), v2];
            });
            u.push([name, ui]);
            v.push([name, v2]);
          }
        }
        return { u: unflatten(u, grads), vRow: unflatten(vRow, grads), vCol: unflatten(vCol, grads), v: unflatten(v, grads) };
      });
      return [out.u, { count: count + 1, vRow: out.vRow, vCol: out.vCol, v: out.v }];
    },
  };
}
