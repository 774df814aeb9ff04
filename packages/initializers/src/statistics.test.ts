// Large draws (200,000 values each, made on backend-cpu in float32 and read back) checked for
// mean, variance and bounds against each initializer's formula.
//
// Tolerances: 5 standard errors. The mean of N samples of variance σ² has standard error σ/√N;
// the sample variance has standard error σ²·√((κ − 1)/N), where κ is the kurtosis (3 for a normal,
// 1.8 for a uniform, about 2.37 for a normal cut at ±2), so σ²·√(2/N) bounds all three. At
// N = 200,000 that is 1.1% of σ for the mean and 1.6% of σ² for the variance: a wrong fan (the
// shapes below make fanIn, fanOut and their mean differ by 11% or more), a missing truncation
// correction (23%) or a wrong gain fails by far. The seeds are fixed, so the tests are
// deterministic; a false alarm at 5 standard errors would have odds of about 1 in 3.5 million.
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  TRUNCATED_NORMAL_STD_AT_2,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  normal,
  truncatedNormal,
  uniform,
  varianceScaling,
  type Initializer,
} from './index.js';

const backend = cpu();
const N = 200_000;
const DENSE = [400, 500]; // fanIn 400, fanOut 500, fanAvg 450
const CONV = [5, 5, 40, 200]; // receptive field 25: fanIn 1000, fanOut 5000, fanAvg 3000
const TORCH_CONV = [200, 40, 5, 5]; // the same fans with { inAxis: 1, outAxis: 0 }

type Dist = 'uniform' | 'normal' | 'truncated';
// [name, initializer, shape, expected mean, expected variance, distribution, bound on |w − mean|]
type Row = [string, Initializer, number[], number, number, Dist, number];

/** A row whose variance is `v` with the bounds its distribution implies. */
function row(name: string, init: Initializer, shape: number[], dist: Dist, v: number, mean = 0): Row {
  const bound = dist === 'uniform' ? Math.sqrt(3 * v) : dist === 'truncated' ? (2 * Math.sqrt(v)) / TRUNCATED_NORMAL_STD_AT_2 : Infinity;
  return [name, init, shape, mean, v, dist, bound];
}

const TN_VAR = TRUNCATED_NORMAL_STD_AT_2 ** 2; // variance of N(0, 1) cut at ±2: 0.7737…

const rows: Row[] = [
  row('uniform(-0.2, 0.6)', uniform({ min: -0.2, max: 0.6 }), DENSE, 'uniform', 0.8 ** 2 / 12, 0.2),
  row('normal(1, 0.3)', normal({ mean: 1, std: 0.3 }), DENSE, 'normal', 0.09, 1),
  row('truncatedNormal(0, 0.5): variance 0.774·σ²', truncatedNormal({ std: 0.5 }), DENSE, 'truncated', 0.25 * TN_VAR),
  row('truncatedNormal(mean 2)', truncatedNormal({ mean: 2, std: 0.1 }), DENSE, 'truncated', 0.01 * TN_VAR, 2),
  row('varianceScaling fanIn truncated', varianceScaling(1, { mode: 'fanIn' }), DENSE, 'truncated', 1 / 400),
  row('varianceScaling fanOut normal', varianceScaling(3, { mode: 'fanOut', distribution: 'normal' }), DENSE, 'normal', 3 / 500),
  row('varianceScaling fanAvg uniform', varianceScaling(2, { mode: 'fanAvg', distribution: 'uniform' }), DENSE, 'uniform', 2 / 450),
  row('varianceScaling fanIn conv', varianceScaling(1, { mode: 'fanIn', distribution: 'normal' }), CONV, 'normal', 1 / 1000),
  row('varianceScaling fanOut conv', varianceScaling(1, { mode: 'fanOut', distribution: 'uniform' }), CONV, 'uniform', 1 / 5000),
  row('varianceScaling fanAvg conv', varianceScaling(1, { mode: 'fanAvg' }), CONV, 'truncated', 1 / 3000),
  row(
    'varianceScaling fanIn, PyTorch layout',
    varianceScaling(1, { mode: 'fanIn', distribution: 'normal', inAxis: 1, outAxis: 0 }),
    TORCH_CONV,
    'normal',
    1 / 1000,
  ),
  row('glorotUniform', glorotUniform(), DENSE, 'uniform', 2 / 900),
  row('glorotUniform gain 2', glorotUniform({ gain: 2 }), CONV, 'uniform', (4 * 2) / 6000),
  row('glorotNormal (truncated)', glorotNormal(), DENSE, 'truncated', 2 / 900),
  row('glorotNormal (PyTorch: untruncated)', glorotNormal({ distribution: 'normal' }), DENSE, 'normal', 2 / 900),
  row('heNormal fanIn relu', heNormal({ mode: 'fanIn', nonlinearity: 'relu' }), DENSE, 'truncated', 2 / 400),
  row('heNormal fanOut relu', heNormal({ mode: 'fanOut', nonlinearity: 'relu', distribution: 'normal' }), DENSE, 'normal', 2 / 500),
  row('heNormal fanIn tanh conv', heNormal({ nonlinearity: 'tanh', distribution: 'normal' }), CONV, 'normal', 25 / 9 / 1000),
  row('heNormal leakyRelu 0.2', heNormal({ nonlinearity: 'leakyRelu', negativeSlope: 0.2 }), DENSE, 'truncated', 2 / 1.04 / 400),
  row('heNormal selu fanOut conv', heNormal({ mode: 'fanOut', nonlinearity: 'selu' }), CONV, 'truncated', 0.5625 / 5000),
  row('heNormal linear', heNormal({ nonlinearity: 'linear', distribution: 'normal' }), DENSE, 'normal', 1 / 400),
  row('heUniform fanIn relu', heUniform(), DENSE, 'uniform', 2 / 400),
  row('heUniform fanOut sigmoid conv', heUniform({ mode: 'fanOut', nonlinearity: 'sigmoid' }), CONV, 'uniform', 1 / 5000),
  row('lecunUniform', lecunUniform(), DENSE, 'uniform', 1 / 400),
  row('lecunNormal', lecunNormal(), CONV, 'truncated', 1 / 1000),
  row('lecunNormal untruncated', lecunNormal({ distribution: 'normal' }), DENSE, 'normal', 1 / 400),
];

describe('initializer statistics over 200,000 draws (5 standard errors)', () => {
  rows.forEach(([name, init, shape, mean, variance, dist, bound], i) => {
    it(name, () => {
      const t = init(backend, shape, { seed: 1000 + i });
      expect(t.shape).toEqual(shape);
      expect(t.dtype).toBe('float32');
      const x = backend.readSync(t) as Float32Array;
      t.dispose();
      expect(x.length).toBe(N);
      let s = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of x) {
        s += v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const m = s / N;
      let ss = 0;
      for (const v of x) ss += (v - m) * (v - m);
      const varHat = ss / (N - 1);
      const sd = Math.sqrt(variance);
      expect(Math.abs(m - mean), `mean ${m} vs ${mean}`).toBeLessThan((5 * sd) / Math.sqrt(N));
      expect(Math.abs(varHat - variance) / variance, `variance ${varHat} vs ${variance}`).toBeLessThan(5 * Math.sqrt(2 / N));
      // Bounds: float32 rounding may land on the bound itself, never past it by more than an ulp.
      const slack = Math.fround(bound) - bound + 1e-7 * bound;
      if (Number.isFinite(bound)) {
        expect(lo - mean).toBeGreaterThanOrEqual(-bound - Math.abs(slack));
        expect(hi - mean).toBeLessThanOrEqual(bound + Math.abs(slack));
        // And the draws do reach near their bounds (a too-narrow range fails here).
        expect(hi - mean).toBeGreaterThan(0.98 * bound);
        expect(lo - mean).toBeLessThan(-0.98 * bound);
      } else {
        // An untruncated normal of 200,000 draws passes 4σ with near certainty (P(miss) ≈ 2e-6).
        expect(Math.max(hi - mean, mean - lo)).toBeGreaterThan(4 * sd);
      }
      expect(backend.memory().tensors).toBe(0);
    });
  });
});
