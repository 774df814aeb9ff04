import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { adam, createOptimizer, step, type Params } from '@downhill/optimizers';
import { describeOptimizerConformance } from '@downhill/optimizers/testing';
import { describe, expect, it } from 'vitest';
import { qhadam } from './qhadam.js';
import './register.js';

const b = cpu();

/**
 * The parameters after each of five steps of the authors' QHAdam, float64: facebookresearch/qhoptim
 * at commit e81dea3, `qhoptim/pyt/qhadam.py`, run under PyTorch 1.13 by
 * `__fixtures__/qhoptim_values.py` (beside the fixture). Reference code, not a transcription of the paper.
 */
interface Fixture {
  readonly start: Readonly<Record<'w' | 'k', number[] | number[][]>>;
  readonly grads: readonly Readonly<Record<'w' | 'k', number[] | number[][]>>[];
  readonly cases: readonly {
    readonly name: string;
    readonly lr: number;
    readonly betas: [number, number];
    readonly nus: [number, number];
    readonly eps: number;
    readonly steps: readonly Readonly<Record<'w' | 'k', number[] | number[][]>>[];
  }[];
}
const fixture: Fixture = JSON.parse(readFileSync(new URL('./__fixtures__/qhoptim-values.json', import.meta.url), 'utf8'));

const tree = (v: Readonly<Record<'w' | 'k', number[] | number[][]>>): Params => ({
  w: b.tensor(v.w.flat(), [3], 'float64'),
  k: b.tensor(v.k.flat(), [2, 2], 'float64'),
});
const values = (p: Params, name: 'w' | 'k'): number[] => {
  const t = p[name];
  if (!(t instanceof Tensor)) throw new Error(`no tensor '${name}'`);
  return [...b.readSync(t)];
};

describe('qhadam', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("matches the authors' qhoptim step by step (%s, float64)", (_, c) => {
    const tx = qhadam(c.lr, { b1: c.betas[0], b2: c.betas[1], nu1: c.nus[0], nu2: c.nus[1], eps: c.eps });
    let params = tree(fixture.start);
    let state = tx.init(params);
    fixture.grads.forEach((g, i) => {
      ({ params, state } = step(tx, params, tree(g), state));
      for (const name of ['w', 'k'] as const) {
        const want = c.steps[i][name].flat();
        values(params, name).forEach((v, j) => expect(v).toBeCloseTo(want[j], 13));
      }
    });
  });

  it('is Adam with nu1 = nu2 = 1 (bitwise up to rounding of the bias corrections)', () => {
    const p = tree(fixture.start);
    const g = tree(fixture.grads[0]);
    const q = step(qhadam(0.01, { b1: 0.9, nu1: 1, nu2: 1 }), p, g, qhadam(0.01, { b1: 0.9, nu1: 1, nu2: 1 }).init(p)).params;
    const a = step(adam(0.01), p, g, adam(0.01).init(p)).params;
    for (const name of ['w', 'k'] as const) {
      const want = values(a, name);
      values(q, name).forEach((v, j) => expect(v).toBeCloseTo(want[j], 14));
    }
  });

  it('is selected by name after registration, with its options', () => {
    const byName = createOptimizer('qhadam', { lr: 0.05, nu1: 0.5 });
    const direct = qhadam(0.05, { nu1: 0.5 });
    const p = { w: b.tensor([1, 2, -3]) };
    const g = { w: b.tensor([0.5, -1, 2]) };
    const x = step(byName, p, g, byName.init(p)).params;
    const y = step(direct, p, g, direct.init(p)).params;
    expect(values(x, 'w')).toEqual(values(y, 'w'));
  });

  it('checks its hyperparameters and option names', () => {
    expect(() => qhadam(0.1, { b1: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => qhadam(0.1, { nu1: 1.5 })).toThrow(/'nu1' must be in \[0, 1\], got 1.5/);
    expect(() => createOptimizer('qhadam', { lr: -1 })).toThrow(/'lr'/);
    expect(() => createOptimizer('qhadam', { lr: 1e-3, beta1: 0.9 })).toThrow(/unknown option 'beta1'/);
    expect(() => createOptimizer('qhadam', { lr: 1e-3, nu2: 'high' })).toThrow(InvalidArgumentError);
  });
});

// The optimizer conformance kit, on every backend available (cpu; tfjs-cpu where installed).
describeOptimizerConformance('qhadam', ({ lr, ...options }) => createOptimizer('qhadam', { lr, ...options }), {
  quadratic: { lr: 0.1, steps: 400 },
  rosenbrock: { lr: 0.02, steps: 2000 },
});
