/**
 * Values against PyTorch: five steps of torch.optim (torch 1.13, Debian's python3-torch) with
 * non-default hyperparameters, float64, the trajectory and the state after the last step. The
 * fixture and its generator are in __fixtures__/pytorch (generate.py); CI reads the JSON only.
 * Where the definitions coincide: PyTorch's eps outside the root (our default), its RMSProp
 * `alpha` is our `decay`, its Adagrad is ours with `epsInSqrt: false`.
 */
import { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import fixture from '../__fixtures__/pytorch/values.json' with { type: 'json' };
import { step } from '../step.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { adagrad } from './adagrad.js';
import { adadelta } from './adadelta.js';
import { adam, amsgrad, nadam } from './adam.js';
import { adamax } from './adamax.js';
import { radam } from './radam.js';
import { adamw } from './adamw.js';
import { asgd } from './asgd.js';
import { rprop } from './rprop.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

const b = cpu();

/** Each case: our optimizer, and where PyTorch's state entries are in ours (state key → our key). */
const CASES: Record<string, { tx: () => GradientTransformation<any>; state: Record<string, string> }> = {
  'adam amsgrad b1=0.8 eps=1e-6': {
    tx: () => adam(0.05, { b1: 0.8, b2: 0.99, eps: 1e-6, amsgrad: true }),
    state: { exp_avg: 'mu', exp_avg_sq: 'nu', max_exp_avg_sq: 'nuMax' },
  },
  'adamw weightDecay=0.1': { tx: () => adamw(0.05, { weightDecay: 0.1 }), state: { exp_avg: 'mu', exp_avg_sq: 'nu' } },
  'rmsprop centered momentum=0.5 decay=0.95': {
    tx: () => rmsprop(0.01, { decay: 0.95, eps: 1e-8, centered: true, momentum: 0.5 }),
    state: { square_avg: 'nu', grad_avg: 'mu', momentum_buffer: 'trace' },
  },
  'sgd nesterov momentum=0.9 weightDecay=0.01': {
    tx: () => sgd(0.1, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    state: { momentum_buffer: 'trace' },
  },
  'adagrad initialAccumulatorValue=0.1 eps=1e-10': {
    tx: () => adagrad(0.1, { initialAccumulatorValue: 0.1, eps: 1e-10, epsInSqrt: false }),
    state: { sum: 'sumOfSquares' },
  },
  // weightDecay (PyTorch's coupled weight_decay) and maximize
  'adam weightDecay=0.1 maximize': {
    tx: () => adam(0.05, { weightDecay: 0.1, maximize: true }),
    state: { exp_avg: 'mu', exp_avg_sq: 'nu' },
  },
  'adam amsgrad weightDecay=0.05': {
    tx: () => amsgrad(0.05, { b2: 0.99, weightDecay: 0.05 }),
    state: { exp_avg: 'mu', exp_avg_sq: 'nu', max_exp_avg_sq: 'nuMax' },
  },
  'rmsprop weightDecay=0.1 maximize': {
    tx: () => rmsprop(0.01, { decay: 0.9, eps: 1e-8, weightDecay: 0.1, maximize: true }),
    state: { square_avg: 'nu' },
  },
  'adagrad weightDecay=0.2 maximize': {
    tx: () => adagrad(0.1, { initialAccumulatorValue: 0, eps: 1e-10, epsInSqrt: false, weightDecay: 0.2, maximize: true }),
    state: { sum: 'sumOfSquares' },
  },
  'adamax weightDecay=0.1 maximize': {
    tx: () => adamax(0.02, { weightDecay: 0.1, maximize: true }),
    state: { exp_avg: 'mu', exp_inf: 'nu' },
  },
  'radam weightDecay=0.1 eps=0': {
    tx: () => radam(0.05, { eps: 0, weightDecay: 0.1 }),
    state: { exp_avg: 'mu', exp_avg_sq: 'nu' },
  },
  'adadelta weightDecay=0.1 maximize': {
    tx: () => adadelta(1, { rho: 0.9, eps: 1e-6, weightDecay: 0.1, maximize: true }),
    state: { square_avg: 'accumGrad', acc_delta: 'accumUpdate' },
  },
  'sgd momentum=0.9 weightDecay=0.01 maximize': {
    tx: () => sgd(0.1, { momentum: 0.9, weightDecay: 0.01, maximize: true }),
    state: { momentum_buffer: 'trace' },
  },
  'adamw weightDecay=0.1 maximize': {
    tx: () => adamw(0.05, { weightDecay: 0.1, maximize: true }),
    state: { exp_avg: 'mu', exp_avg_sq: 'nu' },
  },
  // The classics: Rprop, ASGD with its average, NAdam with PyTorch's momentum-decay schedule.
  'rprop etas=(0.4,1.5) stepSizes=(1e-3,0.2)': {
    tx: () => rprop(0.05, { etaMinus: 0.4, etaPlus: 1.5, minStepSize: 1e-3, maxStepSize: 0.2 }),
    state: { prev: 'prevGrad', step_size: 'stepSizes' },
  },
  'asgd lambd=0.01 alpha=0.75 t0=2 weightDecay=0.05': {
    tx: () => asgd(0.1, { lambd: 0.01, alpha: 0.75, t0: 2, weightDecay: 0.05 }),
    state: { ax: 'average' },
  },
  'nadam momentumDecay=0.1': {
    tx: () => nadam(0.05, { b2: 0.99, momentumDecay: 0.1 }),
    state: { exp_avg: 'mu', exp_avg_sq: 'nu' },
  },
};

/** The tensor of parameter `w` under the first record key `key` found in the state. */
function find(state: unknown, key: string): number[] | undefined {
  if (state === null || typeof state !== 'object' || state instanceof Tensor) return undefined;
  for (const [k, v] of Object.entries(state)) {
    if (k === key && v && typeof v === 'object' && (v as Record<string, unknown>).w instanceof Tensor)
      return Array.from(b.readSync((v as Record<string, Tensor>).w));
    const f = find(v, key);
    if (f) return f;
  }
  return undefined;
}

const close = (got: number[], want: number[], what: string) => {
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs PyTorch ${want[i]}`).toBeLessThanOrEqual(
      1e-13 * Math.max(1, Math.abs(want[i])),
    );
};

describe(`values against PyTorch (${fixture.source})`, () => {
  it('the table covers every case of the fixture', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(fixture.cases).sort());
  });
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const ref = (fixture.cases as Record<string, { trajectory: number[][]; state: Record<string, unknown> }>)[name];
      const tx = c.tx();
      let params: Params = { w: b.tensor(fixture.w0, [3], 'float64') };
      let state: OptState = tx.init(params);
      fixture.grads.forEach((g, t) => {
        ({ params, state } = step(tx, params, { w: b.tensor(g, [3], 'float64') }, state));
        close(Array.from(b.readSync(params.w as Tensor)), ref.trajectory[t], `${name}: w after step ${t + 1}`);
      });
      for (const [theirs, ours] of Object.entries(c.state)) {
        const got = find(state, ours);
        expect(got, `state '${ours}'`).toBeDefined();
        close(got!, ref.state[theirs] as number[], `${name}: state ${ours} (PyTorch ${theirs})`);
      }
    });
  }
});
