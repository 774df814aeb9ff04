import { InvalidArgumentError, sizeOf, checkOptions } from '@downhill/backend';
import { randomInitializer, type Initializer } from './initializer.js';
import { fillNormal, fillTruncatedNormal, fillUniform } from './sampling.js';

function finite(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${where}: ${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** Options of {@link uniform}. */
export interface UniformOptions {
  /** The lower bound (included); default -0.05. */
  readonly min?: number;
  /** The upper bound (excluded); default 0.05. */
  readonly max?: number;
}

/**
 * Independent uniform samples.
 *
 * $$ W_{ij} \sim \mathcal U[a, b), \qquad \mathbb E = \tfrac{a + b}{2}, \quad \operatorname{Var} = \tfrac{(b - a)^2}{12} $$
 *
 * @param options - `min` (`a`, default -0.05) and `max` (`b` > `a`, default 0.05), as Keras's and TensorFlow.js's `RandomUniform`.
 * @returns The initializer (needs `seed` or `rng` at the call).
 *
 * @example
 * ```ts
 * import { uniform } from '@downhill/initializers';
 * const w = uniform({ min: -0.1, max: 0.1 })(backend, [10, 10], { seed: 1 });
 * ```
 */
export function uniform(options: UniformOptions = {}): Initializer {
  const { min = -0.05, max = 0.05 } = checkOptions('uniform', options, { min: true, max: true });
  const where = 'uniform';
  finite(min, 'min', where);
  finite(max, 'max', where);
  if (!(min < max)) throw new InvalidArgumentError(`${where}: min must be below max, got min ${min} and max ${max}`);
  return randomInitializer(where, (shape, key) => {
    const out = new Float64Array(sizeOf(shape));
    fillUniform(key.generator(), out, min, max);
    return out;
  });
}

/** Options of {@link normal}. */
export interface NormalOptions {
  /** The mean; default 0. */
  readonly mean?: number;
  /** The standard deviation; ≥ 0, default 0.05. */
  readonly std?: number;
}

/**
 * Independent normal samples.
 *
 * $$ W_{ij} \sim \mathcal N(\mu, \sigma^2) $$
 *
 * @param options - `mean` (`μ`, default 0) and `std` (`σ` ≥ 0, default 0.05), as Keras's `RandomNormal`.
 * @returns The initializer (needs `seed` or `rng` at the call).
 *
 * @example
 * ```ts
 * import { normal } from '@downhill/initializers';
 * const embedding = normal({ std: 0.02 })(backend, [50_000, 512], { seed: 7 });
 * ```
 */
export function normal(options: NormalOptions = {}): Initializer {
  const { mean = 0, std = 0.05 } = checkOptions('normal', options, { mean: true, std: true });
  const where = 'normal';
  finite(mean, 'mean', where);
  if (finite(std, 'std', where) < 0) throw new InvalidArgumentError(`${where}: std must be ≥ 0, got ${std}`);
  return randomInitializer(where, (shape, key) => {
    const out = new Float64Array(sizeOf(shape));
    fillNormal(key.generator(), out, mean, std);
    return out;
  });
}

/** Options of {@link truncatedNormal}. */
export interface TruncatedNormalOptions {
  /** The mean; default 0. */
  readonly mean?: number;
  /** The standard deviation of the normal *before* truncation; ≥ 0, default 0.05. */
  readonly std?: number;
  /** The lower cut, in standard deviations from the mean; default -2. */
  readonly lower?: number;
  /** The upper cut, in standard deviations from the mean; default 2. */
  readonly upper?: number;
}

/**
 * Normal samples cut to `[μ + lower·σ, μ + upper·σ]`: a draw outside is thrown away and drawn again.
 *
 * $$ W_{ij} \sim \mathcal N(\mu, \sigma^2 \mid \mu + l\sigma \le W_{ij} \le \mu + u\sigma) $$
 *
 * `std` is the standard deviation of the normal before the cut, as in TensorFlow's
 * `truncated_normal`, Keras's `TruncatedNormal` and JAX's `initializers.truncated_normal`; the
 * samples' own standard deviation is smaller (0.8796 σ for the default ±2). PyTorch's
 * `trunc_normal_(mean, std, a, b)` takes the same `std` but absolute cuts `a, b`.
 * {@link varianceScaling} divides by 0.8796 so that its samples have the variance it promises.
 *
 * @param options - `mean` (default 0), `std` (≥ 0, default 0.05), `lower` (default -2), `upper` (default 2).
 * @returns The initializer (needs `seed` or `rng` at the call).
 *
 * @example
 * ```ts
 * import { truncatedNormal } from '@downhill/initializers';
 * const w = truncatedNormal({ std: 0.02 })(backend, [768, 768], { seed: 3 }); // every |w| ≤ 0.04
 * ```
 */
export function truncatedNormal(options: TruncatedNormalOptions = {}): Initializer {
  const {
    mean = 0,
    std = 0.05,
    lower = -2,
    upper = 2,
  } = checkOptions('truncatedNormal', options, { mean: true, std: true, lower: true, upper: true });
  const where = 'truncatedNormal';
  finite(mean, 'mean', where);
  if (finite(std, 'std', where) < 0) throw new InvalidArgumentError(`${where}: std must be ≥ 0, got ${std}`);
  checkCut(lower, upper, where);
  return randomInitializer(where, (shape, key) => truncatedNormalValues(sizeOf(shape), key.generator(), mean, std, lower, upper));
}

/** @internal shared with varianceScaling. */
export function truncatedNormalValues(
  n: number,
  g: Parameters<typeof fillTruncatedNormal>[0],
  mean: number,
  std: number,
  lower: number,
  upper: number,
): Float64Array {
  const out = new Float64Array(n);
  fillTruncatedNormal(g, out, mean, std, lower, upper);
  return out;
}

/** Refuses cuts that are not ordered, or that keep under 1% of the normal (rejection would crawl). */
function checkCut(lower: number, upper: number, where: string): void {
  finite(lower, 'lower', where);
  finite(upper, 'upper', where);
  if (!(lower < upper)) throw new InvalidArgumentError(`${where}: lower must be below upper, got lower ${lower} and upper ${upper}`);
  const mass = phi(upper) - phi(lower);
  if (mass < 0.01) {
    throw new InvalidArgumentError(
      `${where}: the cut [${lower}, ${upper}] keeps ${(mass * 100).toPrecision(2)}% of the normal; resampling needs a cut that keeps at least 1%`,
    );
  }
}

/** The standard normal CDF, to about 1e-7 (Abramowitz & Stegun 7.1.26); for the check above only. */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
