/**
 * SOAP against its authors' reference implementation: seven steps of nikhilvyas/SOAP a1e5535
 * `soap.py` (class SOAP), computed once by `__fixtures__/soap_values.py` with Debian's PyTorch
 * 1.13 (float64 parameters). The first step only gathers statistics; the bases are refreshed by a
 * power step and QR (the second moment reordered) every `preconditionFrequency` steps, which both
 * cases reach twice. The reference computes its eigenbases in float32 (`m.data.float()`) where we
 * use float64, so the tolerance is float32's (1e-5 relative), not float64's.
 *
 * The problem: w (3×3), v (3); at step t, f_t = Σ ½·cᵢ·xᵢ² + ¼·xᵢ⁴ + dₜᵢ·xᵢ with cᵢ = 1, 2, 3, ...
 * over w row-major then v and dₜᵢ = ½·sin(1.3·t + 0.7·i): a gradient that changes from step to step,
 * as a stochastic one does (with the same gradient at the first two steps the projected gradient
 * is exactly diagonal and the update depends on rounding noise). v is a vector, so it gets Adam
 * without rotation (the authors' `precondition_1d = False`).
 */
import type { Backend } from '@downhill/backend';
import { UnsupportedError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { OptState, Params } from '../types.js';
import fixture from './__fixtures__/soap-values.json' with { type: 'json' };
import { soap, type SoapOptions } from './soap.js';

const b: Backend = cpu();
const W0 = [0.8, -1.2, 0.3, 1.5, -0.4, 0.05, 0.7, 0.9, -1.1];
const V0 = [-0.9, 0.6, 0.2];
const C = { w: [1, 2, 3, 4, 5, 6, 7, 8, 9], v: [10, 11, 12] };

const host = (p: Params) => ({ w: Array.from(b.readSync(p.w as never)), v: Array.from(b.readSync(p.v as never)) });
const tensors = (x: { w: number[]; v: number[] }): Params => ({ w: b.tensor(x.w, [3, 3], 'float64'), v: b.tensor(x.v, [3], 'float64') });
const grad = (p: Params, t: number) => {
  const h = host(p);
  const d = (i: number) => 0.5 * Math.sin(1.3 * t + 0.7 * i);
  return tensors({ w: h.w.map((x, i) => C.w[i] * x + x ** 3 + d(i)), v: h.v.map((x, i) => C.v[i] * x + x ** 3 + d(9 + i)) });
};

/** The reference's keyword arguments as our options. */
function options(kw: Record<string, unknown>): { lr: number; opts: SoapOptions } {
  const betas = kw.betas as [number, number] | undefined;
  return {
    lr: kw.lr as number,
    opts: {
      weightDecay: kw.weight_decay as number,
      preconditionFrequency: kw.precondition_frequency as number,
      ...(betas ? { b1: betas[0], b2: betas[1] } : {}),
      ...(kw.shampoo_beta !== undefined ? { shampooBeta: kw.shampoo_beta as number } : {}),
    },
  };
}

describe.each([true, false])("soap against the authors' soap.py (fused: %s)", (fused) => {
  it.each(Object.entries(fixture.cases))('%s: seven steps', (_name, c) => {
    const { lr, opts } = options(c.options);
    const tx = soap(lr, opts);
    let params = tensors({ w: W0, v: V0 });
    let state: OptState = tx.init(params);
    c.steps.forEach((row, t) => {
      const g = grad(params, t);
      ({ params, state } = step(tx, params, g, state, { inPlace: true, fused }));
      b.dispose(stateTensors(g));
      const h = host(params);
      for (const k of ['w', 'v'] as const)
        h[k].forEach((x, i) =>
          expect(Math.abs(x - row[k][i]), `step ${t + 1} ${k}[${i}]: ${x} against ${row[k][i]}`).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(row[k][i])),
          ),
        );
    });
    // The parameters moved: the check above compares motion, not a constant.
    expect(Math.abs(host(params).w[0] - W0[0])).toBeGreaterThan(1e-3);
    b.dispose(stateTensors(params));
    b.dispose(stateTensors(state));
  });
});

describe('soap on a backend without synchronous reads', () => {
  it('throws UnsupportedError naming the capability, before anything changes', () => {
    const params = { w: b.tensor(W0, [3, 3], 'float64') };
    const tx = soap(0.05);
    const state = tx.init(params);
    const caps = b.capabilities;
    Object.defineProperty(b, 'capabilities', { value: { ...caps, syncRead: false }, configurable: true });
    try {
      expect(() => tx.update(params, state, params)).toThrow(UnsupportedError);
      expect(() => tx.update(params, state, params)).toThrow(/syncRead/);
    } finally {
      Object.defineProperty(b, 'capabilities', { value: caps, configurable: true });
    }
    expect(Array.from(b.readSync(params.w))).toEqual(W0);
    expect((state as { count: number }).count).toBe(0);
  });
});
