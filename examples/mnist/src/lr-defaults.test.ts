import { cpu } from '@downhill/backend-cpu';
import { createOptimizer, getHyperparams, muonScale } from '@downhill/optimizers';
import '@downhill/optimizers/register';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './cli.js';
import { DEFAULT_LR, DEFAULT_OPTIONS, learningRateFor } from './lr-defaults.js';
import { createTrainer } from './train.js';

describe('DEFAULT_OPTIONS', () => {
  it('every entry is accepted by its registered optimizer, which has a default rate', () => {
    const b = cpu();
    for (const [name, options] of Object.entries(DEFAULT_OPTIONS)) {
      expect(DEFAULT_LR[name], name).toBeGreaterThan(0);
      const tx = createOptimizer(name, { ...options, lr: DEFAULT_LR[name] });
      const params = { k: b.tensor([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [3, 2]), bias: b.tensor([0, 0], [2]) };
      expect(() => tx.update(params, tx.init(params), params)).not.toThrow();
    }
  });

  it("as documented: the authors' Muon scaling is 1 on every kernel of the default MLP, Moonshot's 0.2·√max(fanIn, fanOut)", () => {
    const widths = [784, ...DEFAULTS.hidden, 10];
    const kernels = widths.slice(1).map((out, i) => [widths[i], out]);
    expect(kernels.map((k) => muonScale(k, 'in-out', 'jordan'))).toEqual([1, 1, 1]);
    expect(kernels.map((k) => muonScale(k, 'in-out', 'moonshot'))).toEqual(kernels.map(([i, o]) => 0.2 * Math.sqrt(Math.max(i, o))));
    expect(DEFAULT_OPTIONS.muon).toEqual({ scaling: 'moonshot' });
  });

  it('the job hands schedule-free AdamW its documented default rate and weight decay', () => {
    const { lr, source } = learningRateFor('schedulefree-adamw', undefined);
    expect(source).toBe('default');
    const trainer = createTrainer(cpu(), {
      optimizer: 'schedulefree-adamw',
      schedule: () => lr,
      hidden: [4],
      batchnorm: false,
      dropout: 0,
      seed: 0,
      features: 6,
      totalSteps: 200,
    });
    try {
      expect(getHyperparams(trainer.optimizer.state)).toMatchObject({ lr, weightDecay: DEFAULT_OPTIONS['schedulefree-adamw'].weightDecay });
      expect(DEFAULT_OPTIONS['schedulefree-adamw']).toEqual({ weightDecay: 0.08 });
      expect(lr).toBe(3.5e-3);
    } finally {
      trainer.dispose();
    }
  });
});
