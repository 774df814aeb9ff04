import { InvalidArgumentError, UnsupportedError, type Backend, type Shape, type Tensor, checkOptions } from '@downhill/backend';
import { detach, ops, type TensorLike } from '@downhill/autograd';
import { Rng, rng as rngOf, zeros, type InitOptions, type Initializer } from '@downhill/initializers';
import type { ForwardContext } from './context.js';
import { Module } from './module.js';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Seed of the module's own random stream (default: the stream `init` gives it). */
  readonly seed?: number;
  /** The module's own random stream, as a key. */
  readonly rng?: Rng;
}

/** Host copies of the values of `step` buffers this package made (no device read needed for them). */
const HOST_STEPS = new WeakMap<Tensor, number>();
/** The pass count is stored as `[hi, lo]` with `lo < 2²⁴`: exact in float32 up to 2⁴⁸ passes. */
const LOW = 2 ** 24;
const encodeStep = (step: number) => [Math.floor(step / LOW), step % LOW];

/** The initializer of the `step` buffer: zeros, remembered on the host. */
function stepInitializer(): Initializer {
  const z = zeros();
  const make = (backend: Backend, shape: Shape, options?: InitOptions): Tensor => {
    const t = z(backend, shape, options);
    HOST_STEPS.set(t, 0);
    return t;
  };
  return Object.defineProperties(make, {
    name: { value: 'zeros' },
    init: { value: make },
    sample: { value: z.sample },
  }) as unknown as Initializer;
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
 * (`{ seed }` here, or the key `init` derives from its seed): pass `t` draws from `key.fold(t)`.
 * The same seed gives the same sequence of masks.
 *
 * Checkpoints: the masks derive from (seed, step). The stream key comes from the seed (given here,
 * or `init`'s), which a resumed program gives again; the pass count `t` is the module's buffer
 * `step` (shape `[2]`, `[hi, lo]` with `t = hi·2²⁴ + lo`, exact in float32), so `saveWeights`
 * saves it, `loadWeights` restores it, and a resumed run draws the masks an uninterrupted one would
 * have drawn, bitwise. Passes given
 * `{ rng }` and evaluation passes leave it unchanged. The count is read on the host without a device
 * read when the tensor came from `init`, `loadWeights` or an earlier pass; a `step` tensor from
 * elsewhere (`setBuffers`, `applyFunctional`) is read once, on backends with synchronous reads.
 * A Dropout used before `init` (with its own `{ seed }`) has no tensors and counts on the host.
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

  constructor(rate: number, options: DropoutOptions = {}) {
    const { seed, rng } = checkOptions('Dropout', options, { seed: true, rng: true });
    super();
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new InvalidArgumentError(`Dropout: rate must be in [0, 1), got ${String(rate)}`);
    if (seed !== undefined && rng !== undefined) throw new InvalidArgumentError('Dropout: give seed or rng, not both');
    if (rng !== undefined && !(rng instanceof Rng))
      throw new InvalidArgumentError('Dropout: rng must be an Rng from @downhill/initializers');
    this.rate = rate;
    if (seed !== undefined || rng !== undefined) this.setKey(rng ?? rngOf(seed as number));
    this.addBuffer('step', [2], stepInitializer(), { onLoad: (t, data) => HOST_STEPS.set(t, decodeStep(Array.from(data), 'loadWeights')) });
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    if (!ctx.training || this.rate === 0) return x;
    let key: Rng;
    if (ctx.keyed || !ctx.hasBuffer('step')) key = ctx.key();
    else {
      const held = ctx.buffer('step');
      const step = hostStep(held, ctx.path);
      key = ctx.key(step);
      const next = detach(held).backend.tensor(encodeStep(step + 1), [2], held.dtype);
      HOST_STEPS.set(ctx.setBuffer('step', next), step + 1);
    }
    const u = key.uniform(x.size);
    const keep = 1 / (1 - this.rate);
    const mask = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
    for (let i = 0; i < u.length; i++) mask[i] = u[i] >= this.rate ? keep : 0;
    return ops.mul(x, detach(x).backend.tensor(mask, x.shape, x.dtype));
  }
}

/** The pass count `hi·2²⁴ + lo`; throws unless it is a non-negative integer. */
function decodeStep([hi, lo]: number[], where: string): number {
  const step = hi * LOW + lo;
  if (!Number.isSafeInteger(step) || step < 0 || !Number.isInteger(hi) || !Number.isInteger(lo) || lo < 0 || lo >= LOW) {
    throw new InvalidArgumentError(
      `Dropout (${where}): buffer 'step' holds [${hi}, ${lo}], expected [hi, lo], two non-negative integers with lo < 2^24 (the pass count hi·2^24 + lo)`,
    );
  }
  return step;
}

/** The pass count a `step` tensor holds, from the host copy where there is one. */
function hostStep(held: TensorLike, path: string): number {
  const t = detach(held);
  const known = HOST_STEPS.get(t);
  if (known !== undefined) return known;
  if (!t.backend.capabilities.syncRead) {
    throw new UnsupportedError(
      `Dropout '${path}': its buffer 'step' was replaced by a tensor whose value is not known on the host, and backend '${t.backend.name}' cannot read it synchronously; restore it with loadWeights, or pass { rng } to apply`,
    );
  }
  const step = decodeStep(Array.from(t.backend.readSync(t)), path);
  HOST_STEPS.set(t, step);
  return step;
}
