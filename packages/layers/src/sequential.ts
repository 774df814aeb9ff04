import { InvalidArgumentError } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';
import type { ForwardContext } from './context.js';
import { Module } from './module.js';

/**
 * Modules run one after another: `y = fₙ(… f₂(f₁(x)))`.
 *
 * Children are named by position (`0`, `1`, …: parameters `0.kernel`, `2.bias`) when given as an
 * array, or by key when given as a record (`hidden.kernel`). Modules without parameters
 * (activations, dropout) take a name but add nothing to `parameters()`.
 *
 * @param layers - an array of modules, or a record of named modules (run in key order).
 *
 * @example
 * ```ts
 * const mlp = new Sequential({ hidden: new Dense(4, 16), act: new ReLU(), out: new Dense(16, 3) });
 * mlp.init(backend, { seed: 0 });
 * Object.keys(mlp.parameters()); // ['hidden', 'out']
 * ```
 */
export class Sequential extends Module {
  /** The modules in order. */
  readonly layers: readonly Module[];

  constructor(layers: readonly Module[] | Readonly<Record<string, Module>>) {
    super();
    const entries = Array.isArray(layers) ? layers.map((m, i) => [String(i), m] as const) : Object.entries(layers ?? {});
    if (!Array.isArray(layers) && (layers === null || typeof layers !== 'object')) {
      throw new InvalidArgumentError(`Sequential: expected an array or a record of modules, got ${String(layers)}`);
    }
    for (const [name, m] of entries) this.addModule(name, m);
    this.layers = entries.map(([, m]) => m);
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    let y = x;
    for (const m of this.layers) y = ctx.call(m, y);
    return y;
  }
}
