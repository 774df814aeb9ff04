import { ops, type TensorLike } from '@downhill/autograd';
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { rng } from '@downhill/initializers';
import { describe, expect, it } from 'vitest';
import { gradientNoiseScale, noiseScaleFromNorms } from './noise-scale.js';

const b = cpu();

describe('gradient noise scale', () => {
  it('recovers tr(Σ), |G|² and B_simple of a quadratic whose per-example gradients have a known covariance', async () => {
    // Per-example loss ½‖θ − xᵢ‖² over a fixed set of N points: gradient θ − xᵢ, so G = θ − x̄ and
    // Σ is the population covariance of the points. Batches drawn with replacement make the
    // estimators unbiased, so the answers are known exactly from the data.
    const d = 6;
    const N = 400;
    const key = rng(11);
    const scales = [2, 1, 0.5, 3, 1.5, 0.25];
    const xs = key.fold('x').normal(N * d);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) xs[i * d + j] = xs[i * d + j] * scales[j] + 0.3 * j;
    const mean = Array.from({ length: d }, (_, j) => Array.from({ length: N }, (_, i) => xs[i * d + j]).reduce((a, c) => a + c, 0) / N);
    let trSigma = 0;
    for (let j = 0; j < d; j++) for (let i = 0; i < N; i++) trSigma += (xs[i * d + j] - mean[j]) ** 2 / N;
    const theta0 = [1, -1, 0.5, 2, 0, 1];
    const g2 = theta0.reduce((a, t, j) => a + (t - mean[j]) ** 2, 0);
    const params = { theta: b.tensor(theta0, [d], 'float64') };
    const draw = (k: ReturnType<typeof rng>, size: number): Tensor => {
      const idx = Array.from(k.uniform(size), (u) => Math.floor(u * N));
      return b.tensor(
        idx.flatMap((i) => Array.from(xs.subarray(i * d, i * d + d))),
        [size, d],
        'float64',
      );
    };
    const small = Array.from({ length: 3000 }, (_, i) => draw(key.fold('s').fold(i), 4));
    const big = Array.from({ length: 600 }, (_, i) => draw(key.fold('b').fold(i), 64));
    const loss = (p: { theta: TensorLike }, batch: Tensor) => ops.mul(ops.mean(ops.sum(ops.square(ops.sub(p.theta, batch)), -1)), 0.5);
    const got = await gradientNoiseScale(loss, params, { small: { batchSize: 4, batches: small }, big: { batchSize: 64, batches: big } });
    console.log(
      `tr(Σ) ${got.traceCovariance.toFixed(3)} ± ${got.traceCovarianceStandardError.toFixed(3)} (exact ${trSigma.toFixed(3)}); |G|² ${got.gradientNormSquared.toFixed(3)} ± ${got.gradientNormSquaredStandardError.toFixed(3)} (exact ${g2.toFixed(3)}); B_simple ${got.simple.toFixed(3)} ± ${got.simpleStandardError.toFixed(3)} (exact ${(trSigma / g2).toFixed(3)})`,
    );
    expect(Math.abs(got.traceCovariance - trSigma)).toBeLessThanOrEqual(3 * got.traceCovarianceStandardError);
    expect(Math.abs(got.gradientNormSquared - g2)).toBeLessThanOrEqual(3 * got.gradientNormSquaredStandardError);
    expect(Math.abs(got.simple - trSigma / g2)).toBeLessThanOrEqual(3 * got.simpleStandardError);
    expect(got.simpleStandardError).toBeLessThan(0.1 * (trSigma / g2));
    // The minibatch gradient's variance shrinks as 1/B: measured against tr(Σ)/B with the exact tr(Σ).
    for (const v of got.variance) {
      console.log(`B = ${v.batchSize}: measured variance ${v.measured.toFixed(4)}, tr(Σ)/B ${(trSigma / v.batchSize).toFixed(4)}`);
      expect(Math.abs(v.measured - trSigma / v.batchSize)).toBeLessThan(0.08 * (trSigma / v.batchSize));
      expect(v.predicted).toBeCloseTo(got.traceCovariance / v.batchSize, 12);
    }
    b.dispose([...small, ...big]);
  });

  it('noiseScaleFromNorms solves the two-size equations exactly on noiseless inputs', () => {
    // E|G_B|² = |G|² + tr(Σ)/B with |G|² = 2 and tr(Σ) = 32: B_simple = 16.
    const at = (B: number) => 2 + 32 / B;
    const r = noiseScaleFromNorms({
      smallBatchSize: 8,
      bigBatchSize: 128,
      smallNormsSquared: [at(8), at(8)],
      bigNormsSquared: [at(128), at(128)],
    });
    expect(r.gradientNormSquared).toBeCloseTo(2, 12);
    expect(r.traceCovariance).toBeCloseTo(32, 12);
    expect(r.simple).toBeCloseTo(16, 12);
    expect(r.simpleStandardError).toBe(0);
    expect(() => noiseScaleFromNorms({ smallBatchSize: 8, bigBatchSize: 8, smallNormsSquared: [1, 1], bigNormsSquared: [1, 1] })).toThrow(
      /1 ≤ smallBatchSize < bigBatchSize, got 8 and 8/,
    );
    expect(() => noiseScaleFromNorms({ smallBatchSize: 1, bigBatchSize: 8, smallNormsSquared: [1], bigNormsSquared: [1, 1] })).toThrow(
      /smallNormsSquared must hold at least two/,
    );
  });
});
