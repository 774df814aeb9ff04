/**
 * Values from the authors' reference implementations: the first steps of Sophia, AdaHessian and
 * SAM on a small problem against numbers computed by the authors' own code, and L-BFGS and
 * reduce-on-plateau against PyTorch's (float64, within 1e-12 relative). The fixture and its
 * generator are in `__fixtures__/` (`authors_values.py`, run once with Debian's PyTorch 1.13):
 *
 * - Sophia: Liuhong99/Sophia a7e157229b71d58cf995d32854f1be15c265b350 `sophia.py` (`SophiaG`),
 *   `rho·bs = 1` (our `gamma`), the Hessian EMA refreshed through `update_hessian` before steps 0, 2, 4;
 * - AdaHessian: amirgholami/adahessian 85ebc00ce873c8497a64ca80bbfa5d996109efea
 *   `image_classification/optim_adahessian.py` (`Adahessian`), its Hutchinson probe replaced by
 *   the exact Hessian diagonal;
 * - SAM: davda54/sam 3c3afdbd71cff2462ec91c734b3d1170bd0f3707 `sam.py` around `torch.optim.SGD`
 *   with momentum, plain and adaptive;
 * - L-BFGS: torch 1.13 `torch.optim.LBFGS(lr=1, max_iter=1, history_size=3, line_search_fn='strong_wolfe')`
 *   on the extended Rosenbrock function;
 * - reduce-on-plateau: torch 1.13 `torch.optim.lr_scheduler.ReduceLROnPlateau`, two settings.
 *
 * The problem of the first three: w (2×3), v (2), f = Σ ½·cᵢ·xᵢ² + ¼·xᵢ⁴ with cᵢ = 1, 2, 3, ...
 * over w row-major then v; gradient cᵢxᵢ + xᵢ³, Hessian diagonal cᵢ + 3xᵢ².
 */
import type { Backend } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { sgd } from '../optimizers/sgd.js';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import fixture from './__fixtures__/authors-values.json' with { type: 'json' };
import { adahessian } from './adahessian.js';
import { lbfgs } from './lbfgs.js';
import { reduceOnPlateau, type ReduceOnPlateauState } from './reduce-on-plateau.js';
import { sam } from './sam.js';
import { sophia } from './sophia.js';

const b: Backend = cpu();
const W0 = [0.8, -1.2, 0.3, 1.5, -0.4, 0.05];
const V0 = [-0.9, 0.6];
const C = { w: [1, 2, 3, 4, 5, 6], v: [7, 8] };

const host = (p: Params) => ({ w: Array.from(b.readSync(p.w as never)), v: Array.from(b.readSync(p.v as never)) });
const tensors = (x: { w: number[]; v: number[] }): Params => ({ w: b.tensor(x.w, [2, 3], 'float64'), v: b.tensor(x.v, [2], 'float64') });
const grad = (p: Params) => {
  const h = host(p);
  return tensors({ w: h.w.map((x, i) => C.w[i] * x + x ** 3), v: h.v.map((x, i) => C.v[i] * x + x ** 3) });
};
const hessian = (p: Params) => {
  const h = host(p);
  return tensors({ w: h.w.map((x, i) => C.w[i] + 3 * x * x), v: h.v.map((x, i) => C.v[i] + 3 * x * x) });
};

function close(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((x, i) =>
    expect(Math.abs(x - want[i]), `${what}[${i}]: ${x} against ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))),
  );
}

/** Runs `tx` from (W0, V0) with the gradients of f, one step per fixture row, and compares. */
function runAgainst(tx: GradientTransformation<any>, rows: readonly { w: number[]; v: number[] }[], fused: boolean): OptState {
  let params = tensors({ w: W0, v: V0 });
  let state: OptState = tx.init(params);
  rows.forEach((row, t) => {
    const g = grad(params);
    ({ params, state } = step(tx, params, g, state, { inPlace: true, fused }));
    b.dispose(stateTensors(g));
    const h = host(params);
    close(h.w, row.w, `step ${t + 1} w`);
    close(h.v, row.v, `step ${t + 1} v`);
  });
  b.dispose(stateTensors(params));
  return state;
}

describe.each([true, false])("authors' code (fused: %s)", (fused) => {
  it('sophia: six steps and the final moments against Liuhong99/Sophia (SophiaG)', () => {
    const tx = sophia(0.05, { gamma: 1, weightDecay: 0.1, updateEvery: 2, hessianEstimate: hessian });
    const state = runAgainst(tx, fixture.sophia.steps, fused) as { inner: [{ mu: Params; h: Params }] };
    const inner = state.inner[0];
    close(host(inner.mu).w, fixture.sophia.mu.w, 'mu.w');
    close(host(inner.h).v, fixture.sophia.h.v, 'h.v');
    close(host(inner.h).w, fixture.sophia.h.w, 'h.w');
    b.dispose(stateTensors(state));
  });

  it('adahessian: five steps against amirgholami/adahessian (Hessian power 0.5, weight decay 0.01)', () => {
    const tx = adahessian(0.1, { weightDecay: 0.01, hessianPower: 0.5, hessianEstimate: hessian });
    b.dispose(stateTensors(runAgainst(tx, fixture.adahessian.steps, fused)));
  });

  it.each([
    ['sam', false],
    ['sam adaptive', true],
  ] as const)('%s: four steps around SGD with momentum against davda54/sam', (name, adaptive) => {
    const tx = sam(sgd(0.1, { momentum: 0.9 }), { rho: 0.05, adaptive, gradAt: grad });
    b.dispose(stateTensors(runAgainst(tx, fixture[name].steps, fused)));
  });

  it('lbfgs: ten iterations with the strong-Wolfe line search against torch.optim.LBFGS', () => {
    const rosen = (x: number[]) => {
      let f = 0;
      const g = x.map(() => 0);
      for (let i = 0; i < x.length - 1; i++) {
        const r = x[i + 1] - x[i] * x[i];
        f += 100 * r * r + (1 - x[i]) ** 2;
        g[i] += -400 * x[i] * r - 2 * (1 - x[i]);
        g[i + 1] += 200 * r;
      }
      return { f, g };
    };
    const split = (x: number[]): Params => ({ a: b.tensor(x.slice(0, 2), [2], 'float64'), b: b.tensor(x.slice(2), [2], 'float64') });
    const join = (p: Params) => [...b.readSync(p.a as never), ...b.readSync(p.b as never)];
    let evaluations = 0;
    const valueAndGrad = (p: Params) => {
      evaluations++;
      const { f, g } = rosen(join(p));
      return [f, split(g)] as const;
    };
    const tx = lbfgs(1, { memorySize: 3, valueAndGrad });
    let params = split([-1.2, 1, -1.2, 1]);
    let state: OptState = tx.init(params);
    fixture.lbfgs.steps.forEach((row, t) => {
      const g = split(rosen(join(params)).g);
      evaluations = 0;
      ({ params, state } = step(tx, params, g, state, { inPlace: true, fused }));
      b.dispose(stateTensors(g));
      const x = join(params);
      close(x.slice(0, 2), row.a, `iteration ${t + 1} a`);
      close(x.slice(2), row.b, `iteration ${t + 1} b`);
      // PyTorch counts its closure at θ plus the line search's evaluations; so does valueAndGrad here.
      expect(evaluations, `evaluations at iteration ${t + 1}`).toBe(fixture.lbfgs.evaluations[t]);
    });
    b.dispose(stateTensors(params));
    b.dispose(stateTensors(state));
  });
});

describe('reduceOnPlateau against torch.optim.lr_scheduler.ReduceLROnPlateau', () => {
  it.each([
    ['plateau min rel', { mode: 'min', factor: 0.5, patience: 2, threshold: 0.02, thresholdMode: 'rel', cooldown: 1, minScale: 0.1 }],
    ['plateau max abs', { mode: 'max', factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: 'abs', cooldown: 0, minScale: 0 }],
  ] as const)("%s: the scale after each report is PyTorch's learning rate from lr 1", (name, options) => {
    const rows = fixture[name];
    const tx = reduceOnPlateau({ ...options, metric: (t) => rows.metrics[t] });
    let state = tx.init({});
    const scales: number[] = [];
    for (let t = 0; t < rows.metrics.length; t++) {
      [, state] = tx.update({}, state);
      scales.push((state as ReduceOnPlateauState).scale);
    }
    close(scales, rows.lr, 'scale');
  });
});
