import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { chain } from './chain.js';
import { getHyperparams, injectHyperparams, setHyperparams, withHyperparams } from './inject-hyperparams.js';
import { adam } from './optimizers/adam.js';
import { sgd } from './optimizers/sgd.js';
import { step } from './step.js';
import { scaleByLearningRate } from './transforms/scale-by-learning-rate.js';
import { traceMomentum } from './transforms/trace-momentum.js';
import { stateTensors } from './tree.js';
import type { GradientTransformation, OptState, Params } from './types.js';

const b = cpu();
const host = (t: unknown) => Array.from(b.readSync(t as never));

/** Steps with a constant gradient of 1; returns w after each step. */
function walk(tx: GradientTransformation<any>, steps: number, between?: (state: OptState, t: number) => OptState): number[] {
  let params: Params = { w: b.tensor([0], [1], 'float64') };
  let state: OptState = tx.init(params);
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    if (between) state = between(state, t);
    const g = { w: b.tensor([1], [1], 'float64') };
    ({ params, state } = step(tx, params, g, state, { inPlace: true }));
    b.dispose(stateTensors(g));
    out.push(host(params.w)[0]);
  }
  b.dispose(stateTensors([params, state] as never));
  return out;
}

describe('named optimizers hold their hyperparameters', () => {
  it('adam: all of them, with defaults, as numbers', () => {
    const s = adam(1e-3).init({});
    expect(getHyperparams(s)).toEqual({ lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0 });
  });

  it('a changed learning rate is used from the next step, and the old state is left as it was', () => {
    const steps = walk(sgd(0.1), 3, (s, t) => {
      if (t !== 2) return s;
      const next = setHyperparams(s, { lr: 0.5 });
      expect(getHyperparams(s)?.lr).toBe(0.1);
      return next;
    });
    steps.forEach((x, i) => expect(x).toBeCloseTo([-0.1, -0.2, -0.7][i], 14));
  });

  it('a scheduled hyperparameter follows its schedule, and stops when set by hand', () => {
    const schedule = (t: number) => 0.1 * (t + 1);
    expect(walk(sgd(schedule), 3)).toEqual([-0.1, -0.1 - 0.2, -0.1 - 0.2 - 0.30000000000000004].map((x) => expect.closeTo(x, 14)));
    const overridden = walk(sgd(schedule), 3, (s, t) => (t === 1 ? setHyperparams(s, { lr: 1 }) : s));
    overridden.forEach((x, i) => expect(x).toBeCloseTo([-0.1, -1.1, -2.1][i], 14));
    let seen: number | undefined;
    walk(sgd(schedule), 2, (s) => ((seen = getHyperparams(s)?.lr), s));
    expect(seen).toBeCloseTo(0.1, 14); // the value used at step 0 (optax: the last used)
  });

  it('a scheduled beta works too (adam b1 from a schedule)', () => {
    const s = adam(0.1, { b1: (t) => (t < 1 ? 0.5 : 0.9) });
    const tx = withHyperparams('check', { b1: (t: number) => (t < 1 ? 0.5 : 0.9) }, () => chain());
    expect(getHyperparams(tx.init({}))).toEqual({ b1: 0.5 });
    expect(walk(s, 2).every(Number.isFinite)).toBe(true);
  });

  it('setHyperparams finds the hyperparameters inside nested states', () => {
    const inner = adam(1e-3).init({});
    const wrapped = { wrapper: [inner, { other: 1 }] };
    const next = setHyperparams(wrapped, { b1: 0.8 });
    expect(getHyperparams(next)?.b1).toBe(0.8);
    expect(getHyperparams(wrapped)?.b1).toBe(0.9);
    expect(() => setHyperparams({ a: 1 }, { lr: 1 })).toThrow(InvalidArgumentError);
  });

  it('sgd without momentum has no momentum to set', () => {
    expect(() => setHyperparams(sgd(0.1).init({}), { momentum: 0.9 })).toThrow(
      /no hyperparameter 'momentum'; this optimizer has lr, weightDecay/,
    );
  });
});

describe('injectHyperparams', () => {
  it('returns the named optimizers as they are', () => {
    const tx = injectHyperparams(adam)(1e-3, { b1: 0.95 });
    expect(getHyperparams(tx.init({}))).toEqual({ lr: 1e-3, b1: 0.95, b2: 0.999, eps: 1e-8, epsRoot: 0 });
  });

  it('injects a plain factory: lr and its numeric options become state, schedules allowed', () => {
    const heavyBall = (lr: number, { momentum = 0.9 }: { momentum?: number } = {}) =>
      chain(traceMomentum(momentum), scaleByLearningRate(lr));
    const make = injectHyperparams(heavyBall);
    const tx = make((t) => (t === 0 ? 1 : 0.5), { momentum: 0.5 });
    expect(getHyperparams(tx.init({}))).toEqual({ lr: 1, momentum: 0.5 });
    // trace: t₁ = 1, t₂ = 0.5·1 + 1 = 1.5; w₁ = −1·1, w₂ = −1 − 0.5·1.5
    walk(tx, 2).forEach((x, i) => expect(x).toBeCloseTo([-1, -1.75][i], 14));
    const changed = walk(tx, 2, (s, t) => (t === 1 ? setHyperparams(s, { momentum: 0 }) : s));
    changed.forEach((x, i) => expect(x).toBeCloseTo([-1, -1.5][i], 14));
  });

  it('checks values and schedules', () => {
    const f = (lr: number) => scaleByLearningRate(lr);
    expect(() => injectHyperparams(f)(-1)).toThrow(/'lr'/);
    expect(() => injectHyperparams(f)(() => Number.NaN)).toThrow(/schedule of hyperparameter 'lr' gave NaN at step 0/);
    const tx = injectHyperparams(f)((s) => (s === 0 ? 1 : -1));
    expect(() => tx.update({}, tx.update({}, tx.init({}))[1])).toThrow(/'lr' must be a finite number ≥ 0, got -1/);
  });
});
