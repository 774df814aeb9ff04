/**
 * Unknown options are errors: one row per exported function of the package. A row either calls
 * the function with a key it does not take (and the call must throw UnknownOptionError), or says
 * why the function has no options object. A new export without a row fails the last test.
 */
import { UnknownOptionError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { describeOptimizerConformance } from './testing/conformance.js';

const b = cpu();
const params = () => ({ w: b.tensor([1, 2], [2], 'float64') });
const BAD = { notAnOption: 1 } as never;
const opt = () => api.adam(0.1);

type Row = (() => unknown) | `no options: ${string}`;

const ROWS: Record<string, Row> = {
  checkTrees: () => api.checkTrees([params()], BAD),
  mapTree: 'no options: (tree, fn, where)',
  mapTrees: () => api.mapTrees([params()], ([x]) => x, BAD),
  mapTreesN: () => api.mapTreesN(1, [params()], ([x]) => [x], BAD),
  flatten: 'no options: (tree, where)',
  forEachStateTensor: 'no options: (state, fn)',
  getLeaf: 'no options: (tree, name)',
  muonScale: 'no options: (shape, layout, scaling)',
  isTensor: 'no options: (x)',
  releaseReplaced: 'no options: (old, new, ...keep)',
  stateNumber: 'no options: (state, key, where)',
  stateTensors: 'no options: (state)',
  stateTree: 'no options: (state, key, where)',
  unflatten: 'no options: (entries)',
  zerosLike: 'no options: (tree, value)',
  maskSelects: 'no options: (mask, name, param, where)',
  compileMask: 'no options: (mask, where)',
  selectByMask: 'no options: (mask, leaves, where)',
  chain: 'no options: (...transformations)',
  flushSubnormals: 'no options: (inner)',
  applyUpdates: 'no options: (params, updates)',
  step: () => api.step(opt(), params(), params(), opt().init(params()), BAD),
  checkHyperparam: 'no options: (where, name, value)',
  checkHyperparams: 'no options: (where, values), values are hyperparameters by name',
  checkNamedHyperparam: 'no options: (where, name, value)',
  checkScalarOrSchedule: 'no options: (where, name, value)',
  resolveScalar: 'no options: (where, name, value, step)',
  getHyperparams: 'no options: (state)',
  injectHyperparams: () => api.injectHyperparams(api.adam, BAD),
  isInjectHyperparamsState: 'no options: (x)',
  setHyperparams: () => api.setHyperparams(opt().init(params()), { lr: 0.5 }, BAD),
  hyperparamGroups: 'no options: (state)',
  AmbiguousHyperparameterError: 'no options: an error class',
  withHyperparams: 'no options: (name, hyper, build)',
  scale: 'no options: (factor)',
  scaleByLearningRate: () => api.scaleByLearningRate(0.1, BAD),
  scaleBySchedule: 'no options: (schedule)',
  traceMomentum: () => api.traceMomentum(0.9, BAD),
  scaleByAdam: () => api.scaleByAdam(BAD),
  scaleByRms: () => api.scaleByRms(BAD),
  scaleByRss: () => api.scaleByRss(BAD),
  scaleByAdadelta: () => api.scaleByAdadelta(BAD),
  scaleByAdamax: () => api.scaleByAdamax(BAD),
  scaleByRadam: () => api.scaleByRadam(BAD),
  scaleByLion: () => api.scaleByLion(BAD),
  scaleByTrustRatio: () => api.scaleByTrustRatio(BAD),
  scaleByLarsTrustRatio: () => api.scaleByLarsTrustRatio(BAD),
  factoredDims: 'no options: (shape, factored, minDimSizeToFactor)',
  scaleByFactoredRms: () => api.scaleByFactoredRms(BAD),
  clipByBlockRms: 'no options: (threshold)',
  scaleByParamBlockRms: 'no options: (minScale)',
  addDecayedWeights: () => api.addDecayedWeights(0.1, BAD),
  clip: 'no options: (maxDelta)',
  clipByGlobalNorm: 'no options: (maxNorm)',
  globalNorm: 'no options: (tree)',
  adaptiveGradClip: () => api.adaptiveGradClip(0.1, BAD),
  unitwiseNorm: 'no options: (tensor)',
  sgd: () => api.sgd(0.1, BAD),
  adagrad: () => api.adagrad(0.1, BAD),
  adadelta: () => api.adadelta(0.1, BAD),
  rmsprop: () => api.rmsprop(0.1, BAD),
  adam: () => api.adam(0.1, BAD),
  amsgrad: () => api.amsgrad(0.1, BAD),
  nadam: () => api.nadam(0.1, BAD),
  adamw: () => api.adamw(0.1, BAD),
  adamax: () => api.adamax(0.1, BAD),
  radam: () => api.radam(0.1, BAD),
  lion: () => api.lion(0.1, BAD),
  lamb: () => api.lamb(0.1, BAD),
  lars: () => api.lars(0.1, BAD),
  adafactor: () => api.adafactor(0.1, BAD),
  muon: () => api.muon(0.02, BAD),
  scaleByMuon: () => api.scaleByMuon(BAD),
  newtonSchulz: () => api.newtonSchulz(b.tensor([1, 0, 0, 1], [2, 2], 'float64'), BAD),
  scheduleFreeSgd: () => api.scheduleFreeSgd(0.1, BAD),
  scheduleFreeAdamw: () => api.scheduleFreeAdamw(0.1, BAD),
  scheduleFreeEvalParams: 'no options: (state, params)',
  hasScheduleFreeState: 'no options: (state)',
  prodigy: () => api.prodigy(1, BAD),
  dadaptAdam: () => api.dadaptAdam(1, BAD),
  dog: () => api.dog(1, BAD),
  mars: () => api.mars(0.1, BAD),
  scaleByMars: () => api.scaleByMars(BAD),
  normuon: () => api.normuon(0.02, BAD),
  mechanize: () => api.mechanize(api.adam(0.1), BAD),
  cautious: () => api.cautious(api.adam(0.1), BAD),
  cautiousAdamw: () => api.cautiousAdamw(0.1, BAD),
  adopt: () => api.adopt(0.1, BAD),
  scaleByAdopt: () => api.scaleByAdopt(BAD),
  ademamix: () => api.ademamix(0.1, BAD),
  scaleByAdemamix: () => api.scaleByAdemamix(BAD),
  adabelief: () => api.adabelief(0.1, BAD),
  adan: () => api.adan(0.1, BAD),
  yogi: () => api.yogi(0.1, BAD),
  novograd: () => api.novograd(0.1, BAD),
  rprop: () => api.rprop(0.1, BAD),
  sm3: () => api.sm3(0.1, BAD),
  fromage: () => api.fromage(0.1, BAD),
  signSgd: () => api.signSgd(0.1, BAD),
  signum: () => api.signum(0.1, BAD),
  noisySgd: () => api.noisySgd(0.1, BAD),
  polyakSgd: () => api.polyakSgd(0.1, { value: () => 1, notAnOption: 1 } as never),
  optimisticGradientDescent: () => api.optimisticGradientDescent(0.1, BAD),
  optimisticAdam: () => api.optimisticAdam(0.1, BAD),
  adamaxw: () => api.adamaxw(0.1, BAD),
  nadamw: () => api.nadamw(0.1, BAD),
  ftrl: () => api.ftrl(0.1, BAD),
  asgd: () => api.asgd(0.1, BAD),
  scaleByBelief: () => api.scaleByBelief(BAD),
  scaleByAdan: () => api.scaleByAdan(BAD),
  scaleByYogi: () => api.scaleByYogi(BAD),
  scaleByNovograd: () => api.scaleByNovograd(BAD),
  scaleByRprop: () => api.scaleByRprop(BAD),
  scaleBySm3: () => api.scaleBySm3(BAD),
  scaleBySign: 'no options: ()',
  addNoise: () => api.addNoise(BAD),
  scaleByPolyak: () => api.scaleByPolyak({ value: () => 1, notAnOption: 1 } as never),
  scaleByOptimisticGradient: () => api.scaleByOptimisticGradient(BAD),
  scaleByFtrl: () => api.scaleByFtrl(BAD),
  scaleByAsgd: () => api.scaleByAsgd(BAD),
  masked: 'no options: (inner, mask)',
  multiTransform: () => api.multiTransform({ a: opt() }, { a: '**' }, BAD),
  multiSteps: 'no options: (inner, everyK)',
  applyIfFinite: () => api.applyIfFinite(opt(), BAD),
  allFinite: 'no options: (tree)',
  NonFiniteGradientsError: 'no options: an error class',
  lookahead: () => api.lookahead(opt(), BAD),
  paramsEma: () => api.paramsEma(0.9, BAD),
  emaParams: 'no options: (state)',
  globToRegExp: 'no options: (glob)',
  Optimizer: () => new api.Optimizer(opt(), params(), BAD),
  OptimizerLoadStateDict: () => new api.Optimizer(opt(), params()).loadStateDict({} as never, BAD),
  StateMismatchError: 'no options: an error class',
  decodeState: 'no options: (encoded, backend)',
  deserializeState: 'no options: (input)',
  encodeState: 'no options: (state)',
  serializeState: () => api.serializeState({} as never, BAD),
  loadStateLike: () => api.loadStateLike({}, {}, b, BAD),
  registerOptimizer: () => api.registerOptimizer('options-test-never-registered', () => opt(), BAD),
  createOptimizer: () => {
    api.registerOptimizer('options-test-adam', ({ lr, ...rest }) => api.adam(lr, rest));
    try {
      return api.createOptimizer({ name: 'options-test-adam', lr: 0.1, ...(BAD as object) });
    } finally {
      api.unregisterOptimizer('options-test-adam');
    }
  },
  listOptimizers: 'no options: ()',
  hasOptimizer: 'no options: (name)',
  unregisterOptimizer: 'no options: (name)',
  optimizerNameOf: 'no options: (tx)',
  OptimizerNotFoundError: 'no options: an error class',
  DuplicateOptimizerError: 'no options: an error class',
  FusionUnavailableError: 'no options: an error class',
  RegistryContractError: 'no options: an error class',
  describeOptimizerConformance: () => describeOptimizerConformance('x', () => opt(), BAD),
  sophia: () => api.sophia(0.1, BAD),
  scaleBySophia: () => api.scaleBySophia(BAD),
  adahessian: () => api.adahessian(0.1, BAD),
  scaleByAdaHessian: () => api.scaleByAdaHessian(BAD),
  CallbackResultError: 'no options: an error class',
  MissingHessianEstimateError: 'no options: an error class',
  sam: () => api.sam(opt(), BAD),
  lbfgs: () => api.lbfgs(1, BAD),
  reduceOnPlateau: () => api.reduceOnPlateau(BAD),
  shampoo: () => api.shampoo(0.1, BAD),
  scaleByShampoo: () => api.scaleByShampoo(BAD),
  soap: () => api.soap(0.1, BAD),
  mechanic: () => api.mechanic(1, BAD),
  scaleBySoap: () => api.scaleBySoap(BAD),
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key with UnknownOptionError naming the valid keys`, () => {
      let err: unknown;
      try {
        row();
      } catch (e) {
        err = e;
      }
      expect(err, `${name} accepted { notAnOption: 1 }`).toBeInstanceOf(UnknownOptionError);
      expect((err as UnknownOptionError).option).toBe('notAnOption');
      expect((err as Error).message).toMatch(/unknown option 'notAnOption'.* takes /);
    });
  }

  it('suggests the nearest key: PyTorch, optax and Keras names, case and underscores, typos', () => {
    const cases: [() => unknown, string, string][] = [
      [() => api.adamw(0.1, { weight_decay: 0.5 } as never), 'weight_decay', 'weightDecay'],
      [() => api.adam(1e-3, { beta1: 0.8 } as never), 'beta1', 'b1'],
      [() => api.adam(1e-3, { epsilon: 1e-7 } as never), 'epsilon', 'eps'],
      [() => api.rmsprop(1e-3, { alpha: 0.99 } as never), 'alpha', 'decay'],
      [() => api.sgd(0.1, { momentun: 0.9 } as never), 'momentun', 'momentum'],
      [() => api.adam(1e-3, { eps_root: 1e-8 } as never), 'eps_root', 'epsRoot'],
      [() => api.step(opt(), params(), params(), opt().init(params()), { in_place: true } as never), 'in_place', 'inPlace'],
    ];
    for (const [call, key, suggestion] of cases) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnknownOptionError);
      expect((err as UnknownOptionError).suggestion).toBe(suggestion);
      expect((err as Error).message).toContain(`'${key}' (did you mean '${suggestion}'?)`);
    }
  });

  it('an options value that is not an object is a typed error too', () => {
    expect(() => api.adam(0.1, 5 as never)).toThrow(/expected an options object \{ b1, b2, /);
    expect(() => api.adam(0.1, null as never)).toThrow(/got null/);
  });

  it('every exported function has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    const missing = fns.filter((k) => !(k in ROWS));
    expect(missing, 'exports without a row in ROWS: add one (a call with an unknown key, or why it has no options)').toEqual([]);
  });
});
