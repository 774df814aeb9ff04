/**
 * Values: the first steps of every named optimizer on a tiny case, against the update rule of
 * its paper, written out below in plain host arithmetic (no tensors), and, for step 1, against
 * numbers derived by hand in the comments.
 *
 * The case: one parameter w = [1, −0.5] and the fixed gradients
 *   g₁ = [0.2, −0.4],  g₂ = [0.1, 0.3],  g₃ = [−0.3, 0.2]   (then repeating for longer runs),
 * learning rate η = 0.1, float64.
 */
import { describe, expect, it } from 'vitest';
import { G, W0, b, lr, map, runCase, zeros, type Vec } from '../__fixtures__/values-case.js';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { adadelta } from './adadelta.js';
import { adafactor } from './adafactor.js';
import { adagrad } from './adagrad.js';
import { adam, amsgrad, nadam } from './adam.js';
import { adamax } from './adamax.js';
import { adamw } from './adamw.js';
import { lamb } from './lamb.js';
import { lars } from './lars.js';
import { lion } from './lion.js';
import { radam } from './radam.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';
import { adahessian } from '../second-order/adahessian.js';
import { shampoo } from '../second-order/shampoo.js';
import { sophia } from '../second-order/sophia.js';

const norm = (v: Vec) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const rmsOf = (v: Vec) => norm(v) / Math.sqrt(v.length);

/** A reference: the paper's rule on host numbers, as a closure over its own state. */
type Reference = () => (w: Vec, g: Vec, t: number) => Vec;

const adamRef =
  ({ b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, nesterov = false, ams = false } = {}): Reference =>
  () => {
    let m = zeros();
    let v = zeros();
    let vMax = zeros();
    return (w, g, t) => {
      m = map((m, g) => b1 * m + (1 - b1) * g, m, g);
      v = map((v, g) => b2 * v + (1 - b2) * g * g, v, g);
      vMax = map(Math.max, vMax, v);
      const mHat = nesterov
        ? map((m, g) => (b1 * m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t), m, g)
        : map((m) => m / (1 - b1 ** t), m);
      const vHat = map((v) => v / (1 - b2 ** t), ams ? vMax : v);
      return map((w, m, v) => w - lr * (m / (Math.sqrt(v) + eps) + wd * w), w, mHat, vHat);
    };
  };

interface Row {
  readonly name: string;
  readonly tx: () => GradientTransformation<any>;
  readonly reference: Reference;
  /** w after step 1, derived by hand (see the comment of each row). */
  readonly step1: Vec;
  /** How many steps to compare (3, more where a later branch matters). */
  readonly steps?: number;
}

const ROWS: readonly Row[] = [
  // SGD: w₁ = w₀ − η·g₁ = [1 − 0.02, −0.5 + 0.04] = [0.98, −0.46];
  // w₂ = [0.98 − 0.01, −0.46 − 0.03] = [0.97, −0.49];  w₃ = [0.97 + 0.03, −0.49 − 0.02] = [1.0, −0.51].
  { name: 'sgd', tx: () => sgd(lr), step1: [0.98, -0.46], reference: () => (w, g) => map((w, g) => w - lr * g, w, g) },
  // Momentum 0.9, buffer from zero: b₁ = g₁, w₁ = [0.98, −0.46]; b₂ = 0.9·g₁ + g₂ = [0.28, −0.06],
  // w₂ = [0.952, −0.454]; b₃ = 0.9·b₂ + g₃ = [−0.048, 0.146], w₃ = [0.9568, −0.4686].
  {
    name: 'sgd momentum',
    tx: () => sgd(lr, { momentum: 0.9 }),
    step1: [0.98, -0.46],
    reference: () => {
      let buf = zeros();
      return (w, g) => {
        buf = map((b, g) => 0.9 * b + g, buf, g);
        return map((w, b) => w - lr * b, w, buf);
      };
    },
  },
  // Nesterov with L2 decay λ = 0.01: g̃₁ = g₁ + 0.01·w₀ = [0.21, −0.405]; b₁ = g̃₁;
  // d₁ = g̃₁ + 0.9·b₁ = 1.9·g̃₁ = [0.399, −0.7695]; w₁ = [1 − 0.0399, −0.5 + 0.07695] = [0.9601, −0.42305].
  {
    name: 'sgd nesterov + weight decay',
    tx: () => sgd(lr, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    step1: [0.9601, -0.42305],
    reference: () => {
      let buf = zeros();
      return (w, g0) => {
        const g = map((g, w) => g + 0.01 * w, g0, w);
        buf = map((b, g) => 0.9 * b + g, buf, g);
        return map((w, g, b) => w - lr * (g + 0.9 * b), w, g, buf);
      };
    },
  },
  // AdaGrad (G₀ = 0.1, ε = 1e-7 inside the root): G₁ = 0.1 + g₁² = [0.14, 0.26];
  // w₁ = [1 − 0.1·0.2/√0.1400001, −0.5 + 0.1·0.4/√0.2600001] = [0.946548..., −0.421553...].
  {
    name: 'adagrad',
    tx: () => adagrad(lr),
    step1: [1 - 0.02 / Math.sqrt(0.1400001), -0.5 + 0.04 / Math.sqrt(0.2600001)],
    reference: () => {
      let acc = [0.1, 0.1];
      return (w, g) => {
        acc = map((a, g) => a + g * g, acc, g);
        return map((w, g, a) => w - (lr * g) / Math.sqrt(a + 1e-7), w, g, acc);
      };
    },
  },
  // Adadelta (ρ = 0.9, ε = 1e-6, η = 1): E[g²]₁ = 0.1·g₁² = [0.004, 0.016];
  // Δ₁ = √(0 + 1e-6)/√(E[g²]₁ + 1e-6)·g₁ = [1e-3·0.2/√0.004001, −1e-3·0.4/√0.016001] ≈ [0.0031619, −0.0031622];
  // w₁ = w₀ − Δ₁.
  {
    name: 'adadelta',
    tx: () => adadelta(1),
    step1: [1 - (1e-3 * 0.2) / Math.sqrt(0.004001), -0.5 + (1e-3 * 0.4) / Math.sqrt(0.016001)],
    reference: () => {
      let eg = zeros();
      let ex = zeros();
      return (w, g) => {
        eg = map((e, g) => 0.9 * e + 0.1 * g * g, eg, g);
        const d = map((g, eg, ex) => (Math.sqrt(ex + 1e-6) / Math.sqrt(eg + 1e-6)) * g, g, eg, ex);
        ex = map((e, d) => 0.9 * e + 0.1 * d * d, ex, d);
        return map((w, d) => w - d, w, d);
      };
    },
  },
  // RMSProp (ρ = 0.9, ε = 1e-8 outside the root): ν₁ = 0.1·g₁² so √ν₁ = √0.1·|g₁|;
  // w₁ = w₀ − η·g₁/(√0.1·|g₁| + ε) ≈ w₀ − 0.316228·sign(g₁) = [0.683772, −0.183772].
  {
    name: 'rmsprop',
    tx: () => rmsprop(lr),
    step1: [1 - (lr * 0.2) / (Math.sqrt(0.1) * 0.2 + 1e-8), -0.5 + (lr * 0.4) / (Math.sqrt(0.1) * 0.4 + 1e-8)],
    reference: () => {
      let nu = zeros();
      return (w, g) => {
        nu = map((n, g) => 0.9 * n + 0.1 * g * g, nu, g);
        return map((w, g, n) => w - (lr * g) / (Math.sqrt(n) + 1e-8), w, g, nu);
      };
    },
  },
  // Centered RMSProp with momentum 0.9, ε inside: ν₁ = 0.1·g₁², μ₁ = 0.1·g₁, s₁ = ν₁ − μ₁² = 0.09·g₁²;
  // b₁ = g₁/√(0.09·g₁² + ε) ≈ sign(g₁)/0.3;  w₁ = w₀ − η·b₁ = [1 − 0.1·0.2/√0.0036000001, −0.5 + 0.1·0.4/√0.0144000001].
  {
    name: 'rmsprop centered momentum epsInSqrt',
    tx: () => rmsprop(lr, { centered: true, momentum: 0.9, epsInSqrt: true }),
    step1: [1 - (lr * 0.2) / Math.sqrt(0.0036 + 1e-8), -0.5 + (lr * 0.4) / Math.sqrt(0.0144 + 1e-8)],
    reference: () => {
      let nu = zeros();
      let mg = zeros();
      let mom = zeros();
      return (w, g) => {
        nu = map((n, g) => 0.9 * n + 0.1 * g * g, nu, g);
        mg = map((m, g) => 0.9 * m + 0.1 * g, mg, g);
        mom = map((b, g, n, m) => 0.9 * b + g / Math.sqrt(n - m * m + 1e-8), mom, g, nu, mg);
        return map((w, b) => w - lr * b, w, mom);
      };
    },
  },
  // Adam: m₁ = 0.1·g₁, v₁ = 0.001·g₁², m̂₁ = g₁, v̂₁ = g₁²; w₁ = w₀ − η·g₁/(|g₁| + ε) = [0.9 + 5e-9, −0.4 − 2.5e-9] (≈ w₀ − η·sign(g₁)).
  { name: 'adam', tx: () => adam(lr), step1: [1 - (lr * 0.2) / (0.2 + 1e-8), -0.5 + (lr * 0.4) / (0.4 + 1e-8)], reference: adamRef() },
  // AdamW (λ = 0.01): w₁ = w₀ − η·(g₁/(|g₁| + ε) + λ·w₀) = [1 − 0.1·(1 + 0.01), −0.5 + 0.1·(1 + 0.005)] (up to ε) = [0.899, −0.3995].
  {
    name: 'adamw',
    tx: () => adamw(lr, { weightDecay: 0.01 }),
    step1: [1 - lr * (0.2 / (0.2 + 1e-8) + 0.01), -0.5 - lr * (-0.4 / (0.4 + 1e-8) - 0.005)],
    reference: adamRef({ wd: 0.01 }),
  },
  // AMSGrad: at step 1 v_max = v₁, so w₁ equals Adam's.
  {
    name: 'amsgrad',
    tx: () => amsgrad(lr),
    step1: [1 - (lr * 0.2) / (0.2 + 1e-8), -0.5 + (lr * 0.4) / (0.4 + 1e-8)],
    reference: adamRef({ ams: true }),
  },
  // NAdam: m̂₁ = 0.9·m₁/(1 − 0.9²) + 0.1·g₁/(1 − 0.9) = g₁·(0.09/0.19 + 1); v̂₁ = g₁²;
  // w₁ = w₀ − η·(1 + 0.09/0.19)·g₁/(|g₁| + ε) ≈ w₀ − 0.147368·sign(g₁) = [0.852632, −0.352368].
  {
    name: 'nadam',
    tx: () => nadam(lr),
    step1: [1 - (lr * (1 + 0.09 / 0.19) * 0.2) / (0.2 + 1e-8), -0.5 + (lr * (1 + 0.09 / 0.19) * 0.4) / (0.4 + 1e-8)],
    reference: adamRef({ nesterov: true }),
  },
  // Adamax: m₁ = 0.1·g₁, u₁ = max(0, |g₁| + ε); w₁ = w₀ − η/(1 − 0.9)·m₁/u₁ = w₀ − η·g₁/(|g₁| + ε).
  {
    name: 'adamax',
    tx: () => adamax(lr),
    step1: [1 - (lr * 0.2) / (0.2 + 1e-8), -0.5 + (lr * 0.4) / (0.4 + 1e-8)],
    reference: () => {
      let m = zeros();
      let u = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.9 * m + 0.1 * g, m, g);
        u = map((u, g) => Math.max(0.999 * u, Math.abs(g) + 1e-8), u, g);
        return map((w, m, u) => w - (lr / (1 - 0.9 ** t)) * (m / u), w, m, u);
      };
    },
  },
  // RAdam (b2 = 0.9 so that rectification starts within 8 steps): ρ∞ = 2/0.1 − 1 = 19;
  // ρ₁ = 19 − 2·1·0.9/0.1 = 1 < 5, so w₁ = w₀ − η·m̂₁ = w₀ − η·g₁ = [0.98, −0.46].
  // ρ₆ = 19 − 12·0.9⁶/(1 − 0.9⁶) ≈ 5.41 ≥ 5: steps 6 to 8 are rectified.
  {
    name: 'radam',
    tx: () => radam(lr, { b2: 0.9 }),
    step1: [0.98, -0.46],
    steps: 8,
    reference: () => {
      let m = zeros();
      let v = zeros();
      const rhoInf = 2 / (1 - 0.9) - 1;
      return (w, g, t) => {
        m = map((m, g) => 0.9 * m + 0.1 * g, m, g);
        v = map((v, g) => 0.9 * v + 0.1 * g * g, v, g);
        const mHat = map((m) => m / (1 - 0.9 ** t), m);
        const rho = rhoInf - (2 * t * 0.9 ** t) / (1 - 0.9 ** t);
        if (rho < 5) return map((w, m) => w - lr * m, w, mHat);
        const r = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
        return map((w, m, v) => w - lr * r * (m / (Math.sqrt(v / (1 - 0.9 ** t)) + 1e-8)), w, mHat, v);
      };
    },
  },
  // Lion (b1 0.9, b2 0.99, λ = 0): w₁ = w₀ − η·sign(g₁) = [0.9, −0.4]; m₁ = 0.01·g₁ = [0.002, −0.004];
  // c₂ = 0.9·m₁ + 0.1·g₂ = [0.0118, 0.0264] → w₂ = [0.8, −0.5]; m₂ = 0.99·m₁ + 0.01·g₂ = [0.00298, −0.00096];
  // c₃ = 0.9·m₂ + 0.1·g₃ = [−0.027318, 0.019136] → w₃ = [0.9, −0.6].
  {
    name: 'lion',
    tx: () => lion(lr, { weightDecay: 0 }),
    step1: [0.9, -0.4],
    reference: () => {
      let m = zeros();
      return (w, g) => {
        const u = map((m, g) => Math.sign(0.9 * m + 0.1 * g), m, g);
        m = map((m, g) => 0.99 * m + 0.01 * g, m, g);
        return map((w, u) => w - lr * u, w, u);
      };
    },
  },
  // LAMB (ε = 1e-6, λ = 0.01): d₁ = g₁/(|g₁| + ε) + λ·w₀ ≈ [1 + 0.01, −1 − 0.005] = [1.01, −1.005];
  // r₁ = ‖w₀‖/‖d₁‖ = √1.25/√(1.01² + 1.005²) ≈ 0.784; w₁ = w₀ − η·r₁·d₁ ≈ [0.920817, −0.421208].
  {
    name: 'lamb',
    tx: () => lamb(lr, { weightDecay: 0.01 }),
    step1: (() => {
      const d = [0.2 / (0.2 + 1e-6) + 0.01, -0.4 / (0.4 + 1e-6) - 0.005];
      const r = norm(W0) / norm(d);
      return [1 - lr * r * d[0], -0.5 - lr * r * d[1]];
    })(),
    reference: () => {
      let m = zeros();
      let v = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.9 * m + 0.1 * g, m, g);
        v = map((v, g) => 0.999 * v + 0.001 * g * g, v, g);
        const d = map((m, v, w) => m / (1 - 0.9 ** t) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-6) + 0.01 * w, m, v, w);
        const r = norm(w) / norm(d);
        return map((w, d) => w - lr * r * d, w, d);
      };
    },
  },
  // LARS (η_trust = 0.1, β = 0.01, momentum 0.9): λ₁ = 0.1·‖w₀‖/(‖g₁‖ + 0.01·‖w₀‖) = 0.1·√1.25/(√0.2 + 0.01·√1.25);
  // v₁ = η·λ₁·(g₁ + 0.01·w₀) = 0.1·λ₁·[0.21, −0.405]; w₁ = w₀ − v₁.
  {
    name: 'lars',
    tx: () => lars(lr, { trustCoefficient: 0.1, weightDecay: 0.01 }),
    step1: (() => {
      const l = (0.1 * norm(W0)) / (norm(G[0]) + 0.01 * norm(W0));
      return [1 - lr * l * 0.21, -0.5 + lr * l * 0.405];
    })(),
    reference: () => {
      let v = zeros();
      return (w, g) => {
        const l = (0.1 * norm(w)) / (norm(g) + 0.01 * norm(w));
        v = map((v, g, w) => 0.9 * v + lr * l * (g + 0.01 * w), v, g, w);
        return map((w, v) => w - v, w, v);
      };
    },
  },
  // Adafactor on a vector (not factored): β₂(1) = 1 − 1^(−0.8) = 0, so v₁ = g₁² + 1e-30 and u = g₁/√v₁ ≈ sign(g₁);
  // RMS(u) = 1 ≤ d = 1 (no clipping); relative step: u·η·max(RMS(w₀), 1e-3) with RMS(w₀) = √(1.25/2) = 0.790569;
  // w₁ = w₀ − 0.0790569·sign(g₁) = [0.920943, −0.420943].
  {
    name: 'adafactor',
    tx: () => adafactor(lr),
    step1: [1 - lr * Math.sqrt(0.625), -0.5 + lr * Math.sqrt(0.625)],
    reference: () => {
      let v = zeros();
      return (w, g, t) => {
        const beta = 1 - t ** -0.8;
        v = map((v, g) => beta * v + (1 - beta) * (g * g + 1e-30), v, g);
        let u = map((g, v) => g / Math.sqrt(v), g, v);
        const clipBy = Math.max(1, rmsOf(u) / 1);
        u = u.map((x) => x / clipBy);
        const s = lr * Math.max(rmsOf(w), 1e-3);
        return map((w, u) => w - s * u, w, u);
      };
    },
  },
  // Sophia (paper, Algorithm 3; γ = 1, λ = 0.1, k = 2) with the Hessian estimate ĥ(w) = [0.5 + w₀², 1.5 + w₁²]
  // requested before steps 1, 3, ...: m₁ = 0.035·g₁ = [0.007, −0.014], h₁ = 0.01·ĥ(w₀) = [0.015, 0.0175],
  // m₁/max(h₁, ε) = [0.46667, −0.8] (inside [−1, 1]); w₁ = w₀ − η·(m₁/h₁ + λ·w₀).
  {
    name: 'sophia',
    tx: () => sophia(lr, { gamma: 1, weightDecay: 0.1, updateEvery: 2, hessianEstimate: hostEstimate }),
    step1: [1 - lr * (0.007 / 0.015 + 0.1), -0.5 - lr * (-0.014 / 0.0175 - 0.05)],
    steps: 6,
    reference: () => {
      let m = zeros();
      let h = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.965 * m + 0.035 * g, m, g);
        if ((t - 1) % 2 === 0) h = map((h, e) => 0.99 * h + 0.01 * e, h, estimateOf(w));
        const u = map((m, h) => Math.max(-1, Math.min(1, m / Math.max(h, 1e-15))), m, h);
        return map((w, u) => w - lr * (u + 0.1 * w), w, u);
      };
    },
  },
  // AdaHessian (paper, Algorithm 1; k = 1, power 1, ε = 1e-4) with the same estimate D: m₁ = 0.1·g₁,
  // v₁ = 0.001·D², m̂₁ = g₁, √v̂₁ = |D(w₀)| = [1.5, 1.75]; w₁ = w₀ − η·g₁/(|D| + ε).
  {
    name: 'adahessian',
    tx: () => adahessian(lr, { hessianEstimate: hostEstimate }),
    step1: [1 - (lr * 0.2) / (1.5 + 1e-4), -0.5 + (lr * 0.4) / (1.75 + 1e-4)],
    reference: () => {
      let m = zeros();
      let v = zeros();
      return (w, g, t) => {
        m = map((m, g) => 0.9 * m + 0.1 * g, m, g);
        v = map((v, d) => 0.999 * v + 0.001 * d * d, v, estimateOf(w));
        return map((w, m, v) => w - (lr * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-4), w, m, v);
      };
    },
  },
  // Shampoo (paper, Algorithm 2 with k = 1: a vector has one statistic H = ε·I + Σ g·gᵀ and the step
  // η·H^(−1/2)·g). Step 1: g₁ is an eigenvector of H₁ with eigenvalue ε + ‖g₁‖², so w₁ = w₀ − η·g₁/√(ε + ‖g₁‖²).
  {
    name: 'shampoo',
    tx: () => shampoo(lr),
    step1: [1 - (lr * 0.2) / Math.sqrt(1e-4 + 0.2), -0.5 + (lr * 0.4) / Math.sqrt(1e-4 + 0.2)],
    reference: () => {
      let h = [1e-4, 0, 0, 1e-4];
      return (w, g) => {
        h = [h[0] + g[0] * g[0], h[1] + g[0] * g[1], h[2] + g[1] * g[0], h[3] + g[1] * g[1]];
        // √H = (H + s·I)/t with s = √det H, t = √(tr H + 2s); its inverse by the 2×2 formula.
        const s = Math.sqrt(h[0] * h[3] - h[1] * h[2]);
        const t = Math.sqrt(h[0] + h[3] + 2 * s);
        const r = [(h[0] + s) / t, h[1] / t, h[2] / t, (h[3] + s) / t];
        const det = r[0] * r[3] - r[1] * r[2];
        const inv = [r[3] / det, -r[1] / det, -r[2] / det, r[0] / det];
        return [w[0] - lr * (inv[0] * g[0] + inv[1] * g[1]), w[1] - lr * (inv[2] * g[0] + inv[3] * g[1])];
      };
    },
  },
];

/** The Hessian-diagonal estimate of the Sophia and AdaHessian rows, on host numbers. */
function estimateOf(w: Vec): Vec {
  return [0.5 + w[0] * w[0], 1.5 + w[1] * w[1]];
}

/** The same estimate as the optimizers' callback. */
function hostEstimate(params: Params): Params {
  return { w: b.tensor(estimateOf(Array.from(b.readSync(params.w as never))), [2], 'float64') };
}

describe.each(ROWS)('$name: values', (row) => {
  const steps = row.steps ?? 3;
  const got = runCase(row.tx(), steps);

  it('matches the hand derivation at step 1', () => {
    got[0].forEach((x, i) => expect(x).toBeCloseTo(row.step1[i], 12));
  });

  it(`matches the paper's rule for ${steps} steps`, () => {
    const ref = row.reference();
    let w = [...W0];
    for (let t = 1; t <= steps; t++) {
      w = ref(w, G[(t - 1) % 3], t);
      got[t - 1].forEach((x, i) => expect(Math.abs(x - w[i]), `step ${t}, w[${i}]`).toBeLessThan(1e-12 * Math.max(1, Math.abs(w[i]))));
    }
  });
});

it('hand-checked literals: SGD, momentum and Lion over three steps', () => {
  const close = (a: Vec[], e: Vec[]) => a.forEach((v, t) => v.forEach((x, i) => expect(x).toBeCloseTo(e[t][i], 12)));
  close(runCase(sgd(lr), 3), [
    [0.98, -0.46],
    [0.97, -0.49],
    [1.0, -0.51],
  ]);
  close(runCase(sgd(lr, { momentum: 0.9 }), 3), [
    [0.98, -0.46],
    [0.952, -0.454],
    [0.9568, -0.4686],
  ]);
  close(runCase(lion(lr, { weightDecay: 0 }), 3), [
    [0.9, -0.4],
    [0.8, -0.5],
    [0.9, -0.6],
  ]);
});

it('adafactor: factored second moments of a matrix match the paper (rows and columns, 3 steps)', () => {
  // W is 2×3 (factored: its second-largest dimension 2 ≥ minDimSizeToFactor 2). With G = g² + ε,
  // R ← β·R + (1 − β)·mean over columns of G (one per row), C ← β·C + (1 − β)·mean over rows (one per column),
  // V̂ᵢⱼ = Rᵢ·Cⱼ / mean(R), u = g/√V̂, then clipping, η and the parameter scale as for vectors.
  const w0 = [0.5, -1, 2, 1.5, 0.25, -0.75];
  const gs = [
    [0.1, -0.2, 0.3, 0.4, -0.1, 0.2],
    [-0.3, 0.1, 0.2, -0.2, 0.3, 0.1],
    [0.2, 0.2, -0.1, 0.1, -0.4, 0.3],
  ];
  const tx = adafactor(lr, { minDimSizeToFactor: 2 });
  let params: Params = { w: b.tensor(w0, [2, 3], 'float64') };
  let state: OptState = tx.init(params);
  let w = [...w0];
  let R = [0, 0];
  let C = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const g = gs[t - 1];
    const beta = 1 - t ** -0.8;
    const sq = g.map((x) => x * x + 1e-30);
    R = R.map((r, i) => beta * r + (1 - beta) * ((sq[3 * i] + sq[3 * i + 1] + sq[3 * i + 2]) / 3));
    C = C.map((c, j) => beta * c + (1 - beta) * ((sq[j] + sq[3 + j]) / 2));
    const meanR = (R[0] + R[1]) / 2;
    let u = g.map((x, k) => x / Math.sqrt((R[Math.floor(k / 3)] * C[k % 3]) / meanR));
    const clipBy = Math.max(1, rmsOf(u));
    u = u.map((x) => x / clipBy);
    const s = lr * Math.max(rmsOf(w), 1e-3);
    w = w.map((x, k) => x - s * u[k]);
    const gt = b.tensor(g, [2, 3], 'float64');
    ({ params, state } = step(tx, params, { w: gt }, state, { inPlace: true }));
    gt.dispose();
    Array.from(b.readSync(params.w as never)).forEach((x, k) => expect(Math.abs(x - w[k])).toBeLessThan(1e-12));
  }
  const inner = (state as { inner: [{ vRow: { w: unknown }; vCol: { w: unknown } }] }).inner[0];
  expect((inner.vRow.w as { shape: number[] }).shape).toEqual([2]);
  expect((inner.vCol.w as { shape: number[] }).shape).toEqual([3]);
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state));
});
