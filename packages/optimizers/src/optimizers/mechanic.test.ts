import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import type { OptState, Params } from '../types.js';
import { type MechanizeState, mechanize } from '../wrappers/mechanize.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { mechanic } from './mechanic.js';
import { sgd } from './sgd.js';

const b = cpu();
const CURV = [1, 1.5, 2];

/** The gradient of Σ c_i·x_i²/2 (curvatures 1, 1.5, 2), on the backend. */
const gradOf = (p: Params, dtype: 'float32' | 'float64'): Params => {
  const x = Array.from(b.readSync((p as { w: never }).w));
  return {
    w: b.tensor(
      x.map((v, i) => CURV[i] * v),
      [3],
      dtype,
    ),
  };
};

describe('mechanize: Δ stored (storeDelta, the default)', () => {
  it("float64: follows the paper's Algorithm 1 (Cutkosky, Defazio and Mehta 2023, Δ stored), written out here on numbers", () => {
    // Algorithm 1 of the paper around SGD(0.1): u = −0.1·g; h = ⟨Δ, g + λ·Σs·‖g‖/‖x⁺‖·x⁺⟩ (x⁺ = x + u, as the
    // authors' mechanic.py); m, v, r, s per beta; x = x_ref + Σs·Δ.
    const betas = [0.9, 0.99, 0.999];
    const sInit = 1e-2;
    const lambda = 0.01;
    const eps = 1e-8;
    const x0 = [0.5, -0.3, 0.8];
    let x = [...x0];
    let delta = [0, 0, 0];
    let s = [0, 0, 0];
    let m = [1e-6, 1e-6, 1e-6];
    let v = [0, 0, 0];
    let r = [0, 0, 0];
    const tx = mechanize(sgd(0.1), { betas, sInit, sDecay: lambda, eps });
    let params: Params = { w: b.tensor(x0, [3], 'float64') };
    let state = tx.init(params) as OptState;
    for (let t = 0; t < 8; t++) {
      const g = x.map((xi, i) => CURV[i] * xi);
      const u = g.map((gi) => -0.1 * gi);
      const after = x.map((xi, i) => xi + u[i]);
      const sSum = s.reduce((a, c) => a + c, 0);
      const gNorm = Math.hypot(...g);
      const aNorm = Math.hypot(...after);
      const h = delta.reduce((acc, d, i) => acc + d * (g[i] + ((lambda * sSum * gNorm) / (aNorm + eps)) * after[i]), 0);
      m = m.map((mi, j) => Math.max(betas[j] * mi, Math.abs(h)));
      v = v.map((vi, j) => betas[j] ** 2 * vi + h * h);
      r = r.map((ri, j) => Math.max(0, betas[j] * ri - s[j] * h));
      s = s.map((_, j) => ((sInit / betas.length) * m[j] + r[j]) / (Math.sqrt(v[j]) + eps));
      delta = delta.map((d, i) => d + u[i]);
      const scale = Math.max(
        0,
        s.reduce((a, c) => a + c, 0),
      );
      x = x0.map((xr, i) => xr + scale * delta[i]);
      ({ params, state } = step(tx, params, gradOf(params, 'float64'), state));
      const got = Array.from(b.readSync((params as { w: never }).w));
      for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(x[i], 12);
      const sGot = Array.from(b.readSync((state as MechanizeState).s!));
      for (let j = 0; j < 3; j++) expect(sGot[j]).toBeCloseTo(s[j], 12);
    }
  });

  it('float32, s_init 1e-8, parameters far from 0: the scale grows with Δ stored, and stays at s_init when Δ is recomputed', () => {
    const run = (storeDelta: boolean) => {
      const tx = mechanize(adam(1e-3), { storeDelta });
      let params: Params = { w: b.tensor([1, -2, 0.5], [3], 'float32') };
      let state = tx.init(params) as OptState;
      for (let t = 0; t < 200; t++) ({ params, state } = step(tx, params, gradOf(params, 'float32'), state));
      const sSum = Array.from(b.readSync((state as MechanizeState).s!)).reduce((a, c) => a + c, 0);
      const w = Array.from(b.readSync((params as { w: never }).w));
      return { sSum, loss: w.reduce((a, x, i) => a + (CURV[i] * x * x) / 2, 0) };
    };
    const stored = run(true);
    const recomputed = run(false);
    // The initial loss is 0.5 + 3 + 0.25 = 3.75.
    expect(recomputed.sSum).toBeLessThan(1e-6);
    expect(recomputed.loss).toBeCloseTo(3.75, 4);
    expect(stored.sSum).toBeGreaterThan(1e-2);
    expect(stored.loss).toBeLessThan(3);
  });
});

describe("mechanic: the registry's Mechanic around AdamW", () => {
  it("is mechanize(adamw(lr)), AdamW's options under `adamw`", () => {
    const p0 = [1, -2, 0.5];
    const run = (make: () => ReturnType<typeof mechanic> | ReturnType<typeof mechanize>) => {
      const tx = make();
      let params: Params = { w: b.tensor(p0, [3], 'float64') };
      let state = tx.init(params) as OptState;
      for (let t = 0; t < 20; t++) ({ params, state } = step(tx, params, gradOf(params, 'float64'), state));
      return Array.from(b.readSync((params as { w: never }).w));
    };
    const a = run(() => mechanic(1e-2, { sInit: 1e-3, adamw: { weightDecay: 0.1 } }));
    const composed = run(() => mechanize(adamw(1e-2, { weightDecay: 0.1 }), { sInit: 1e-3 }));
    expect(a).toEqual(composed);
    // And it trains: the loss (3.75 at the start) falls.
    expect(a.reduce((acc, x, i) => acc + (CURV[i] * x * x) / 2, 0)).toBeLessThan(3);
  });
});
