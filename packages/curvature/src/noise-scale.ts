import { grad, type TensorLike } from '@downhill/autograd';
import { InvalidArgumentError } from '@downhill/backend';
import { disposeTree, layoutOf, toHost } from './flat.js';
import { checkLoss } from './hessian-operator.js';
import { checkOptions } from './options.js';

/** Mean squared gradient norms measured at two batch sizes: the input of {@link noiseScaleFromNorms}. */
export interface NormsAtTwoSizes {
  /** The smaller batch size. */
  readonly smallBatchSize: number;
  /** The larger batch size. */
  readonly bigBatchSize: number;
  /** `|G_B|²` of each gradient computed on a batch of the small size. */
  readonly smallNormsSquared: readonly number[];
  /** `|G_B|²` of each gradient computed on a batch of the big size. */
  readonly bigNormsSquared: readonly number[];
}

/** The gradient noise scale and the quantities it is made of, each with a standard error. */
export interface NoiseScale {
  /** The simple noise scale `B_simple = tr(Σ)/|G|²`: about the critical batch size, below which doubling the batch halves the steps to a target loss and above which it buys little. */
  readonly simple: number;
  /** Its standard error (delta method over the two means). */
  readonly simpleStandardError: number;
  /** `tr(Σ)`: the trace of the per-example gradient covariance. */
  readonly traceCovariance: number;
  /** Its standard error. */
  readonly traceCovarianceStandardError: number;
  /** `|G|²`: the squared norm of the full-batch (true) gradient. */
  readonly gradientNormSquared: number;
  /** Its standard error. */
  readonly gradientNormSquaredStandardError: number;
}

function meanAndVariance(xs: readonly number[]): [number, number] {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  return [mean, xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)];
}

/**
 * The gradient noise scale from squared gradient norms measured at two batch sizes, by the
 * unbiased estimators of McCandlish et al. (2018, appendix A.1).
 *
 * Math: a gradient on a batch of B examples drawn independently satisfies
 * `E|G_B|² = |G|² + tr(Σ)/B`. From the means at two sizes b < B:
 * `|G|² ≈ (B·|G_B|² − b·|G_b|²)/(B − b)`, `tr(Σ) ≈ (|G_b|² − |G_B|²)/(1/b − 1/B)`, and
 * `B_simple = tr(Σ)/|G|²`. Each mean's standard error is its sample standard deviation over the
 * square root of its count; they propagate linearly to |G|² and tr(Σ), and by the delta method to
 * B_simple. Neither estimate is forced positive: a negative |G|² says the two means cannot tell
 * the gradient from noise, so measure more batches.
 *
 * @param norms - the batch sizes and the squared norms measured at each (at least two of each).
 * @returns the noise scale and its parts, with standard errors.
 *
 * @example
 * ```ts
 * const { simple } = noiseScaleFromNorms({ smallBatchSize: 32, bigBatchSize: 512, smallNormsSquared, bigNormsSquared });
 * ```
 *
 * McCandlish, Kaplan, Amodei and the OpenAI Dota team, "An empirical model of large-batch
 * training" (2018).
 */
export function noiseScaleFromNorms(norms: NormsAtTwoSizes): NoiseScale {
  const where = 'noiseScaleFromNorms';
  checkOptions(norms, ['smallBatchSize', 'bigBatchSize', 'smallNormsSquared', 'bigNormsSquared'], where);
  const { smallBatchSize: b, bigBatchSize: B, smallNormsSquared, bigNormsSquared } = norms;
  if (!(Number.isInteger(b) && Number.isInteger(B) && b >= 1 && B > b)) {
    throw new InvalidArgumentError(
      `${where}: batch sizes must be integers with 1 ≤ smallBatchSize < bigBatchSize, got ${String(b)} and ${String(B)}`,
    );
  }
  for (const [name, xs] of [
    ['smallNormsSquared', smallNormsSquared],
    ['bigNormsSquared', bigNormsSquared],
  ] as const) {
    if (!Array.isArray(xs) || xs.length < 2 || xs.some((x) => !(x >= 0) || !Number.isFinite(x))) {
      throw new InvalidArgumentError(
        `${where}: ${name} must hold at least two finite non-negative numbers, got ${Array.isArray(xs) ? `${xs.length} value(s)` : typeof xs}`,
      );
    }
  }
  const [ms, vs] = meanAndVariance(smallNormsSquared);
  const [mb, vb] = meanAndVariance(bigNormsSquared);
  const es = vs / smallNormsSquared.length; // variance of each mean
  const eb = vb / bigNormsSquared.length;
  const g2 = (B * mb - b * ms) / (B - b);
  const g2Var = (B * B * eb + b * b * es) / (B - b) ** 2;
  const c = 1 / (1 / b - 1 / B);
  const s = (ms - mb) * c;
  const sVar = (es + eb) * c * c;
  const simple = s / g2;
  // Delta method for s/g2 with s and g2 correlated through the shared means.
  const dS = { ms: c, mb: -c };
  const dG = { ms: -b / (B - b), mb: B / (B - b) };
  const dRms = dS.ms / g2 - (s * dG.ms) / (g2 * g2);
  const dRmb = dS.mb / g2 - (s * dG.mb) / (g2 * g2);
  return {
    simple,
    simpleStandardError: Math.sqrt(dRms * dRms * es + dRmb * dRmb * eb),
    traceCovariance: s,
    traceCovarianceStandardError: Math.sqrt(sVar),
    gradientNormSquared: g2,
    gradientNormSquaredStandardError: Math.sqrt(g2Var),
  };
}

/** Batches of one size for {@link gradientNoiseScale}. */
export interface BatchesOfSize<B> {
  /** How many examples each batch holds. */
  readonly batchSize: number;
  /** The batches, each passed to the loss as its second argument; drawn independently (with replacement) for unbiased estimates. */
  readonly batches: readonly B[];
}

/** Options of {@link gradientNoiseScale}. */
export interface GradientNoiseScaleOptions<B> {
  /** Batches of the smaller size (at least two). */
  readonly small: BatchesOfSize<B>;
  /** Batches of the larger size (at least two). */
  readonly big: BatchesOfSize<B>;
}

/** The spread of the minibatch gradient at one batch size. */
export interface GradientVariance {
  /** The batch size. */
  readonly batchSize: number;
  /** `E|G_B − Ḡ_B|²`, the total variance of the minibatch gradient measured over the batches (sample variance, summed over parameters). */
  readonly measured: number;
  /** `tr(Σ)/B`, what the noise-scale model predicts: the variance shrinks as 1/B. */
  readonly predicted: number;
}

/** What {@link gradientNoiseScale} returns. */
export interface GradientNoiseScale extends NoiseScale {
  /** The minibatch gradient's variance at each of the two sizes, measured and as `tr(Σ)/B` predicts. */
  readonly variance: readonly [GradientVariance, GradientVariance];
  /** The squared norms measured, for {@link noiseScaleFromNorms}. */
  readonly norms: NormsAtTwoSizes;
}

/**
 * The gradient noise scale of `loss` at `params` (McCandlish et al. 2018): gradients on batches of
 * two sizes give `tr(Σ)` (the per-example gradient covariance's trace), `|G|²` (the true
 * gradient's squared norm) and `B_simple = tr(Σ)/|G|²`, an estimate of the critical batch size.
 * It also measures how the minibatch gradient's variance shrinks as 1/B: at each size the sample
 * variance of the batch gradients beside the model's `tr(Σ)/B`.
 *
 * Math: see {@link noiseScaleFromNorms}. With `loss` a mean over the batch's examples, the
 * gradient of a batch of B independent examples has mean G and covariance Σ/B.
 *
 * @param loss - `(params, batch) => scalar`, the mean loss over a batch.
 * @param params - the point: a tree of float tensors on one backend.
 * @param options - `small` and `big`: each a batch size and its batches.
 * @returns the noise scale, its parts with standard errors, and the variance at both sizes.
 *
 * @example
 * ```ts
 * const gns = await gradientNoiseScale((p, b) => loss(p, b.x, b.y), params, {
 *   small: { batchSize: 16, batches: small },
 *   big: { batchSize: 256, batches: big },
 * });
 * console.log(gns.simple, gns.variance);
 * ```
 *
 * McCandlish, Kaplan, Amodei et al., "An empirical model of large-batch training" (2018).
 */
export async function gradientNoiseScale<P, B>(
  loss: (params: P, batch: B) => TensorLike,
  params: P,
  options: GradientNoiseScaleOptions<B>,
): Promise<GradientNoiseScale> {
  const where = 'gradientNoiseScale';
  checkLoss(loss, where);
  checkOptions(options ?? {}, ['small', 'big'], where);
  const layout = layoutOf(params, where);
  const sizes = [options?.small, options?.big];
  for (const [name, s] of [
    ['small', sizes[0]],
    ['big', sizes[1]],
  ] as const) {
    if (!s || !Array.isArray(s.batches) || s.batches.length < 2 || !Number.isInteger(s.batchSize) || s.batchSize < 1) {
      throw new InvalidArgumentError(
        `${where}: options.${name} must be { batchSize: a positive integer, batches: at least two batches }, got ${s === undefined ? 'nothing' : JSON.stringify({ batchSize: s.batchSize, batches: Array.isArray(s.batches) ? s.batches.length : typeof s.batches })}`,
      );
    }
  }
  const g = grad(loss as (p: P, b: B) => TensorLike);
  const measure = async ({ batches }: BatchesOfSize<B>) => {
    const n = layout.size;
    const mean = new Float64Array(n);
    const m2 = new Float64Array(n);
    const normsSquared: number[] = [];
    let count = 0;
    for (const batch of batches) {
      const gradient = g(params, batch);
      let v: Float64Array;
      try {
        v = await toHost(gradient, layout);
      } finally {
        disposeTree(layout.backend, gradient);
      }
      count++;
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += v[i] * v[i];
        const d = v[i] - mean[i];
        mean[i] += d / count;
        m2[i] += d * (v[i] - mean[i]);
      }
      normsSquared.push(s);
    }
    return { normsSquared, variance: m2.reduce((a, b) => a + b, 0) / (count - 1) };
  };
  const small = await measure(sizes[0]!);
  const big = await measure(sizes[1]!);
  const norms: NormsAtTwoSizes = {
    smallBatchSize: sizes[0]!.batchSize,
    bigBatchSize: sizes[1]!.batchSize,
    smallNormsSquared: small.normsSquared,
    bigNormsSquared: big.normsSquared,
  };
  const scale = noiseScaleFromNorms(norms);
  return {
    ...scale,
    variance: [
      { batchSize: norms.smallBatchSize, measured: small.variance, predicted: scale.traceCovariance / norms.smallBatchSize },
      { batchSize: norms.bigBatchSize, measured: big.variance, predicted: scale.traceCovariance / norms.bigBatchSize },
    ],
    norms,
  };
}
