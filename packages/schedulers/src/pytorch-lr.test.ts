// The schedules that say they follow a PyTorch scheduler, step for step against it: the rate of
// every optimizer step of torch.optim.lr_scheduler (PyTorch 1.13, Debian's python3-torch) from
// __fixtures__/pytorch-lr.json, written by __fixtures__/pytorch-lr.py. PyTorch computes some of
// them recursively (each rate from the previous one), so agreement is to 1e-12 relative, not bitwise.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosineDecay, exponentialDecay, linear, oneCycle, piecewiseConstant, sgdr, stepDecay, type Schedule } from './index.js';

const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/pytorch-lr.json', import.meta.url), 'utf8')) as {
  source: string;
  lr: number;
  cases: Record<string, number[]>;
};
const lr = fixture.lr;

/** Each fixture case as a downhill schedule, with PyTorch's arguments translated. */
const SCHEDULES: Record<string, Schedule> = {
  'OneCycleLR cos': oneCycle(0.1, { totalSteps: 20, pctStart: 0.3, anneal: 'cos', divFactor: 25, finalDivFactor: 1e4 }),
  'OneCycleLR linear': oneCycle(0.1, { totalSteps: 17, pctStart: 0.25, anneal: 'linear', divFactor: 10, finalDivFactor: 100 }),
  'OneCycleLR three phase': oneCycle(0.1, { totalSteps: 30, pctStart: 0.3, threePhase: true }),
  'CosineAnnealingWarmRestarts T_0 5 T_mult 2': sgdr(lr, { period: 5, periodMultiplier: 2, minValue: 0.001 }),
  'CosineAnnealingWarmRestarts T_0 4': sgdr(lr, { period: 4, minValue: 0 }),
  'StepLR step 3 gamma 0.5': stepDecay(lr, { stepSize: 3, gamma: 0.5 }),
  'MultiStepLR 3, 7 gamma 0.1': piecewiseConstant(lr, { boundaries: [3, 7], scales: [0.1, 0.1] }),
  // LinearLR's factors times the optimizer's rate: 0.25·lr to lr
  'LinearLR 0.25 to 1 in 4': linear(0.25 * lr, { end: lr, transitionSteps: 4 }),
  // eta_min 0.01 is a tenth of lr: alpha 0.1
  'CosineAnnealingLR T_max 10 eta_min 0.01': cosineDecay(lr, { decaySteps: 10, alpha: 0.1 }),
  'ExponentialLR gamma 0.9': exponentialDecay(lr, { transitionSteps: 1, decayRate: 0.9 }),
};

describe(`schedules against ${fixture.source}`, () => {
  it('every fixture case has a schedule, and every schedule a case', () => {
    expect(Object.keys(SCHEDULES).sort()).toEqual(Object.keys(fixture.cases).sort());
  });
  for (const [name, want] of Object.entries(fixture.cases)) {
    it(`${name}: ${want.length} steps`, () => {
      const s = SCHEDULES[name];
      const bad: string[] = [];
      want.forEach((w, t) => {
        const got = s(t);
        if (!(Math.abs(got - w) <= 1e-12 * Math.max(Math.abs(w), 1e-300))) bad.push(`step ${t}: ${got}, PyTorch ${w}`);
      });
      expect(bad).toEqual([]);
    });
  }
});
