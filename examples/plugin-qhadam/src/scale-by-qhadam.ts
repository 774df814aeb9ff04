import { InvalidArgumentError } from '@downhill/backend';
import {
  checkHyperparam,
  mapTreesN,
  stateNumber,
  stateTree,
  zerosLike,
  type GradientTransformation,
  type Params,
} from '@downhill/optimizers';

/** State of {@link scaleByQhadam}: the step count and Adam's two moments, per parameter. */
export interface ScaleByQhadamState {
  readonly [key: string]: number | Params;
  readonly count: number;
  /** First moment m: the EMA of the gradients (without bias correction). */
  readonly mu: Params;
  /** Second moment v: the EMA of the squared gradients (without bias correction). */
  readonly nu: Params;
}

/**
 * Checks an immediate discount ν: a number in [0, 1].
 *
 * @throws InvalidArgumentError naming the transformation, the hyperparameter and the value.
 *
 * @example
 * ```ts
 * checkDiscount('qhadam', 'nu1', 1.5); // throws: qhadam: hyperparameter 'nu1' must be in [0, 1], got 1.5
 * ```
 */
export function checkDiscount(where: string, name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new InvalidArgumentError(`${where}: hyperparameter '${name}' must be in [0, 1], got ${value}`);
  return value;
}

/** Options of {@link scaleByQhadam}. */
export interface ScaleByQhadamOptions {
  /** Decay β1 of the first moment (default 0.995). */
  readonly b1?: number;
  /** Decay β2 of the second moment (default 0.999). */
  readonly b2?: number;
  /** Immediate discount ν1: the weight of the first moment against the current gradient (default 0.7). */
  readonly nu1?: number;
  /** Immediate discount ν2: the weight of the second moment against the current squared gradient (default 1). */
  readonly nu2?: number;
  /** Added to the root of the denominator (default 1e-8). */
  readonly eps?: number;
}

/**
 * Rescales updates as QHAdam does (Ma and Yarats 2019): Adam whose numerator and denominator are
 * each a weighted average of the bias-corrected moment and the current gradient (or its square),
 * "quasi-hyperbolic" momentum. To be chained with a learning rate. Built from the public API of
 * `@downhill/optimizers` only.
 *
 * The per-parameter closure below is the whole update rule, written once with the backend's
 * elementwise ops. Called with real tensors it is the composed path; `step` also traces it with
 * symbolic tensors into an update program, which every backend that compiles programs (backend-cpu,
 * backend-webgpu) runs fused, with the rest of the chain, in one pass: no kernel of its own.
 *
 * ```text
 * m ← β1·m + (1 − β1)·g,       v ← β2·v + (1 − β2)·g²
 * m̂ = m / (1 − β1ᵗ),           v̂ = v / (1 − β2ᵗ)
 * u = ((1 − ν1)·g + ν1·m̂) / (√((1 − ν2)·g² + ν2·v̂) + ε)
 * ```
 *
 * With ν1 = ν2 = 1 it is Adam; with ν1 = β1, ν2 = 1 it is NAdam (up to the bias correction of the
 * first moment).
 *
 * @param options - {@link ScaleByQhadamOptions}.
 * @returns A transformation with state {@link ScaleByQhadamState}.
 *
 * @example
 * ```ts
 * const tx = chain(scaleByQhadam({ nu1: 0.7 }), scaleByLearningRate(1e-3));
 * ```
 *
 * Ma and Yarats, "Quasi-hyperbolic momentum and Adam for deep learning" (ICLR 2019), §3,
 * https://arxiv.org/abs/1810.06801
 */
export function scaleByQhadam({
  b1 = 0.995,
  b2 = 0.999,
  nu1 = 0.7,
  nu2 = 1,
  eps = 1e-8,
}: ScaleByQhadamOptions = {}): GradientTransformation<ScaleByQhadamState> {
  const where = 'scaleByQhadam';
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkDiscount(where, 'nu1', nu1);
  checkDiscount(where, 'nu2', nu2);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      // stateTree/stateNumber and mapTreesN check everything first and throw typed errors naming
      // the parameter; nothing is created before the checks pass.
      const count = stateNumber(state, 'count', where) + 1;
      // Bias corrections folded into the weights as host numbers: multiplications in the program.
      const w1 = nu1 / (1 - b1 ** count);
      const w2 = nu2 / (1 - b2 ** count);
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, v]) => {
          const k = g.backend;
          const g2 = k.mul(g, g);
          const m2 = k.add(k.mul(m, b1), k.mul(g, 1 - b1));
          const v2 = k.add(k.mul(v, b2), k.mul(g2, 1 - b2));
          const num = k.add(k.mul(g, 1 - nu1), k.mul(m2, w1));
          const den = k.add(k.unary('sqrt', k.add(k.mul(g2, 1 - nu2), k.mul(v2, w2))), eps);
          return [k.div(num, den), m2, v2];
        },
        { where, labels: ['gradient', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
  };
}
