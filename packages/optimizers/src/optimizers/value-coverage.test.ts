/**
 * Every built-in optimizer has value checks with non-default hyperparameters against an
 * independent reference: a row of values.test.ts (the paper's rule in host arithmetic) or a case of
 * authors-values.test.ts (the authors' own code) and, where
 * PyTorch defines the same rule, a case of pytorch-values.test.ts. The table is keyed by
 * BuiltInName, so a new built-in optimizer does not compile until it is listed here.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import authorsFixture from '../__fixtures__/authors/values.json' with { type: 'json' };
import fixture from '../__fixtures__/pytorch/values.json' with { type: 'json' };
import { BUILT_IN_OPTIMIZERS, type BuiltInName } from '../register.js';

const COVERAGE = {
  sgd: {
    rule: ['sgd', 'sgd momentum', 'sgd nesterov + weight decay'],
    pytorch: ['sgd nesterov momentum=0.9 weightDecay=0.01', 'sgd momentum=0.9 weightDecay=0.01 maximize'],
  },
  adagrad: { rule: ['adagrad'], pytorch: ['adagrad initialAccumulatorValue=0.1 eps=1e-10', 'adagrad weightDecay=0.2 maximize'] },
  adadelta: { rule: ['adadelta'], pytorch: ['adadelta weightDecay=0.1 maximize'] },
  rmsprop: {
    rule: ['rmsprop', 'rmsprop centered momentum epsInSqrt'],
    pytorch: ['rmsprop centered momentum=0.5 decay=0.95', 'rmsprop weightDecay=0.1 maximize'],
  },
  adam: { rule: ['adam'], pytorch: ['adam amsgrad b1=0.8 eps=1e-6', 'adam weightDecay=0.1 maximize'] },
  nadam: { rule: ['nadam'], pytorch: [] },
  amsgrad: { rule: ['amsgrad'], pytorch: ['adam amsgrad b1=0.8 eps=1e-6', 'adam amsgrad weightDecay=0.05'] },
  adamw: { rule: ['adamw'], pytorch: ['adamw weightDecay=0.1', 'adamw weightDecay=0.1 maximize'] },
  adamax: { rule: ['adamax'], pytorch: ['adamax weightDecay=0.1 maximize'] },
  radam: { rule: ['radam'], pytorch: ['radam weightDecay=0.1 eps=0'] },
  lion: { rule: ['lion'], pytorch: [] },
  lamb: { rule: ['lamb'], pytorch: [] },
  lars: { rule: ['lars'], pytorch: [] },
  adafactor: { rule: ['adafactor'], pytorch: [] },

  // catalogue: classics (optax aliases, torch.optim) above this line

  muon: { rule: [], pytorch: [], authors: ['muon weightDecay=0.1 adamLr=0.01'] },
  'schedulefree-sgd': { rule: [], pytorch: [], authors: ['schedulefree-sgd momentum=0.8 weightDecay=0.01 warmupSteps=2'] },
  'schedulefree-adamw': { rule: [], pytorch: [], authors: ['schedulefree-adamw weightDecay=0.1 warmupSteps=2'] },
  prodigy: { rule: [], pytorch: [], authors: ['prodigy weightDecay=0.1', 'prodigy coupled biasCorrection growthRate=2 d0=1e-7'] },
  adopt: { rule: [], pytorch: [], authors: ['adopt weightDecay=0.1', 'adopt decoupled weightDecay=0.1 b2=0.99'] },
  ademamix: { rule: [], pytorch: [], authors: ['ademamix alpha=5 warmups=3 weightDecay=0.1'] },
  // catalogue: methods of the last years above this line

  sophia: { rule: ['sophia'], pytorch: [] },
  adahessian: { rule: ['adahessian'], pytorch: [] },
  // catalogue: second order, wrappers, line search above this line
} satisfies Record<BuiltInName, { rule: readonly string[]; pytorch: readonly string[]; authors?: readonly string[] }>;

describe('value checks cover every built-in optimizer', () => {
  const values = readFileSync(new URL('./values.test.ts', import.meta.url), 'utf8');
  it.each(BUILT_IN_OPTIMIZERS.map(([n]) => n))(
    "%s has a rule row in values.test.ts or a case from its authors' code, and its PyTorch cases exist",
    (name) => {
      const c: { rule: readonly string[]; pytorch: readonly string[]; authors?: readonly string[] } = COVERAGE[name];
      expect(c.rule.length + (c.authors?.length ?? 0)).toBeGreaterThan(0);
      for (const k of c.authors ?? []) expect(Object.keys(authorsFixture.cases), 'a case of authors-values.test.ts').toContain(k);
      for (const row of c.rule) expect(values, `values.test.ts has no row '${row}'`).toContain(`name: '${row}'`);
      for (const k of c.pytorch) expect(Object.keys(fixture.cases)).toContain(k);
    },
  );
});
