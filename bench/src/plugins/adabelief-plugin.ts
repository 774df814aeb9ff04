/**
 * AdaBelief (Zhuang et al. 2020) written as a plugin the way docs/plugins.md tells plugin authors:
 * the public API of `@downhill/optimizers` only (`mapTreesN`, `stateTree`, `stateNumber`,
 * `zerosLike`, `withHyperparams`, `chain`, `scaleByLearningRate`), no kernel and no internals. The
 * per-leaf closure uses the backend's elementwise ops, so `step` traces it into an update program
 * like any built-in. The math is optax's `scale_by_belief` with the same defaults as the built-in
 * `adabelief` (b1 0.9, b2 0.999, eps 1e-16, epsRoot 1e-16), so the bench can set the plugin against
 * both the built-in AdaBelief and the built-in Adam in one run.
 */
import {
  chain,
  checkHyperparam,
  type GradientTransformation,
  type HostStepContext,
  type InjectedTransformation,
  mapTreesN,
  type Params,
  scaleByLearningRate,
  stateNumber,
  stateTree,
  withHyperparams,
  zerosLike,
} from '@downhill/optimizers';

/** State of {@link scaleByBeliefPlugin}: the step count and the two moment trees. */
export interface ScaleByBeliefPluginState {
  readonly [key: string]: number | Params;
  readonly count: number;
  readonly mu: Params;
  readonly nu: Params;
}

/** AdaBelief's direction: `m̂ / (√ŝ + eps)` with `s` the EMA of `(g − m)² + epsRoot`. */
export function scaleByBeliefPlugin(b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16): GradientTransformation<ScaleByBeliefPluginState> {
  const where = 'scaleByBeliefPlugin';
  checkHyperparam(where, 'b1', b1);
  checkHyperparam(where, 'b2', b2);
  checkHyperparam(where, 'eps', eps);
  checkHyperparam(where, 'epsRoot', epsRoot);
  return {
    name: where,
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update(grads, state) {
      const count = stateNumber(state, 'count', where) + 1;
      // Bias corrections as host numbers: multiplications in the program.
      const c1 = 1 / (1 - b1 ** count);
      const c2 = 1 / (1 - b2 ** count);
      const [updates, mu, nu] = mapTreesN(
        3,
        [grads, stateTree(state, 'mu', where), stateTree(state, 'nu', where)],
        ([g, m, s]) => {
          const k = g.backend;
          const m2 = k.add(k.mul(m, b1), k.mul(g, 1 - b1));
          const d = k.sub(g, m2);
          const s2 = k.add(k.add(k.mul(s, b2), k.mul(k.mul(d, d), 1 - b2)), epsRoot);
          const u = k.div(k.mul(m2, c1), k.add(k.unary('sqrt', k.mul(s2, c2)), eps));
          return [u, m2, s2];
        },
        { where, labels: ['gradient', "state 'mu'", "state 'nu'"] },
      );
      return [updates, { count, mu, nu }];
    },
    // The host side alone (optional): a replayed step then runs the recorded programs without
    // calling the closure above. The numbers it passes, in order, and the next state.
    hostStep(state: ScaleByBeliefPluginState, context: HostStepContext) {
      const count = stateNumber(state, 'count', where) + 1;
      const per = [b1, 1 - b1, b2, 1 - b2, epsRoot, 1 / (1 - b1 ** count), 1 / (1 - b2 ** count), eps];
      for (let i = 0; i < context.leaves; i++) context.literals.push(...per);
      return { count, mu: stateTree(state, 'mu', where), nu: stateTree(state, 'nu', where) };
    },
  };
}

/** The optimizer: {@link scaleByBeliefPlugin} then `−lr`, its hyperparameters injectable. */
export function adabeliefPlugin(lr: number, { b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16 } = {}): InjectedTransformation {
  return withHyperparams('adabeliefPlugin', { lr, b1, b2, eps, epsRoot }, (h) =>
    chain(scaleByBeliefPlugin(h.b1, h.b2, h.eps, h.epsRoot), scaleByLearningRate(h.lr)),
  );
}
