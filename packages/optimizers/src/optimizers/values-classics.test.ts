/**
 * Values of the classics: the first steps on the small case of values.test.ts (w = [1, −0.5],
 * gradients g₁ = [0.2, −0.4], g₂ = [0.1, 0.3], g₃ = [−0.3, 0.2] repeating, η = 0.1, float64),
 * each row against one of two kinds of reference, named in the row:
 *
 * - AUTHORS: numbers computed by running the authors' reference implementation (PyTorch 1.13,
 *   float64) on this case, transcribed below with the repository, commit and file;
 * - ALGORITHM: the paper's algorithm box (or the framework's documented rule where the paper has
 *   none), written out in host arithmetic, with the section named.
 *
 * PyTorch's own optimizers (Rprop, ASGD, NAdam with momentum decay, Adamax, AdamW) are checked
 * against torch.optim in pytorch-values.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { G, W0, b, lr, map, runCase, zeros, type Vec } from '../__fixtures__/values-case.js';
import { step } from '../step.js';
import { gaussianNoise } from '../transforms/add-noise.js';
import { stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { adabelief } from './adabelief.js';
import { adam } from './adam.js';
import { adamaxw } from './adamaxw.js';
import { adamw } from './adamw.js';
import { adan } from './adan.js';
import { asgd } from './asgd.js';
import { fromage } from './fromage.js';
import { ftrl } from './ftrl.js';
import { nadamw } from './nadamw.js';
import { noisySgd } from './noisy-sgd.js';
import { novograd } from './novograd.js';
import { optimisticAdam } from './optimistic-adam.js';
import { optimisticGradientDescent } from './optimistic-gradient-descent.js';
import { polyakSgd } from './polyak-sgd.js';
import { rprop } from './rprop.js';
import { signSgd } from './sign-sgd.js';
import { signum } from './signum.js';
import { sm3 } from './sm3.js';
import { yogi } from './yogi.js';

const sq = (v: Vec) => v.reduce((s, x) => s + x * x, 0);

/** A reference rule on host numbers, as a closure over its own state: w after step t from w and g. */
type Rule = () => (w: Vec, g: Vec, t: number) => Vec;

interface Row {
  readonly name: string;
  readonly tx: () => GradientTransformation<any>;
  /** The source, in words (AUTHORS: repository, commit, file; ALGORITHM: paper and section). */
  readonly source: string;
  /** Either a rule (ALGORITHM) or the transcribed trajectory (AUTHORS). */
  readonly reference: Rule | readonly Vec[];
  readonly steps?: number;
  /** Relative tolerance (default 1e-12; transcribed trajectories differ by PyTorch's rounding). */
  readonly tol?: number;
}

const adamDir = (b1: number, b2: number, eps: number) => {
  let m = zeros();
  let v = zeros();
  return (g: Vec, t: number): Vec => {
    m = map((m, g) => b1 * m + (1 - b1) * g, m, g);
    v = map((v, g) => b2 * v + (1 - b2) * g * g, v, g);
    return map((m, v) => m / (1 - b1 ** t) / (Math.sqrt(v / (1 - b2 ** t)) + eps), m, v);
  };
};

export const CLASSIC_ROWS: readonly Row[] = [
  {
    name: 'adabelief decoupled weight decay',
    tx: () => adabelief(lr, { b1: 0.8, b2: 0.9, eps: 1e-10, epsRoot: 1e-10, weightDecay: 0.05 }),
    source:
      'AUTHORS: juntang-zhuang/Adabelief-Optimizer@e0ed01d, pypi_packages/adabelief_pytorch0.2.0/adabelief_pytorch/AdaBelief.py, ' +
      'AdaBelief(lr=0.1, betas=(0.8, 0.9), eps=1e-10, weight_decay=0.05, weight_decouple=True, rectify=False)',
    reference: [
      [0.8700000025195312, -0.3725000006494141],
      [0.7405837759407627, -0.36707260621313126],
      [0.7563054718639498, -0.3935128849870612],
      [0.7298298546257934, -0.36233508229720485],
      [0.6902838885575274, -0.3705473940493673],
      [0.7062616987725703, -0.3970649302311393],
    ],
  },
  {
    name: 'adan',
    tx: () => adan(lr, { b1: 0.9, b2: 0.8, b3: 0.95 }),
    source: 'AUTHORS: sail-sg/Adan@f0b1b81, adan.py, Adan(lr=0.1, betas=(0.9, 0.8, 0.95), eps=1e-8, foreach=False)',
    reference: [
      [0.9000000049999998, -0.40000000249999995],
      [0.8266553922377741, -0.44133939170450254],
      [0.8722373626072156, -0.4785880731121581],
      [0.855216364300999, -0.4570724766542542],
      [0.8409083179769142, -0.47643756339156],
      [0.8644227037913421, -0.495479154351032],
    ],
  },
  {
    name: 'adan weight decay',
    tx: () => adan(lr, { b1: 0.9, b2: 0.8, b3: 0.95, weightDecay: 0.05 }),
    source: 'AUTHORS: sail-sg/Adan@f0b1b81, adan.py, Adan(lr=0.1, betas=(0.9, 0.8, 0.95), weight_decay=0.05, no_prox=True, foreach=False)',
    reference: [
      [0.8950000049999998, -0.39750000249999995],
      [0.817180392212774, -0.43685189169200256],
      [0.8586764606211518, -0.4719163136411981],
      [0.8373620800118294, -0.44804113561508824],
      [0.8188672232876855, -0.4651660166743186],
      [0.838287272985675, -0.481881777550419],
    ],
  },
  {
    name: 'fromage',
    tx: () => fromage(lr),
    source: 'AUTHORS: jxbz/fromage@f36a277, fromage.py, Fromage(lr=0.1)',
    reference: [
      [0.9452853306994897, -0.3980148760839957],
      [0.9083207801722643, -0.4928594416614256],
      [0.9893719744606062, -0.5474528190316831],
      [0.934144865345373, -0.4441018264329879],
      [0.8969626002912918, -0.5395366788541753],
      [0.9791720415240217, -0.5946329916134405],
    ],
  },
  {
    name: 'yogi',
    tx: () => yogi(lr, { b1: 0.8, b2: 0.9, eps: 1e-3 }),
    source: 'ALGORITHM: Zaheer et al. 2018, Algorithm 2 (Yogi), with moments from 1e-6 and bias correction as optax scale_by_yogi',
    steps: 6,
    reference: () => {
      let m = [1e-6, 1e-6];
      let v = [1e-6, 1e-6];
      return (w, g, t) => {
        m = map((m, g) => 0.8 * m + 0.2 * g, m, g);
        v = map((v, g) => v - 0.1 * Math.sign(v - g * g) * g * g, v, g);
        return map((w, m, v) => w - (lr * (m / (1 - 0.8 ** t))) / (Math.sqrt(v / (1 - 0.9 ** t)) + 1e-3), w, m, v);
      };
    },
  },
  {
    name: 'novograd weight decay',
    tx: () => novograd(lr, { b1: 0.8, b2: 0.5, weightDecay: 0.01 }),
    source: 'ALGORITHM: Ginsburg et al. 2019, Algorithm 1 (NovoGrad), one layer',
    steps: 6,
    reference: () => {
      let m = zeros();
      let v = 0;
      return (w, g, t) => {
        v = t === 1 ? sq(g) : 0.5 * v + 0.5 * sq(g);
        m = map((m, g, w) => (t === 1 ? 0 : 0.8 * m) + g / (Math.sqrt(v) + 1e-6) + 0.01 * w, m, g, w);
        return map((w, m) => w - lr * m, w, m);
      };
    },
  },
  {
    name: 'rprop',
    tx: () => rprop(0.05, { etaMinus: 0.4, etaPlus: 1.5, minStepSize: 1e-3, maxStepSize: 0.2 }),
    source: 'ALGORITHM: Riedmiller and Braun 1993 (Rprop without backtracking, as torch.optim.Rprop documents it)',
    steps: 6,
    reference: () => {
      let d = [0.05, 0.05];
      let prev = zeros();
      return (w, g) => {
        const s = map((g, p) => g * p, g, prev);
        d = map((d, s) => Math.min(Math.max(d * (s > 0 ? 1.5 : s < 0 ? 0.4 : 1), 1e-3), 0.2), d, s);
        prev = map((g, s) => (s < 0 ? 0 : g), g, s);
        return map((w, g, d) => w - Math.sign(g) * d, w, prev, d);
      };
    },
  },
  {
    name: 'signSgd',
    tx: () => signSgd(lr),
    source: 'ALGORITHM: Bernstein et al. 2018, Algorithm 1 (signSGD)',
    reference: () => (w, g) => map((w, g) => w - lr * Math.sign(g), w, g),
  },
  {
    name: 'signum weight decay',
    tx: () => signum(lr, { momentum: 0.5, weightDecay: 0.1 }),
    source: 'ALGORITHM: Bernstein et al. 2018, Algorithm 2 (Signum), decoupled weight decay as in their code',
    steps: 6,
    reference: () => {
      let m = zeros();
      return (w, g) => {
        m = map((m, g) => 0.5 * m + 0.5 * g, m, g);
        return map((w, m) => w - lr * (Math.sign(m) + 0.1 * w), w, m);
      };
    },
  },
  {
    name: 'optimisticGradientDescent',
    tx: () => optimisticGradientDescent(lr),
    source: 'ALGORITHM: Daskalakis et al. 2018, eq. (OMD): w ← w − 2η·gₜ + η·gₜ₋₁ (gₜ₋₁ = gₜ at t = 1, optax issue 1082)',
    steps: 6,
    reference: () => {
      let prev: Vec | undefined;
      return (w, g) => {
        const p = prev ?? g;
        prev = g;
        return map((w, g, p) => w - 2 * lr * g + lr * p, w, g, p);
      };
    },
  },
  {
    name: 'optimisticAdam',
    tx: () => optimisticAdam(lr, { b1: 0.8, b2: 0.9 }),
    source: 'ALGORITHM: Daskalakis et al. 2018, Algorithm 1 (Optimistic Adam)',
    steps: 6,
    reference: () => {
      const dir = adamDir(0.8, 0.9, 1e-8);
      let prev: Vec | undefined;
      return (w, g, t) => {
        const a = dir(g, t);
        const p = prev ?? a;
        prev = a;
        return map((w, a, p) => w - 2 * lr * a + lr * p, w, a, p);
      };
    },
  },
  {
    name: 'adamaxw',
    tx: () => adamaxw(lr, { b1: 0.8, b2: 0.9, weightDecay: 0.05 }),
    source: 'ALGORITHM: Kingma and Ba 2015, Algorithm 2 (AdaMax), plus Loshchilov and Hutter 2019 decoupled decay',
    steps: 6,
    reference: () => {
      let m = zeros();
      let u = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.8 * m + 0.2 * g, m, g);
        u = map((u, g) => Math.max(0.9 * u, Math.abs(g) + 1e-8), u, g);
        return map((w, m, u) => w - lr * (m / (1 - 0.8 ** t) / u + 0.05 * w), w, m, u);
      };
    },
  },
  {
    name: 'nadamw',
    tx: () => nadamw(lr, { b1: 0.8, b2: 0.9, weightDecay: 0.05 }),
    source: 'ALGORITHM: Dozat 2016, NAdam (as optax: b1·m/(1 − b1ᵗ⁺¹) + (1 − b1)·g/(1 − b1ᵗ)), plus decoupled decay',
    steps: 6,
    reference: () => {
      let m = zeros();
      let v = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.8 * m + 0.2 * g, m, g);
        v = map((v, g) => 0.9 * v + 0.1 * g * g, v, g);
        const mHat = map((m, g) => (0.8 * m) / (1 - 0.8 ** (t + 1)) + (0.2 * g) / (1 - 0.8 ** t), m, g);
        return map((w, m, v) => w - lr * (m / (Math.sqrt(v / (1 - 0.9 ** t)) + 1e-8) + 0.05 * w), w, mHat, v);
      };
    },
  },
  {
    name: 'adam keras eps',
    tx: () => adam(lr, { b1: 0.8, b2: 0.9, eps: 1e-2, epsPlacement: 'keras' }),
    source: 'ALGORITHM: Keras 3 Adam (keras/src/optimizers/adam.py): α = η·√(1 − b2ᵗ)/(1 − b1ᵗ), w ← w − α·m/(√v + ε)',
    steps: 6,
    reference: () => {
      let m = zeros();
      let v = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.8 * m + 0.2 * g, m, g);
        v = map((v, g) => 0.9 * v + 0.1 * g * g, v, g);
        const alpha = (lr * Math.sqrt(1 - 0.9 ** t)) / (1 - 0.8 ** t);
        return map((w, m, v) => w - (alpha * m) / (Math.sqrt(v) + 1e-2), w, m, v);
      };
    },
  },
  {
    name: 'adamw independent decay',
    tx: () => adamw((t) => lr * 0.5 ** t, { b1: 0.8, b2: 0.9, weightDecay: 0.05, weightDecayCoupling: 'independent' }),
    source: 'ALGORITHM: Loshchilov and Hutter 2019, Algorithm 2 (AdamW): w ← w − ηₜ·(α·m̂/(√v̂ + ε) + λ·w), ηₜ the schedule multiplier',
    steps: 6,
    reference: () => {
      const dir = adamDir(0.8, 0.9, 1e-8);
      return (w, g, t) => {
        const a = dir(g, t);
        const mult = 0.5 ** (t - 1);
        return map((w, a) => w - mult * (lr * a + 0.05 * w), w, a);
      };
    },
  },
  {
    name: 'ftrl l1 l2',
    tx: () => ftrl(0.5, { l1: 0.05, l2: 0.01, beta: 0.1 }),
    source: 'ALGORITHM: McMahan et al. 2013, Algorithm 1 (FTRL-Proximal), with Keras 3 Ftrl conventions (accumulator from 0.1, 2·l2)',
    steps: 6,
    reference: () => {
      let n = [0.1, 0.1];
      let z = zeros();
      return (w, g) => {
        const n2 = map((n, g) => n + g * g, n, g);
        z = map((z, g, n, n2, w) => z + g - ((Math.sqrt(n2) - Math.sqrt(n)) / 0.5) * w, z, g, n, n2, w);
        n = n2;
        return map((z, n) => (Math.abs(z) <= 0.05 ? 0 : -(z - Math.sign(z) * 0.05) / ((0.1 + Math.sqrt(n)) / 0.5 + 2 * 0.01)), z, n);
      };
    },
  },
  {
    name: 'asgd',
    tx: () => asgd(lr, { lambd: 0.1, alpha: 0.5 }),
    source: 'ALGORITHM: torch.optim.ASGD documentation (Polyak and Juditsky 1992 averaging, Bottou 2012 §5.3 rates)',
    steps: 6,
    reference: () => (w, g, t) => {
      const eta = lr / Math.sqrt(1 + 0.1 * lr * (t - 1));
      return map((w, g) => w * (1 - 0.1 * eta) - eta * g, w, g);
    },
  },
  {
    name: 'polyakSgd',
    tx: () => polyakSgd(0.5, { value: (p) => halfSq(p), fMin: 0.01 }),
    source: 'ALGORITHM: Loizou et al. 2021, eq. (SPS_max): γ = min((f(w) − f*)/‖g‖², γ_b), f = ½‖w‖²',
    steps: 6,
    reference: () => (w, g) => {
      const gamma = Math.min((0.5 * sq(w) - 0.01) / sq(g), 0.5);
      return map((w, g) => w - gamma * g, w, g);
    },
  },
];

/** ½‖w‖² of the one parameter, as a rank-0 tensor on its backend. */
function halfSq(p: Params): ReturnType<typeof b.mul> {
  const w = p.w as ReturnType<typeof b.mul>;
  const k = w.backend;
  return k.mul(k.reduce('sum', k.unary('square', w)), 0.5);
}

describe.each(CLASSIC_ROWS)('$name: values', (row) => {
  const steps = Array.isArray(row.reference) ? row.reference.length : (row.steps ?? 3);
  it.each([true, false])(`matches the reference for ${steps} steps (fused: %s)`, (fused) => {
    const got = runCase(row.tx(), steps, fused);
    const tol = row.tol ?? 1e-12;
    let w = [...W0];
    const rule = Array.isArray(row.reference) ? undefined : (row.reference as Rule)();
    for (let t = 1; t <= steps; t++) {
      w = rule ? rule(w, G[(t - 1) % 3], t) : [...(row.reference as readonly Vec[])[t - 1]];
      got[t - 1].forEach((x, i) =>
        expect(Math.abs(x - w[i]), `${row.source}: step ${t}, w[${i}] = ${x}, reference ${w[i]}`).toBeLessThan(
          tol * Math.max(1, Math.abs(w[i])),
        ),
      );
    }
  });
});

it('ftrl: a rate of 0 (a warm-up schedule at step 0) makes no step and keeps the state', () => {
  const tx = ftrl((t) => 0.5 * t, { l1: 0.05 });
  let params: Params = { w: b.tensor([0.3, -0.2], [2], 'float64') };
  let state = tx.init(params);
  ({ params, state } = step(tx, params, { w: b.tensor([0.01, 1], [2], 'float64') }, state, { inPlace: true }));
  expect(Array.from(b.readSync(params.w as never))).toEqual([0.3, -0.2]);
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
});

it('ftrl: l1 sets a coordinate to exactly zero while |z| ≤ l1 (McMahan et al. 2013, §3.1)', () => {
  // One step from w = 0 with g = [0.01, 1]: z = g, |z₀| = 0.01 ≤ l1 = 0.05, so w₀ = 0 exactly.
  const tx = ftrl(0.5, { l1: 0.05 });
  let params: Params = { w: b.tensor([0, 0], [2], 'float64') };
  let state = tx.init(params);
  ({ params, state } = step(tx, params, { w: b.tensor([0.01, 1], [2], 'float64') }, state, { inPlace: true }));
  const w = Array.from(b.readSync(params.w as never));
  expect(Object.is(w[0], 0) || Object.is(w[0], -0)).toBe(true);
  expect(w[1]).toBeCloseTo(-(1 - 0.05) / (Math.sqrt(1.1) / 0.5), 12);
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
});

const SM3 = { name: 'sm3', source: 'ALGORITHM: Anil et al. 2019, Algorithm SM3-II, on a 2×3 matrix, with momentum as optax' };
it(`${SM3.name}: per-axis covers (${SM3.source})`, () => {
  // Row and column accumulators r (2), c (3): ν = g² + min(rᵢ, cⱼ); r ← max over each row of ν,
  // c ← max over each column; u = g/√(ν + ε), momentum m ← 0.9·m + 0.1·u (optax), w ← w − η·m.
  const w0 = [0.5, -1, 2, 1.5, 0.25, -0.75];
  const gs = [
    [0.1, -0.2, 0.3, 0.4, -0.1, 0.2],
    [-0.3, 0.1, 0.2, -0.2, 0.3, 0.1],
    [0.2, 0.2, -0.1, 0.1, -0.4, 0.3],
  ];
  const tx = sm3(lr);
  let params: Params = { w: b.tensor(w0, [2, 3], 'float64') };
  let state: OptState = tx.init(params);
  let w = [...w0];
  let r = [0, 0];
  let c = [0, 0, 0];
  let m = [0, 0, 0, 0, 0, 0];
  for (const g of gs) {
    const nu = g.map((x, k) => x * x + Math.min(r[Math.floor(k / 3)], c[k % 3]));
    r = [0, 1].map((i) => Math.max(nu[3 * i], nu[3 * i + 1], nu[3 * i + 2]));
    c = [0, 1, 2].map((j) => Math.max(nu[j], nu[3 + j]));
    m = m.map((mk, k) => 0.9 * mk + 0.1 * (nu[k] > 0 ? g[k] / Math.sqrt(nu[k] + 1e-8) : 0));
    w = w.map((x, k) => x - lr * m[k]);
    const gt = b.tensor(g, [2, 3], 'float64');
    ({ params, state } = step(tx, params, { w: gt }, state, { inPlace: true }));
    gt.dispose();
    Array.from(b.readSync(params.w as never)).forEach((x, k) => expect(Math.abs(x - w[k])).toBeLessThan(1e-12));
  }
  // Memory: 2 + 3 accumulator numbers for 6 entries.
  const acc = (state as { inner: [{ acc: { w: { shape: number[] } }[] }] }).inner[0].acc;
  expect(acc.map((a) => a.w.shape)).toEqual([[2], [3]]);
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
});

const NOISY = { name: 'noisySgd', source: 'ALGORITHM: Neelakantan et al. 2015, §2: σₜ² = η/tᵞ' };
it(`${NOISY.name}: the noise has the paper's variance and repeats for a seed (${NOISY.source})`, () => {
  // A 20000-entry parameter with zero gradients: after step t, (w_t − w_{t−1})/(−lr) is the noise.
  const n = 20000;
  const tx = noisySgd(1, { eta: 0.04, gamma: 0.55, seed: 5 });
  let params: Params = { w: b.tensor(new Float64Array(n), [n], 'float64') };
  let state = tx.init(params);
  let prev = new Float64Array(n);
  for (let t = 1; t <= 3; t++) {
    ({ params, state } = step(tx, params, { w: b.tensor(new Float64Array(n), [n], 'float64') }, state, { inPlace: true }));
    const now = Float64Array.from(b.readSync(params.w as never));
    const z = now.map((x, i) => -(x - prev[i]));
    const mean = z.reduce((s, x) => s + x, 0) / n;
    const variance = z.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    const expected = 0.04 / t ** 0.55;
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(expected / n));
    expect(Math.abs(variance / expected - 1)).toBeLessThan(0.05);
    // Reproducible: the numbers are those of the documented (seed, step, position) stream.
    const want = gaussianNoise(5, t, 0, 4);
    for (let i = 0; i < 4; i++) expect(z[i]).toBeCloseTo(Math.sqrt(expected) * want[i], 12);
    prev = now;
  }
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
});
