import { checkOptions } from '@downhill/backend';
import { checkHyperparam } from '../hyperparams.js';
import { mapTreesN, stateTree, zerosLike } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { alias } from './math.js';

/** The state of {@link traceMomentum}: the momentum buffer, per parameter. */
export type TraceState = {
  /** The momentum buffer. */
  readonly trace: Params;
};

/** Options of {@link traceMomentum}. */
export interface TraceMomentumOptions {
  /** Nesterov's look-ahead: `u = g + μ·t` instead of `u = t` (default false). */
  readonly nesterov?: boolean;
  /** PyTorch's dampening `τ`: the gradient enters the buffer as `(1 − τ)·g` (default 0). */
  readonly dampening?: number;
}

/** Defaults of {@link traceMomentum}'s options, shared with {@link sgd} and {@link lars}. */
export const TRACE_MOMENTUM_DEFAULTS = { nesterov: false, dampening: 0 } as const;

/**
 * Heavy-ball momentum (optax's `trace`, PyTorch's SGD buffer).
 *
 * ```text
 * t ← μ·t + (1 − τ)·g
 * u = t,  or with Nesterov  u = g + μ·t
 * ```
 *
 * The buffer starts at zero, so the first update is `(1 − τ)·g` (PyTorch starts its buffer at the
 * first gradient instead; the two agree when `τ = 0`).
 *
 * @param decay - The momentum `μ` in `[0, 1)`.
 * @param options - See {@link TraceMomentumOptions}.
 * @returns A transformation whose state is `{ trace }`.
 *
 * @example
 * ```ts
 * const heavyBall = chain(traceMomentum(0.9), scaleByLearningRate(0.01));
 * ```
 *
 * Polyak, 1964, "Some methods of speeding up the convergence of iteration methods";
 * Sutskever et al., 2013, "On the importance of initialization and momentum in deep learning".
 */
export function traceMomentum(decay: number, options: TraceMomentumOptions = {}): GradientTransformation<TraceState> {
  const { nesterov = TRACE_MOMENTUM_DEFAULTS.nesterov, dampening = TRACE_MOMENTUM_DEFAULTS.dampening } = checkOptions(
    'traceMomentum',
    options,
    { nesterov: true, dampening: true },
  );
  const where = 'traceMomentum';
  checkHyperparam(where, 'momentum', decay);
  checkHyperparam(where, 'dampening', dampening);
  return {
    name: where,
    init: (params) => ({ trace: zerosLike(params) }),
    update(grads, state) {
      const trace = stateTree(state, 'trace', where);
      const [updates, next] = mapTreesN(
        2,
        [grads, trace],
        ([g, t]) => {
          const b = g.backend;
          const t2 = b.add(b.mul(t, decay), dampening === 0 ? g : b.mul(g, 1 - dampening));
          return [nesterov ? b.add(g, b.mul(t2, decay)) : alias(t2), t2];
        },
        { where, labels: ['update', "state 'trace'"] },
      );
      return [updates, { trace: next }];
    },
    hostStep(state, context) {
      const trace = stateTree(state, 'trace', where);
      // the closure's numbers, in the order it passes them
      const per = [decay, ...(dampening === 0 ? [] : [1 - dampening]), ...(nesterov ? [decay] : [])];
      for (let i = 0; i < context.leaves; i++) context.literals.push(...per);
      return { trace };
    },
  };
}
