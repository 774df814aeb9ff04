import { checkOptions } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import { Module } from './module.js';

/**
 * `max(x, 0)` as a module, for {@link Sequential}.
 *
 * @example
 * ```ts
 * new Sequential([new Dense(4, 16), new ReLU(), new Dense(16, 3)]);
 * ```
 */
export class ReLU extends Module {
  forward(x: TensorLike): TensorLike {
    return ops.relu(x);
  }
}

/** `x` where `x > 0`, else `alpha·x` (default `alpha` 0.01). Maas et al. (2013). */
export class LeakyReLU extends Module {
  /** The slope for negative inputs. */
  readonly alpha: number;
  constructor(options: { alpha?: number } = {}) {
    const { alpha = 0.01 } = checkOptions('LeakyReLU', options, { alpha: true });
    super();
    this.alpha = alpha;
  }
  forward(x: TensorLike): TensorLike {
    return ops.leakyRelu(x, { alpha: this.alpha });
  }
}

/** `x` where `x > 0`, else `alpha·(eˣ − 1)` (default `alpha` 1). Clevert et al. (2015). */
export class ELU extends Module {
  /** The scale of the negative branch: outputs approach `−alpha` for large negative inputs. */
  readonly alpha: number;
  constructor(options: { alpha?: number } = {}) {
    const { alpha = 1 } = checkOptions('ELU', options, { alpha: true });
    super();
    this.alpha = alpha;
  }
  forward(x: TensorLike): TensorLike {
    return ops.elu(x, { alpha: this.alpha });
  }
}

/** The Gaussian error linear unit `x·Φ(x)` (`approximate: true` for the tanh form). Hendrycks and Gimpel (2016). */
export class GELU extends Module {
  /** Whether the tanh approximation is used instead of the erf form. */
  readonly approximate: boolean;
  constructor(options: { approximate?: boolean } = {}) {
    const { approximate = false } = checkOptions('GELU', options, { approximate: true });
    super();
    this.approximate = approximate;
  }
  forward(x: TensorLike): TensorLike {
    return ops.gelu(x, { approximate: this.approximate });
  }
}

/**
 * The sigmoid-weighted linear unit `x·σ(x)` (also called swish). Elfwing et al. (2018),
 * Ramachandran et al. (2017).
 *
 * @example
 * ```ts
 * new Sequential([new Dense(16, 64), new SiLU(), new Dense(64, 16)]);
 * ```
 */
export class SiLU extends Module {
  forward(x: TensorLike): TensorLike {
    return ops.silu(x);
  }
}

/** The logistic sigmoid `1 / (1 + e^(−x))`, computed stably. */
export class Sigmoid extends Module {
  forward(x: TensorLike): TensorLike {
    return ops.sigmoid(x);
  }
}

/** The hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: TensorLike): TensorLike {
    return ops.tanh(x);
  }
}

/**
 * The softmax along `axis` (default last), stable for large inputs. For training, prefer feeding
 * logits to `softmaxCrossEntropy` (from `@downhill/losses`) over a Softmax layer.
 */
export class Softmax extends Module {
  /** The axis the probabilities sum to 1 along. */
  readonly axis: number;
  constructor(options: { axis?: number } = {}) {
    const { axis = -1 } = checkOptions('Softmax', options, { axis: true });
    super();
    this.axis = axis;
  }
  forward(x: TensorLike): TensorLike {
    return ops.softmax(x, { axis: this.axis });
  }
}

/** The log of the softmax along `axis` (default last), stable. */
export class LogSoftmax extends Module {
  /** The axis normalized along. */
  readonly axis: number;
  constructor(options: { axis?: number } = {}) {
    const { axis = -1 } = checkOptions('LogSoftmax', options, { axis: true });
    super();
    this.axis = axis;
  }
  forward(x: TensorLike): TensorLike {
    return ops.logSoftmax(x, { axis: this.axis });
  }
}

/** Flattens every axis after the first: `[batch, 28, 28]` → `[batch, 784]`. */
export class Flatten extends Module {
  forward(x: TensorLike): TensorLike {
    return ops.flatten(x, 1);
  }
}
