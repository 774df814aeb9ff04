import { mapTreesN, stateNumber, stateTree, zerosLike, type GradientTransformation, type Params } from '@downhill/optimizers';

/** State of {@link scaleByBelief}: the step count and the two moments, per parameter. */
export interface ScaleByBeliefState {
  readonly [key: string]: number | Params;
  readonly count: number;
  /** First moment m: the EMA of the gradients. */
  readonly mu: Params;
  /** The "belief" s: the EMA of the squared deviation of the gradient from m (plus ε). */
  readonly nu: Params;
}

/** Options of {@link scaleByBelief}. */
export interface ScaleByBeliefOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the belief (default 0.999). */
  readonly b2?: number;
  /** Added to the belief at every step and to its root (default 1e-16, the paper's). */
  readonly eps?: number;
}

/**
 * Rescales updates by the belief in the gradient (Zhuang et al. 2020): AdaBelief's direction, to be
 * chained with a learning rate. Built from the public API of `@downhill/optimizers` only.
 *
 * The per-parameter closure below is the whole update rule, written once with the backend's
 * elementwise ops. Called with real tensors it is the composed path; `step` also traces it with
 * symbolic tensors into an update program, which every backend that compiles programs (backend-cpu,
 * backend-webgpu) runs fused, with the rest of the chain, in one pass: no kernel of its own.
 *
 * ```text
 * m ← b1·m + (1 − b1)·g
 * s ← b2·s + (1 − b2)·(g − m)² + ε
 * m̂ = m / (1 − b1ᵗ),   ŝ = s / (1 − b2ᵗ)
 * u = m̂ / (√ŝ + ε)
 * ```
 *
 * @param options - {@link ScaleByBeliefOptions}.
 * @returns A transformation with state {@link ScaleByBeliefState}.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByBelief({ b1: 0.9 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients"
 * (NeurIPS 2020), https://arxiv.org/abs/2010.07468
 */
export function scaleByBelief({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-16,
}: ScaleByBeliefOptions = {}): GradientTransformation<ScaleByBeliefState> {
  const where = 'scaleByBelief';
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      // stateTree/stateNumber and mapTreesN check everything first and throw typed errors naming
      // the parameter; nothing is created before the checks pass.
      const count = stateNumber(state, 'count', where) + 1;
      const c1 = 1 - b1 ** count;
      const c2 = 1 - b2 ** count;
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, s]) => {
          const k = g.backend;
          const m2 = k.add(k.mul(m, b1), k.mul(g, 1 - b1));
          const dev = k.sub(g, m2);
          const s2 = k.add(k.add(k.mul(s, b2), k.mul(k.mul(dev, dev), 1 - b2)), eps);
          // Bias corrections as host reciprocals: multiplications in the update program.
          const u = k.div(k.mul(m2, 1 / c1), k.add(k.unary('sqrt', k.mul(s2, 1 / c2)), eps));
          return [u, m2, s2];
        },
        { where, labels: ['gradient', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
  };
}
