// The evaluation view of the schedule-free optimizers: x = (y − (1 − β)·z) / β from the state,
// found inside chains and parameter groups, checked against host arithmetic; the errors.
import { InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import { newtonSchulz, scaleByMuon } from '../transforms/scale-by-muon.js';
import { releaseReplaced } from '../tree.js';
import type { Params } from '../types.js';
import { multiTransform } from '../wrappers/multi-transform.js';
import { adam } from './adam.js';
import { hasScheduleFreeState, scheduleFreeEvalParams } from './schedule-free-eval.js';
import { scheduleFreeAdamw, scheduleFreeSgd } from './schedule-free.js';
import { sgd } from './sgd.js';

const b = cpu();
const host = (t: Tensor) => Array.from(b.readSync(t));

describe('scheduleFreeEvalParams', () => {
  it('is (y − (1 − β)·z) / β for the schedule-free group, and the same tensors elsewhere', () => {
    const tx = multiTransform({ sf: scheduleFreeSgd(0.1, { momentum: 0.8 }), plain: sgd(0.1) }, (name) => (name === 'w' ? 'sf' : 'plain'));
    let params: Params = { w: b.tensor([1, -2, 0.5], [3], 'float64'), c: b.tensor([0.3], [1], 'float64') };
    let state = tx.init(params);
    for (let t = 0; t < 3; t++) {
      const g = { w: b.tensor([0.5 + t, -1, 0.25], [3], 'float64'), c: b.tensor([0.1], [1], 'float64') };
      ({ params, state } = step(tx, params, g, state));
    }
    expect(hasScheduleFreeState(state)).toBe(true);
    const x = scheduleFreeEvalParams(state, params) as Record<string, Tensor>;
    const y = host((params as Record<string, Tensor>).w);
    const z = host((state as Record<string, { inner: { z: Record<string, Tensor> } }>).sf.inner.z.w);
    const want = y.map((yi, i) => (yi - 0.2 * z[i]) / 0.8);
    host(x.w).forEach((v, i) => expect(v).toBeCloseTo(want[i], 13));
    expect(x.c).toBe((params as Record<string, Tensor>).c);
    releaseReplaced(x, params);
    expect((params as Record<string, Tensor>).w.disposed).toBe(false);
  });

  it('refuses a state without a schedule-free part, naming what it expected', () => {
    const params = { w: b.tensor([1, 2], [2], 'float64') };
    const state = adam(1e-3).init(params);
    expect(hasScheduleFreeState(state)).toBe(false);
    expect(() => scheduleFreeEvalParams(state, params)).toThrow(InvalidArgumentError);
    expect(() => scheduleFreeEvalParams(state, params)).toThrow(/no schedule-free state/);
  });

  it('refuses parameters that are not those of the state', () => {
    const tx = scheduleFreeAdamw(1e-3);
    const state = tx.init({ w: b.tensor([1, 2], [2], 'float64') });
    expect(() => scheduleFreeEvalParams(state, { v: b.tensor([1, 2], [2], 'float64') })).toThrow(/'w'.*which the parameters lack/);
  });

  it('refuses b1 = 0 (the evaluation point divides by it)', () => {
    const tx = scheduleFreeAdamw(1e-3, { b1: 0 });
    const params = { w: b.tensor([1, 2], [2], 'float64') };
    expect(() => tx.update(params, tx.init(params), params)).toThrow(InvalidArgumentError);
  });
});

describe('Muon on shapes', () => {
  it('orthogonalizes matrices only: a vector given to scaleByMuon is a ShapeError naming it', () => {
    const tx = scaleByMuon();
    const p = { bias: b.tensor([1, 2], [2], 'float64') };
    expect(() => tx.update(p, tx.init(p))).toThrow(ShapeError);
    expect(() => tx.update(p, tx.init(p))).toThrow(/'bias' has shape \[2\]/);
    expect(() => newtonSchulz(b.tensor([1, 2], [2], 'float64'))).toThrow(ShapeError);
  });

  it('newtonSchulz of a diagonal matrix moves its singular values toward 1 (the quintic keeps them within [0.68, 1.2])', () => {
    const o = host(newtonSchulz(b.tensor([3, 0, 0, 0.5], [2, 2], 'float64')));
    expect(o[1]).toBe(0);
    expect(o[2]).toBe(0);
    for (const s of [o[0], o[3]]) {
      expect(s).toBeGreaterThan(0.68);
      expect(s).toBeLessThan(1.2);
    }
  });

  it("layout 'in-out' on a kernel [in, out] equals 'out-in' (the reference's PyTorch layout) on its transpose", () => {
    const w = [0.3, -0.2, 0.7, -0.4, 0.9, 0.05, 0.1, 0.2]; // [4, 2]: in 4, out 2
    const g = b.tensor(w, [4, 2], 'float64');
    const gT = b.transpose(g);
    const inOut = scaleByMuon({ layout: 'in-out' });
    const outIn = scaleByMuon({ layout: 'out-in' });
    const [u] = inOut.update({ k: g }, inOut.init({ k: g }));
    const [uT] = outIn.update({ k: gT }, outIn.init({ k: gT }));
    const a = host(u.k as Tensor);
    const t = host(b.transpose(uT.k as Tensor));
    a.forEach((v, i) => expect(v).toBeCloseTo(t[i], 12));
    // fan-out 2 < fan-in 4: no up-scaling, so the update has the spectral norm of NS's output (below 1.2).
    expect(Math.hypot(...a)).toBeLessThan(1.2 * Math.SQRT2);
  });
});
