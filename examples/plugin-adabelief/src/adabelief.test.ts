import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { createOptimizer, step, type Params } from '@downhill/optimizers';
import { describeOptimizerConformance } from '@downhill/optimizers/testing';
import { describe, expect, it } from 'vitest';
import { adabelief } from './adabelief.js';
import './register.js';

const b = cpu();

/** AdaBelief on plain numbers, straight from the paper's Algorithm 2 (float64). */
function reference(p: number[], grads: number[][], { lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-16 } = {}): number[] {
  const m = p.map(() => 0);
  const s = p.map(() => 0);
  const x = [...p];
  grads.forEach((g, i) => {
    const t = i + 1;
    for (let j = 0; j < x.length; j++) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      s[j] = b2 * s[j] + (1 - b2) * (g[j] - m[j]) ** 2 + eps;
      x[j] -= (lr * (m[j] / (1 - b1 ** t))) / (Math.sqrt(s[j] / (1 - b2 ** t)) + eps);
    }
  });
  return x;
}

describe('adabelief', () => {
  it('follows the update rule of the paper, step by step (float64)', () => {
    const gs = [
      [0.5, -1, 2],
      [0.4, -0.5, 2.5],
      [-0.3, 0.2, 1],
      [1, 1, 1],
    ];
    const opts = { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-8 };
    const tx = adabelief(opts.lr, { b1: opts.b1, b2: opts.b2, eps: opts.eps });
    let params: Params = { w: b.tensor([1, 2, -3], [3], 'float64') };
    let state = tx.init(params);
    for (const g of gs) ({ params, state } = step(tx, params, { w: b.tensor(g, [3], 'float64') }, state));
    const got = [...b.readSync(params.w as ReturnType<typeof b.tensor>)];
    const want = reference([1, 2, -3], gs, opts);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 13));
  });

  it('is selected by name after registration, with its options', () => {
    const byName = createOptimizer('adabelief', { lr: 0.05, b1: 0.8 });
    const direct = adabelief(0.05, { b1: 0.8 });
    const p = { w: b.tensor([1, 2, -3]) };
    const g = { w: b.tensor([0.5, -1, 2]) };
    const a = step(byName, p, g, byName.init(p)).params.w as ReturnType<typeof b.tensor>;
    const c = step(direct, p, g, direct.init(p)).params.w as ReturnType<typeof b.tensor>;
    expect([...b.readSync(a)]).toEqual([...b.readSync(c)]);
  });

  it('checks its hyperparameters', () => {
    expect(() => adabelief(0.1, { b1: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => createOptimizer('adabelief', { lr: -1 })).toThrow(/'lr'/);
  });
});

// The optimizer conformance kit, on every backend available (cpu; tfjs-cpu where installed).
describeOptimizerConformance('adabelief', ({ lr, ...options }) => createOptimizer('adabelief', { lr, ...options }));
