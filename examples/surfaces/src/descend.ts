import type { Backend, Tensor } from '@downhill/backend';
import { detach, ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { createOptimizer, releaseReplaced, step, type GradientTransformation, type OptState } from '@downhill/optimizers';
import type { TestFunction } from './functions.js';

/**
 * Names beyond the registry: the classic momentum variants of SGD, which the registry has as
 * options of `sgd` rather than as names of their own.
 */
export const ALIASES: Readonly<
  Record<string, { readonly name: string; readonly options: Record<string, unknown>; readonly description: string }>
> = {
  momentum: { name: 'sgd', options: { momentum: 0.9 }, description: 'SGD with heavy-ball momentum 0.9 (Polyak 1964)' },
  nesterov: {
    name: 'sgd',
    options: { momentum: 0.9, nesterov: true },
    description: 'SGD with Nesterov momentum 0.9 (Nesterov 1983; Sutskever et al. 2013)',
  },
};

/**
 * The optimizer of a name: an alias above, or any registered optimizer (plugins included).
 *
 * @param name - An alias (`momentum`, `nesterov`) or a registered name.
 * @param lr - The learning rate.
 * @returns The gradient transformation.
 *
 * @example
 * ```ts
 * const tx = makeOptimizer('nesterov', 3e-3);
 * ```
 */
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
export const DIVERGED = 1e12;

/**
 * An optimizer walking over a test function one step at a time, in float64 on a backend with
 * gradients from `@downhill/autograd` and steps from `step(tx, ...)` of `@downhill/optimizers`.
 * Where the function has minibatches, step t follows the gradient of `fn.minibatch(t)` and
 * the loss recorded is the full `f`. Call {@link Descent.dispose} when done.
 *
 * @example
 * ```ts
 * const d = new Descent(backend, rosenbrock, createOptimizer('adam', { lr: 0.03 }));
 * while (d.steps < 100 && d.advance());
 * d.dispose();
 * ```
 */
export class Descent {
  /** Positions, the start first. */
  readonly points: [number, number][] = [];
  /** The full loss at each position. */
  readonly losses: number[] = [];
  /** Whether the run left the finite world (loss non-finite or above {@link DIVERGED}). */
  diverged = false;
  #params: { point: Tensor };
  #state: OptState;
  #disposed = false;

  /**
   * @param backend - Where to run (float64).
   * @param fn - The function.
   * @param tx - The optimizer.
   * @param start - Where to start (default `fn.start`).
   */
  constructor(
    readonly backend: Backend,
    readonly fn: TestFunction,
    readonly tx: GradientTransformation,
    start: readonly [number, number] = fn.start,
  ) {
    this.#params = { point: backend.tensor(Float64Array.from(start), [2], 'float64') };
    this.#state = tx.init(this.#params);
    this.#record(backend.readSync(this.#params.point), this.#fullLoss());
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.points.length - 1;
  }

  /** The optimizer's state after the last step (read it, do not keep it: the next step releases it). */
  get state(): OptState {
    return this.#state;
  }

  /**
   * Takes one step; returns false (and takes none) once the run has diverged.
   *
   * @returns Whether the run is still going.
   */
  advance(): boolean {
    if (this.diverged || this.#disposed) return false;
    const t = this.steps;
    const f = this.fn.minibatch?.(t) ?? this.fn.f;
    const [value, grads] = valueAndGrad((p: { point: TensorLike }) => {
      const xy = p.point;
      return ops.sum(f(ops.slice(xy, [0], [1]), ops.slice(xy, [1], [1])));
    })(this.#params);
    this.backend.dispose(value);
    const next = step(this.tx, this.#params, grads, this.#state);
    this.backend.dispose(grads);
    releaseReplaced(this.#params, next.params);
    releaseReplaced(this.#state, next.state, next.params);
    this.#params = next.params;
    this.#state = next.state;
    return this.#record(this.backend.readSync(this.#params.point), this.#fullLoss());
  }

  /** Releases the parameters and the optimizer state. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.backend.dispose([this.#params, this.#state]);
  }

  #fullLoss(): number {
    const b = this.backend;
    const xy = this.#params.point;
    const v = b.scope(() => b.readSync(detach(ops.sum(this.fn.f(ops.slice(xy, [0], [1]), ops.slice(xy, [1], [1])))))[0]);
    return v;
  }

  #record(xy: ArrayLike<number>, v: number): boolean {
    if (!Number.isFinite(v) || Math.abs(v) > DIVERGED || !Number.isFinite(xy[0]) || !Number.isFinite(xy[1])) {
      this.diverged = true;
      return false;
    }
    this.points.push([xy[0], xy[1]]);
    this.losses.push(v);
    return true;
  }
}

/**
 * Runs an optimizer from the function's start for `steps` steps, in float64 on `backend`,
 * with gradients from `@downhill/autograd`, and records where it goes.
 *
 * @param backend - Where to run.
 * @param fn - The function.
 * @param optimizer - A name for {@link makeOptimizer}.
 * @param options - The learning rate and the number of steps.
 * @param options.lr - The learning rate.
 * @param options.steps - How many steps.
 * @returns The path: `steps + 1` points, fewer when the run diverged.
 *
 * @example
 * ```ts
 * const p = descend(backend, rosenbrock, 'adam', { lr: 0.03, steps: 300 });
 * ```
 */
export function descend(backend: Backend, fn: TestFunction, optimizer: string, { lr, steps }: { lr: number; steps: number }): Path {
  const d = new Descent(backend, fn, makeOptimizer(optimizer, lr));
  try {
    while (d.steps < steps && d.advance());
  } finally {
    d.dispose();
  }
  return { optimizer, lr, points: d.points, losses: d.losses, diverged: d.diverged };
}
