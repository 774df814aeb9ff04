import type { Backend, Tensor } from '@downhill/backend';
import { ops, valueAndGrad } from '@downhill/autograd';
import { createOptimizer, releaseReplaced, step, type GradientTransformation, type OptState, type Params } from '@downhill/optimizers';
import type { TestFunction } from './functions.js';

/**
 * Names beyond the registry: the classic momentum variants of SGD, which the registry has as
 * options of `sgd` rather than as names of their own.
 */
export const ALIASES: Readonly<Record<string, { readonly name: string; readonly options: Record<string, unknown>; readonly description: string }>> = {
  momentum: { name: 'sgd', options: { momentum: 0.9 }, description: 'SGD with heavy-ball momentum 0.9 (Polyak 1964)' },
  nesterov: { name: 'sgd', options: { momentum: 0.9, nesterov: true }, description: 'SGD with Nesterov momentum 0.9 (Nesterov 1983; Sutskever et al. 2013)' },
};

/** The optimizer of a name: an alias above, or any registered optimizer (plugins included). */
export function makeOptimizer(name: string, lr: number): GradientTransformation {
  const alias = ALIASES[name];
  return alias ? createOptimizer(alias.name, { lr, ...alias.options }) : createOptimizer(name, { lr });
}

/** One optimizer's path on one function. */
export interface Path {
  readonly optimizer: string;
  readonly lr: number;
  /** Positions, the start first: `steps + 1` of them, fewer when the run diverged. */
  readonly points: [number, number][];
  /** `f` at each position. */
  readonly losses: number[];
  /** Whether the loss became non-finite or exceeded 1e12 (the run stops there). */
  readonly diverged: boolean;
}

/** Beyond this the run counts as diverged and stops. */
const DIVERGED = 1e12;

/**
 * Runs an optimizer from the function's start for `steps` steps, in float64 on `backend`,
 * with gradients from `@downhill/autograd`, and records where it goes.
 */
export function descend(backend: Backend, fn: TestFunction, optimizer: string, { lr, steps }: { lr: number; steps: number }): Path {
  const loss = (p: Params) => {
    const xy = p.point as Tensor;
    return ops.sum(fn.f(ops.slice(xy, [0], [1]), ops.slice(xy, [1], [1])));
  };
  const lossAndGrad = valueAndGrad(loss);
  const tx = makeOptimizer(optimizer, lr);
  let params: Params = { point: backend.tensor(Float64Array.from(fn.start), [2], 'float64') };
  let state: OptState = tx.init(params);
  const points: [number, number][] = [];
  const losses: number[] = [];
  let diverged = false;
  try {
    for (let i = 0; ; i++) {
      const [value, grads] = lossAndGrad(params);
      const xy = backend.readSync(params.point as Tensor);
      const v = backend.readSync(value)[0];
      value.dispose();
      if (!Number.isFinite(v) || Math.abs(v) > DIVERGED || !Number.isFinite(xy[0]) || !Number.isFinite(xy[1])) {
        backend.dispose(grads as never);
        diverged = true;
        break;
      }
      points.push([xy[0], xy[1]]);
      losses.push(v);
      if (i === steps) {
        backend.dispose(grads as never);
        break;
      }
      const next = step(tx, params, grads as Params, state);
      backend.dispose(grads as never);
      releaseReplaced(params, next.params);
      releaseReplaced(state, next.state, next.params);
      params = next.params;
      state = next.state;
    }
  } finally {
    backend.dispose([params as never, state as never]);
  }
  return { optimizer, lr, points, losses, diverged };
}
