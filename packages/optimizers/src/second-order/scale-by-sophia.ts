import { InvalidArgumentError, checkOptions } from '@downhill/backend';
import { checkHyperparam, checkNamedHyperparam } from '../hyperparams.js';
import { isTraced } from '../program/tracing-backend.js';
import { needParams } from '../transforms/needs-params.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { MissingHessianEstimateError, checkReturnedTree, realTree, releaseReturned, tracedLike } from './callback-trees.js';

/**
 * A source of Hessian-diagonal estimates: called with the current parameters (real tensors of the
 * parameters' backend) and the 0-based step, it returns a tree shaped like the parameters. The
 * optimizer owns the returned tensors and releases them once used (a returned parameter is kept).
 * `@downhill/optimizers` computes no derivatives: compute the estimate in your loop, with
 * `@downhill/autograd` (Hutchinson: `z ⊙ (H z)` for a Rademacher `z`, by `hvp`) or from
 * per-sample gradients (Gauss-Newton-Bartlett: `B·ĝ²` for labels sampled from the model).
 *
 * @example
 * ```ts
 * const hessianEstimate: HessianEstimate = (params) => {
 *   const z = rademacherLike(params, rng);            // ±1 entries
 *   const hz = hvp(loss, params, z);                  // @downhill/autograd
 *   return mapTrees([z, hz], ([a, b]) => a.backend.mul(a, b));
 * };
 * ```
 */
export type HessianEstimate = (params: Params, step: number) => Params | undefined;

/** The state of {@link scaleBySophia}: the step count, the gradient EMA and the Hessian EMA. */
export type ScaleBySophiaState = {
  /** Updates made so far. */
  readonly count: number;
  /** The moving average of the gradients (`m`). */
  readonly mu: Params;
  /** The moving average of the Hessian-diagonal estimates (`h`), refreshed every `updateEvery` steps. */
  readonly h: Params;
};

/** Options of {@link scaleBySophia}. */
export interface ScaleBySophiaOptions {
  /** Decay of the gradient EMA (default 0.965, the authors'). */
  readonly b1?: number;
  /** Decay of the Hessian EMA (default 0.99, the authors'). */
  readonly b2?: number;
  /** The clipping scale γ multiplying `h` (default 0.04; the authors' code names it `rho` and multiplies by `rho·bs`, see `sophia`). */
  readonly gamma?: number;
  /** Floor of the denominator `max(γ·h, ε)` (default 1e-15, the authors' constant). */
  readonly eps?: number;
  /** Ask for a new estimate every k steps, at steps 0, k, 2k, ... (default 10, the authors' k). */
  readonly updateEvery?: number;
  /** Where the estimates come from (required). */
  readonly hessianEstimate?: HessianEstimate;
}

/** Defaults of {@link scaleBySophia}'s options, shared with {@link sophia}. */
export const SCALE_BY_SOPHIA_DEFAULTS = { b1: 0.965, b2: 0.99, gamma: 0.04, eps: 1e-15, updateEvery: 10 } as const;

/**
 * Sophia's clipped, Hessian-preconditioned momentum (the direction before the learning rate and
 * the weight decay; see `sophia`).
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * every k steps (t = 0, k, 2k, ...):  ĥ = hessianEstimate(θ, t);  h ← b2·h + (1 − b2)·ĥ
 * u = clip(m / max(γ·h, ε), −1, 1)      (= sign(m)·min(|m| / max(γ·h, ε), 1))
 * ```
 *
 * Elementwise: runs as one update program (fused) on backends that compile programs. The
 * estimate is requested from real tensors before the program runs.
 *
 * @param options - See {@link ScaleBySophiaOptions}.
 * @returns A transformation whose state is `{ count, mu, h }`.
 * @throws MissingHessianEstimateError without `hessianEstimate`, or when it returns `undefined` on a step that needs one.
 * @throws CallbackResultError when the estimate's names, shapes or dtypes differ from the parameters'.
 *
 * @example
 * ```ts
 * const tx = chain(scaleBySophia({ hessianEstimate }), scaleByLearningRate(1e-3));
 * ```
 *
 * Liu et al., 2024, "Sophia: A Scalable Stochastic Second-order Optimizer for Language Model
 * Pre-training", Algorithm 3 (https://arxiv.org/abs/2305.14342).
 */
export function scaleBySophia(options: ScaleBySophiaOptions = {}): GradientTransformation<ScaleBySophiaState> {
  const where = 'sophia';
  const {
    b1 = SCALE_BY_SOPHIA_DEFAULTS.b1,
    b2 = SCALE_BY_SOPHIA_DEFAULTS.b2,
    gamma = SCALE_BY_SOPHIA_DEFAULTS.gamma,
    eps = SCALE_BY_SOPHIA_DEFAULTS.eps,
    updateEvery = SCALE_BY_SOPHIA_DEFAULTS.updateEvery,
    hessianEstimate,
  } = checkOptions(where, options, { b1: true, b2: true, gamma: true, eps: true, updateEvery: true, hessianEstimate: true });
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkNamedHyperparam(where, 'gamma', gamma);
  checkHyperparam(where, 'eps', eps);
  const k = checkEvery(where, updateEvery);
  const source = checkSource(where, hessianEstimate);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), h: zerosLike(params) }),
    update(grads, state, params) {
      const count = stateNumber(state, 'count', where);
      const mu = stateTree(state, 'mu', where);
      const h = stateTree(state, 'h', where);
      const due = count % k === 0;
      const estimate = due ? requestEstimate(where, source, needParams(params, where), count) : undefined;
      const traced = isTraced(grads);
      try {
        const trees = due ? [grads, mu, h, estimate!] : [grads, mu, h];
        const [u, mu2, h2] = mapTreesN(
          due ? 3 : 2,
          trees,
          ([g, m, hv, est]) => {
            const b = g.backend;
            const m2 = b.add(b.mul(m, b1), b.mul(g, 1 - b1));
            const hNew = est ? b.add(b.mul(hv, b2), b.mul(est, 1 - b2)) : hv;
            const denom = b.binary('maximum', b.mul(hNew, gamma), eps);
            const ratio = b.binary('minimum', b.div(b.unary('abs', m2), denom), 1);
            const u = b.mul(b.unary('sign', m2), ratio);
            return est ? [u, m2, hNew] : [u, m2];
          },
          { where, labels: ['update', "state 'mu'", "state 'h'", 'Hessian estimate'] },
        );
        return [u, { count: count + 1, mu: mu2, h: due ? h2 : h }];
      } finally {
        releaseReturned(estimate, traced, grads, params, state);
      }
    },
  };
}

/** Checks an `updateEvery` option: a positive integer. */
export function checkEvery(where: string, k: unknown, name = 'updateEvery'): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new InvalidArgumentError(`${where}: '${name}' must be a positive integer, got ${String(k)}`);
  }
  return k;
}

/** Checks the estimate source: a function. */
export function checkSource(where: string, fn: unknown): HessianEstimate {
  if (typeof fn !== 'function') {
    throw new MissingHessianEstimateError(
      `${where}: options.hessianEstimate must be a function (params, step) => Hessian-diagonal tree, got ${fn === undefined ? 'nothing' : typeof fn}; compute it in your loop (Hutchinson with @downhill/autograd's hvp, see the sophia docs)`,
    );
  }
  return fn as HessianEstimate;
}

/** Calls the source with the real parameters and checks what it returns. */
export function requestEstimate(where: string, source: HessianEstimate, params: Params, step: number): Params {
  const real = realTree(params);
  const est = source(real, step);
  if (est === undefined || est === null) {
    throw new MissingHessianEstimateError(
      `${where}: a Hessian-diagonal estimate is due at step ${step} but hessianEstimate returned ${String(est)}`,
    );
  }
  try {
    return tracedLike(checkReturnedTree(where, 'Hessian estimate', est, real), params);
  } catch (e) {
    releaseReturned(est as Params, isTraced(params), params);
    throw e;
  }
}
