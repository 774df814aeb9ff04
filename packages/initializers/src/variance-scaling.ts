import { InvalidArgumentError, sizeOf, checkOptions } from '@downhill/backend';
import { fansOf, type FanAxes } from './fans.js';
import { NONLINEARITIES, calculateGain, type Nonlinearity } from './gain.js';
import { randomInitializer, type Initializer } from './initializer.js';
import { truncatedNormalValues } from './random.js';
import { fillNormal, fillUniform } from './sampling.js';

/** Which fan the variance is divided by: fan-in, fan-out, or their mean. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution of a variance-scaling draw. */
export type Distribution = 'truncatedNormal' | 'normal' | 'uniform';

const MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg'];
const DISTRIBUTIONS: readonly Distribution[] = ['truncatedNormal', 'normal', 'uniform'];

/**
 * The standard deviation of a standard normal cut to [-2, 2]. Dividing by it makes a truncated
 * normal's variance the one asked for (Keras's and JAX's constant).
 */
export const TRUNCATED_NORMAL_STD_AT_2 = 0.87962566103423978;

/** Options of {@link varianceScaling}. */
export interface VarianceScalingOptions extends FanAxes {
  /** The fan `n` divides by; default `'fanIn'`. */
  readonly mode?: FanMode;
  /** The distribution; default `'truncatedNormal'`. */
  readonly distribution?: Distribution;
}

function oneOf<T extends string>(value: unknown, options: readonly T[], name: string, where: string): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `${where}: ${name} must be one of ${options.map((o) => `'${o}'`).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/**
 * Samples whose variance is `scale` divided by a fan of the shape: the family that holds Glorot
 * (Xavier), He (Kaiming) and LeCun.
 *
 * $$ \sigma^2 = \frac{s}{\max(1, n)}, \qquad n = \text{fanIn} \mid \text{fanOut} \mid \tfrac{\text{fanIn} + \text{fanOut}}{2} $$
 *
 * - `truncatedNormal`: $\mathcal N(0, (\sigma / 0.8796)^2)$ cut at ±2 of its standard deviations,
 *   so the samples' variance is $\sigma^2$;
 * - `normal`: $\mathcal N(0, \sigma^2)$;
 * - `uniform`: $\mathcal U[-\sqrt{3}\sigma, \sqrt{3}\sigma)$.
 *
 * Fans come from {@link computeFans}: dense kernels are `[in, out]`, convolution kernels
 * `[...kernel, in, out]`; other layouts pass `inAxis` and `outAxis`.
 *
 * @param scale - `s` > 0; default 1.
 * @param options - `mode` (default `'fanIn'`), `distribution` (default `'truncatedNormal'`), `inAxis` (default -2), `outAxis` (default -1).
 * @returns The initializer (needs `seed` or `rng` at the call).
 *
 * @example
 * ```ts
 * import { varianceScaling } from '@downhill/initializers';
 * const init = varianceScaling(2, { mode: 'fanIn', distribution: 'normal' }); // He normal, PyTorch style
 * const w = init(backend, [512, 256], { seed: 0 }); // std √(2/512) = 0.0625
 * ```
 *
 * Follows Keras's `VarianceScaling` and JAX's `variance_scaling` (the 0.8796 correction, the
 * `max(1, n)`, `in_axis`/`out_axis`).
 */
export function varianceScaling(scale = 1, options: VarianceScalingOptions = {}): Initializer {
  checkOptions('varianceScaling', options, { mode: true, distribution: true, inAxis: true, outAxis: true });
  return makeVarianceScaling('varianceScaling', scale, options);
}

function makeVarianceScaling(
  where: string,
  scale: number,
  { mode = 'fanIn', distribution = 'truncatedNormal', inAxis = -2, outAxis = -1 }: VarianceScalingOptions,
): Initializer {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new InvalidArgumentError(`${where}: scale must be a finite number > 0, got ${String(scale)}`);
  }
  oneOf(mode, MODES, 'mode', where);
  oneOf(distribution, DISTRIBUTIONS, 'distribution', where);
  for (const [name, a] of [
    ['inAxis', inAxis],
    ['outAxis', outAxis],
  ] as const) {
    if (!Number.isInteger(a)) throw new InvalidArgumentError(`${where}: ${name} must be an integer axis, got ${String(a)}`);
  }
  return randomInitializer(where, (shape, key) => {
    const { fanIn, fanOut } = fansOf(shape, { inAxis, outAxis }, where);
    const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const std = Math.sqrt(scale / Math.max(1, n));
    const out = new Float64Array(sizeOf(shape));
    const g = key.generator();
    switch (distribution) {
      case 'truncatedNormal':
        return truncatedNormalValues(out.length, g, 0, std / TRUNCATED_NORMAL_STD_AT_2, -2, 2);
      case 'normal':
        fillNormal(g, out, 0, std);
        return out;
      case 'uniform': {
        const limit = Math.sqrt(3) * std;
        fillUniform(g, out, -limit, limit);
        return out;
      }
      default:
        return distribution satisfies never;
    }
  });
}

/** Options of the Glorot initializers. */
export interface GlorotOptions extends FanAxes {
  /** A factor on the standard deviation (PyTorch's `gain`); default 1. */
  readonly gain?: number;
}

/** Options of the normal members (Glorot, He, LeCun), which may pick the untruncated normal. */
export interface NormalMemberOptions {
  /** `'truncatedNormal'` (default, Keras and JAX) or `'normal'` (PyTorch's `*_normal_`). */
  readonly distribution?: 'truncatedNormal' | 'normal';
}

function gainScale(gain: number, where: string): number {
  if (typeof gain !== 'number' || !Number.isFinite(gain) || gain <= 0) {
    throw new InvalidArgumentError(`${where}: gain must be a finite number > 0, got ${String(gain)}`);
  }
  return gain * gain;
}

/**
 * Glorot (Xavier) uniform: `varianceScaling(gain², { mode: 'fanAvg', distribution: 'uniform' })`.
 *
 * $$ W \sim \mathcal U\left[-g\sqrt{\tfrac{6}{\text{fanIn} + \text{fanOut}}},\; g\sqrt{\tfrac{6}{\text{fanIn} + \text{fanOut}}}\right) $$
 *
 * @param options - `gain` (`g`, default 1), `inAxis`, `outAxis`.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { glorotUniform } from '@downhill/initializers';
 * const w = glorotUniform()(backend, [784, 256], { seed: 0 }); // |w| < √(6/1040)
 * ```
 *
 * Keras `GlorotUniform`, PyTorch `xavier_uniform_`. Glorot & Bengio, "Understanding the difficulty
 * of training deep feedforward neural networks", AISTATS 2010.
 */
export function glorotUniform(options: GlorotOptions = {}): Initializer {
  const { gain = 1, ...axes } = checkOptions('glorotUniform', options, { gain: true, inAxis: true, outAxis: true });
  return makeVarianceScaling('glorotUniform', gainScale(gain, 'glorotUniform'), { ...axes, mode: 'fanAvg', distribution: 'uniform' });
}

/**
 * Glorot (Xavier) normal: variance `g² · 2 / (fanIn + fanOut)`, truncated at ±2 standard
 * deviations (rescaled) by default.
 *
 * $$ \operatorname{Var} W = \frac{2 g^2}{\text{fanIn} + \text{fanOut}} $$
 *
 * @param options - `gain` (`g`, default 1), `distribution` (`'truncatedNormal'` as Keras and JAX, or `'normal'` as PyTorch's `xavier_normal_`), `inAxis`, `outAxis`.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { glorotNormal } from '@downhill/initializers';
 * const w = glorotNormal({ distribution: 'normal' })(backend, [100, 100], { seed: 0 }); // std 0.1
 * ```
 *
 * Glorot & Bengio, AISTATS 2010.
 */
export function glorotNormal(options: GlorotOptions & NormalMemberOptions = {}): Initializer {
  const {
    gain = 1,
    distribution = 'truncatedNormal',
    ...axes
  } = checkOptions('glorotNormal', options, { gain: true, distribution: true, inAxis: true, outAxis: true });
  return makeVarianceScaling('glorotNormal', gainScale(gain, 'glorotNormal'), {
    ...axes,
    mode: 'fanAvg',
    distribution: normalOnly(distribution, 'glorotNormal'),
  });
}

/** Options of the He initializers. */
export interface HeOptions extends FanAxes {
  /** `'fanIn'` (default: keeps the forward pass's scale) or `'fanOut'` (the backward pass's). */
  readonly mode?: 'fanIn' | 'fanOut';
  /** The nonlinearity after the layer, which sets the gain; default `'relu'` (gain √2). */
  readonly nonlinearity?: Nonlinearity;
  /** The negative slope of `leakyRelu`; default 0.01 as {@link calculateGain}. */
  readonly negativeSlope?: number;
}

function heScale(where: string, mode: unknown, nonlinearity: unknown, negativeSlope: number | undefined): number {
  oneOf(mode, ['fanIn', 'fanOut'], 'mode', where);
  oneOf(nonlinearity, NONLINEARITIES, 'nonlinearity', where);
  const g = calculateGain(nonlinearity as Nonlinearity, negativeSlope);
  return g * g;
}

/**
 * He (Kaiming) uniform: variance `gain² / fan`, gain from the nonlinearity (√2 for ReLU).
 *
 * $$ W \sim \mathcal U\left[-g\sqrt{3/n},\; g\sqrt{3/n}\right), \qquad n = \text{fanIn} \text{ or } \text{fanOut} $$
 *
 * @param options - `mode` (default `'fanIn'`), `nonlinearity` (default `'relu'`), `negativeSlope` (for `leakyRelu`), `inAxis`, `outAxis`.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { heUniform } from '@downhill/initializers';
 * const w = heUniform()(backend, [512, 256], { seed: 0 }); // |w| < √(6/512)
 * ```
 *
 * Keras `HeUniform`, PyTorch `kaiming_uniform_` (whose default `a = 0` makes `leaky_relu` a
 * ReLU; here `negativeSlope` defaults to 0.01, as `calculateGain`). He et al., "Delving Deep into
 * Rectifiers", ICCV 2015, https://arxiv.org/abs/1502.01852
 */
export function heUniform(options: HeOptions = {}): Initializer {
  const {
    mode = 'fanIn',
    nonlinearity = 'relu',
    negativeSlope,
    ...axes
  } = checkOptions('heUniform', options, { mode: true, nonlinearity: true, negativeSlope: true, inAxis: true, outAxis: true });
  const where = 'heUniform';
  return makeVarianceScaling(where, heScale(where, mode, nonlinearity, negativeSlope), { ...axes, mode, distribution: 'uniform' });
}

/**
 * He (Kaiming) normal: variance `gain² / fan`, truncated at ±2 standard deviations (rescaled) by
 * default.
 *
 * $$ \operatorname{Var} W = \frac{g^2}{n}, \qquad n = \text{fanIn} \text{ or } \text{fanOut} $$
 *
 * @param options - `mode` (default `'fanIn'`), `nonlinearity` (default `'relu'`), `negativeSlope`, `distribution` (`'truncatedNormal'` as Keras and JAX, `'normal'` as PyTorch's `kaiming_normal_`), `inAxis`, `outAxis`.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { heNormal } from '@downhill/initializers';
 * const init = heNormal({ mode: 'fanIn', nonlinearity: 'relu' });
 * const w = init(backend, [3, 3, 64, 128], { seed: 0 }); // variance 2 / 576
 * ```
 *
 * He et al., "Delving Deep into Rectifiers", ICCV 2015, https://arxiv.org/abs/1502.01852
 */
export function heNormal(options: HeOptions & NormalMemberOptions = {}): Initializer {
  const {
    mode = 'fanIn',
    nonlinearity = 'relu',
    negativeSlope,
    distribution = 'truncatedNormal',
    ...axes
  } = checkOptions('heNormal', options, {
    mode: true,
    nonlinearity: true,
    negativeSlope: true,
    distribution: true,
    inAxis: true,
    outAxis: true,
  });
  const where = 'heNormal';
  return makeVarianceScaling(where, heScale(where, mode, nonlinearity, negativeSlope), {
    ...axes,
    mode,
    distribution: normalOnly(distribution, where),
  });
}

/**
 * LeCun uniform: `varianceScaling(1, { mode: 'fanIn', distribution: 'uniform' })`.
 *
 * $$ W \sim \mathcal U\left[-\sqrt{3/\text{fanIn}},\; \sqrt{3/\text{fanIn}}\right) $$
 *
 * @param axes - `inAxis`, `outAxis`.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { lecunUniform } from '@downhill/initializers';
 * const w = lecunUniform()(backend, [300, 100], { seed: 0 }); // |w| < 0.1
 * ```
 *
 * Keras `LecunUniform`. LeCun et al., "Efficient BackProp", 1998.
 */
export function lecunUniform(axes: FanAxes = {}): Initializer {
  checkOptions('lecunUniform', axes, { inAxis: true, outAxis: true });
  return makeVarianceScaling('lecunUniform', 1, { ...axes, mode: 'fanIn', distribution: 'uniform' });
}

/**
 * LeCun normal: variance `1 / fanIn`, truncated at ±2 standard deviations (rescaled) by default;
 * the initializer SELU networks want.
 *
 * $$ \operatorname{Var} W = \frac{1}{\text{fanIn}} $$
 *
 * @param options - `distribution` (`'truncatedNormal'` default, or `'normal'`), `inAxis`, `outAxis`.
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { lecunNormal } from '@downhill/initializers';
 * const w = lecunNormal()(backend, [256, 256], { seed: 0 }); // variance 1/256
 * ```
 *
 * Keras `LecunNormal`. Klambauer et al., "Self-Normalizing Neural Networks", NeurIPS 2017,
 * https://arxiv.org/abs/1706.02515
 */
export function lecunNormal(options: FanAxes & NormalMemberOptions = {}): Initializer {
  const { distribution = 'truncatedNormal', ...axes } = checkOptions('lecunNormal', options, {
    distribution: true,
    inAxis: true,
    outAxis: true,
  });
  return makeVarianceScaling('lecunNormal', 1, { ...axes, mode: 'fanIn', distribution: normalOnly(distribution, 'lecunNormal') });
}

function normalOnly(distribution: unknown, where: string): 'truncatedNormal' | 'normal' {
  return oneOf(distribution, ['truncatedNormal', 'normal'] as const, 'distribution', where);
}
