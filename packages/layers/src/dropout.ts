import { InvalidArgumentError } from '@downhill/backend';
import { detach, ops, type TensorLike } from '@downhill/autograd';
import { Rng, rng as rngOf } from '@downhill/initializers';
import type { ForwardContext } from './context.js';
import { Module } from './module.js';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Seed of the module's own random stream (default: the stream `init` gives it). */
  readonly seed?: number;
  /** The module's own random stream, as a key. */
  readonly rng?: Rng;
}

/**
 * Inverted dropout: in training mode each element is zeroed with probability `rate` and the
 * survivors are scaled by `1 / (1 − rate)`, so the expected output equals the input; in evaluation
 * mode it is the identity.
 *
 * Math: `y = x · m / (1 − p)`, `mᵢ ~ Bernoulli(1 − p)`; `E[y] = x`.
 *
 * Randomness comes from `@downhill/initializers` keys, never from `Math.random`: the mask of a pass
 * is drawn from `rng.fold(path)` when `apply` gets `{ rng }`, else from the module's own stream
 * (`{ seed }` here, or the key `init` derives from its seed), which advances one key per pass. The
 * same seed gives the same sequence of masks.
 *
 * @param rate - the probability `p` of zeroing an element, in `[0, 1)`.
 * @param options - `seed` or `rng` for the module's own stream.
 *
 * @example
 * ```ts
 * const net = new Sequential([new Dense(784, 256), new ReLU(), new Dropout(0.5), new Dense(256, 10)]);
 * net.init(backend, { seed: 0 });
 * const y = net.apply(params, x, { rng: rng(step) }); // explicit key per step
 * ```
 *
 * Srivastava et al., "Dropout: a simple way to prevent neural networks from overfitting" (2014).
 */
export class Dropout extends Module {
  /** The probability of zeroing an element in training mode. */
  readonly rate: number;

  constructor(rate: number, { seed, rng }: DropoutOptions = {}) {
    super();
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new InvalidArgumentError(`Dropout: rate must be in [0, 1), got ${String(rate)}`);
    if (seed !== undefined && rng !== undefined) throw new InvalidArgumentError('Dropout: give seed or rng, not both');
    if (rng !== undefined && !(rng instanceof Rng)) throw new InvalidArgumentError('Dropout: rng must be an Rng from @downhill/initializers');
    this.rate = rate;
    if (seed !== undefined || rng !== undefined) this.setKey(rng ?? rngOf(seed as number));
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    if (!ctx.training || this.rate === 0) return x;
    const u = ctx.key().uniform(x.size);
    const keep = 1 / (1 - this.rate);
    const mask = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
    for (let i = 0; i < u.length; i++) mask[i] = u[i] >= this.rate ? keep : 0;
    return ops.mul(x, detach(x).backend.tensor(mask, x.shape, x.dtype));
  }
}
