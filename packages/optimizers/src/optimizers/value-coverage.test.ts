/**
 * Every built-in optimizer has value checks with non-default hyperparameters against an
 * independent reference: a row of values.test.ts or values-<group>.test.ts (the paper's rule in host
 * arithmetic, or numbers from the authors' code transcribed there), or a case of
 * authors-values.test.ts or second-order/soap-values.test.ts and soap-tensors.test.ts (the authors' own code) and, where
 * PyTorch defines the same rule, a case of pytorch-values.test.ts. The table is keyed by
 * BuiltInName, so a new built-in optimizer does not compile until it is listed here.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import catalogueFixture from '../__fixtures__/authors/catalogue-values.json' with { type: 'json' };
import authorsFixture from '../__fixtures__/authors/values.json' with { type: 'json' };
import soapTensorsFixture from '../second-order/__fixtures__/soap-tensors.json' with { type: 'json' };
import soapFixture from '../second-order/__fixtures__/soap-values.json' with { type: 'json' };
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

  adabelief: { rule: ['adabelief decoupled weight decay'], pytorch: [] },
  adan: { rule: ['adan', 'adan weight decay'], pytorch: [] },
  yogi: { rule: ['yogi'], pytorch: [] },
  novograd: { rule: ['novograd weight decay'], pytorch: [] },
  rprop: { rule: ['rprop'], pytorch: ['rprop etas=(0.4,1.5) stepSizes=(1e-3,0.2)'] },
  sm3: { rule: ['sm3'], pytorch: [] },
  fromage: { rule: ['fromage'], pytorch: [] },
  signSgd: { rule: ['signSgd'], pytorch: [] },
  signum: { rule: ['signum weight decay'], pytorch: [] },
  noisySgd: { rule: ['noisySgd'], pytorch: [] },
  polyakSgd: { rule: ['polyakSgd'], pytorch: [] },
  optimisticGradientDescent: { rule: ['optimisticGradientDescent'], pytorch: [] },
  optimisticAdam: { rule: ['optimisticAdam'], pytorch: [] },
  adamaxw: { rule: ['adamaxw'], pytorch: [] },
  nadamw: { rule: ['nadamw'], pytorch: ['nadam momentumDecay=0.1'] },
  ftrl: { rule: ['ftrl l1 l2'], pytorch: [] },
  asgd: { rule: ['asgd'], pytorch: ['asgd lambd=0.01 alpha=0.75 t0=2 weightDecay=0.05'] },

  // catalogue: classics (optax aliases, torch.optim) above this line

  muon: { rule: [], pytorch: [], authors: ['muon weightDecay=0.1 adamLr=0.01'] },
  'schedulefree-sgd': { rule: [], pytorch: [], authors: ['schedulefree-sgd momentum=0.8 weightDecay=0.01 warmupSteps=2'] },
  'schedulefree-adamw': { rule: [], pytorch: [], authors: ['schedulefree-adamw weightDecay=0.1 warmupSteps=2'] },
  prodigy: { rule: [], pytorch: [], authors: ['prodigy weightDecay=0.1', 'prodigy coupled biasCorrection growthRate=2 d0=1e-7'] },
  adopt: { rule: [], pytorch: [], authors: ['adopt weightDecay=0.1', 'adopt decoupled weightDecay=0.1 b2=0.99'] },
  ademamix: { rule: [], pytorch: [], authors: ['ademamix alpha=5 warmups=3 weightDecay=0.1'] },
  'cautious-adamw': { rule: [], pytorch: [], authors: ['cautious-adamw eps=0 weightDecay=0.1'] },
  'dadapt-adam': {
    rule: [],
    pytorch: [],
    authors: ['dadapt-adam weightDecay=0.1', 'dadapt-adam decoupled biasCorrection growthRate=2 d0=1e-4'],
  },
  dog: { rule: [], pytorch: [], authors: ['dog weightDecay=0.01 repsRel=1e-2', 'dog initEta=0.05'] },
  mars: {
    rule: [],
    pytorch: [],
    authors: ['mars weightDecay=0.1 adamLr=0.01 adamWeightDecay=0.05', 'mars lion gamma=0.05 all parameters'],
  },
  normuon: { rule: [], pytorch: [], authors: ['normuon weightDecay=0.1 adamLr=0.01'] },
  mechanic: { rule: [], pytorch: [], authors: ['mechanize(adam) sDecay=0.1', 'mechanize(sgd) sInit=1e-2'] },
  // catalogue: methods of the last years above this line

  sophia: { rule: ['sophia'], pytorch: [] },
  adahessian: { rule: ['adahessian'], pytorch: [] },
  shampoo: { rule: ['shampoo'], pytorch: [] },
  soap: {
    rule: [],
    pytorch: [],
    authors: [
      'soap lr=0.05 weightDecay=0.01 preconditionFrequency=2',
      'soap lr=0.02 b1=0.9 b2=0.99 shampooBeta=0.8 weightDecay=0',
      ...soapTensorsFixture.cases.map((c) => c.name),
    ],
  },
  // catalogue: second order, wrappers, line search above this line
} satisfies Record<BuiltInName, { rule: readonly string[]; pytorch: readonly string[]; authors?: readonly string[] }>;

describe('value checks cover every built-in optimizer', () => {
  // values.test.ts and the catalogue's own values-<group>.test.ts files.
  const dir = new URL('.', import.meta.url);
  const files = readdirSync(dir).filter((f) => /^values(-[a-z-]+)?\.test\.ts$/.test(f));
  const values = files.map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
  it.each(BUILT_IN_OPTIMIZERS.map(([n]) => n))(
    "%s has a rule row in a values test or a case from its authors' code, and its PyTorch cases exist",
    (name) => {
      const c: { rule: readonly string[]; pytorch: readonly string[]; authors?: readonly string[] } = COVERAGE[name];
      expect(c.rule.length + (c.authors?.length ?? 0)).toBeGreaterThan(0);
      for (const k of c.authors ?? [])
        expect(
          [
            ...Object.keys(authorsFixture.cases),
            ...Object.keys(catalogueFixture.cases),
            ...Object.keys(soapFixture.cases),
            ...soapTensorsFixture.cases.map((c) => c.name),
          ],
          'a case of authors-values.test.ts',
        ).toContain(k);
      for (const row of c.rule) expect(values, `no values*.test.ts (${files.join(', ')}) has a row '${row}'`).toContain(`name: '${row}'`);
      for (const k of c.pytorch) expect(Object.keys(fixture.cases)).toContain(k);
    },
  );
});
