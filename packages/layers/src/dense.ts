import { DTypeError, InvalidArgumentError, ShapeError, fmtShape, checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import {
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  zeros,
  type Initializer,
} from '@downhill/initializers';
import { moduleName, type ForwardContext } from './context.js';
import { Module } from './module.js';

/** A kernel initializer by name, or any `Initializer` from `@downhill/initializers`. */
export type KernelInit = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunUniform' | 'lecunNormal' | Initializer;

const NAMED: Record<Exclude<KernelInit, Initializer>, () => Initializer> = {
  glorotUniform: () => glorotUniform(),
  glorotNormal: () => glorotNormal(),
  heUniform: () => heUniform(),
  heNormal: () => heNormal(),
  lecunUniform: () => lecunUniform(),
  lecunNormal: () => lecunNormal(),
};

/** Resolves a {@link KernelInit}. @internal */
export function resolveInit(init: KernelInit, where: string): Initializer {
  if (typeof init === 'function') return init;
  const make = NAMED[init as keyof typeof NAMED];
  if (!make)
    throw new InvalidArgumentError(
      `${where}: kernelInit must be one of ${Object.keys(NAMED).join(', ')} or an Initializer, got ${JSON.stringify(init)}`,
    );
  return make();
}

/** Options of {@link Dense}. */
export interface DenseOptions {
  /** Add a bias (default true). */
  readonly useBias?: boolean;
  /** Kernel initializer (default `'glorotUniform'`; `'heNormal'` / `'heUniform'` for ReLU networks). */
  readonly kernelInit?: KernelInit;
  /** Bias initializer (default zeros). */
  readonly biasInit?: Initializer;
}

function checkFeatures(n: number, name: string): void {
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`Dense: ${name} must be a positive integer, got ${String(n)}`);
}

/**
 * A fully connected layer: `y = x·W + b`.
 *
 * Math: `x ∈ ℝ^{…×in}`, kernel `W ∈ ℝ^{in×out}` (the layout `@downhill/initializers` computes fans
 * for), bias `b ∈ ℝ^{out}`; leading axes of `x` are batch axes.
 *
 * Parameters: `kernel` `[in, out]` and (with `useBias`) `bias` `[out]`.
 *
 * Conventions: PyTorch's `nn.Linear(in, out)` stores `weight` as `[out, in]` and computes
 * `x·Wᵀ + b`: the transposed layout (`toPyTorchStateDict` and `fromPyTorchStateDict` transpose on
 * the way across). Its default initialization also differs: `U(−1/√in, 1/√in)` for the weight and
 * for the bias (Kaiming uniform with `a = √5`), against Glorot uniform and a zero bias here, which
 * are Keras's `Dense` defaults; Keras's kernel is `[in, out]` as here, so Keras weights need no
 * transposition. Flax's `nn.Dense` and Haiku's `hk.Linear` are `[in, out]` too (LeCun normal by default).
 *
 * @param inFeatures - size of the input's last axis.
 * @param outFeatures - size of the output's last axis.
 * @param options - `useBias` (default true), `kernelInit` (default `'glorotUniform'`), `biasInit` (default zeros).
 *
 * @example
 * ```ts
 * const layer = new Dense(784, 256, { kernelInit: 'heNormal' }).init(backend, { seed: 0 });
 * const y = layer.call(x); // [batch, 256]
 * ```
 *
 * Glorot and Bengio (2010), He et al. (2015) for the initializers.
 */
export class Dense extends Module {
  /** The size of the input's last axis. */
  readonly inFeatures: number;
  /** The size of the output's last axis. */
  readonly outFeatures: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    const {
      useBias = true,
      kernelInit = 'glorotUniform',
      biasInit = zeros(),
    } = checkOptions('Dense', options, { useBias: true, kernelInit: true, biasInit: true });
    super();
    checkFeatures(inFeatures, 'inFeatures');
    checkFeatures(outFeatures, 'outFeatures');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.useBias = useBias;
    this.addParameter('kernel', [inFeatures, outFeatures], resolveInit(kernelInit, 'Dense'));
    if (useBias) this.addParameter('bias', [outFeatures], biasInit);
  }

  forward(x: TensorLike, ctx: ForwardContext): TensorLike {
    const kernel = ctx.param('kernel');
    const n = x.shape.length;
    if (n === 0 || x.shape[n - 1] !== this.inFeatures) {
      throw new ShapeError(
        `${moduleName(this, ctx.path)}: input of shape ${fmtShape(x.shape)} should have ${this.inFeatures} features in its last axis`,
      );
    }
    if (x.dtype !== kernel.dtype)
      throw new DTypeError(`${moduleName(this, ctx.path)}: input is ${x.dtype} but the kernel is ${kernel.dtype}; cast the input`);
    const flat = n === 2 ? x : ops.reshape(x, [-1, this.inFeatures]);
    let y = ops.matmul(flat, kernel);
    if (this.useBias) y = ops.add(y, ctx.param('bias'));
    return n === 2 ? y : ops.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
  }
}
