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
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { OptState, Params } from '../types.js';
import fixture from './__fixtures__/soap-values.json' with { type: 'json' };
import type { ScaleBySoapState } from './scale-by-soap.js';
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
  it('finds its bases on the device (no reads): orthonormal, finite steps, the loss goes down', () => {
    const caps = b.capabilities;
    const readSync = b.readSync;
    const f = (p: Params) => {
      const h = host(p);
      return [
        ...h.w.map((x, i) => 0.5 * C.w[i] * x * x + 0.25 * x ** 4),
        ...h.v.map((x, i) => 0.5 * C.v[i] * x * x + 0.25 * x ** 4),
      ].reduce((a, x) => a + x, 0);
    };
    let params = tensors({ w: W0, v: V0 });
    const f0 = f(params);
    const tx = soap(0.02, { preconditionFrequency: 2, weightDecay: 0 });
    let state: OptState = tx.init(params);
    for (let t = 0; t < 8; t++) {
      const g = tensors({ w: host(params).w.map((x, i) => C.w[i] * x + x ** 3), v: host(params).v.map((x, i) => C.v[i] * x + x ** 3) });
      Object.defineProperty(b, 'capabilities', { value: { ...caps, syncRead: false }, configurable: true });
      Object.defineProperty(b, 'readSync', {
        value: () => {
          throw new Error('read during a step');
        },
        configurable: true,
      });
      try {
        ({ params, state } = step(tx, params, g, state, { inPlace: true, fused: t % 2 === 0 }));
      } finally {
        Object.defineProperty(b, 'capabilities', { value: caps, configurable: true });
        Object.defineProperty(b, 'readSync', { value: readSync, configurable: true });
      }
      b.dispose(stateTensors(g));
    }
    const st = state as { inner: [ScaleBySoapState] };
    for (const f of st.inner[0].leaves[0].factors) {
      const q = Array.from(b.readSync(b.matmul(f.basis, f.basis, { transposeA: true })));
      q.forEach((x, k) => expect(Math.abs(x - (k % 4 === 0 ? 1 : 0)), `QᵀQ[${k}]`).toBeLessThan(1e-9));
    }
    expect(f(params)).toBeLessThan(f0);
    b.dispose(stateTensors(params));
    b.dispose(stateTensors(state));
  });
});
