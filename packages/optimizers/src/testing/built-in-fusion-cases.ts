import { chain } from '../chain.js';
import { adadelta } from '../optimizers/adadelta.js';
import { adafactor } from '../optimizers/adafactor.js';
import { adagrad } from '../optimizers/adagrad.js';
import { adam, amsgrad, nadam } from '../optimizers/adam.js';
import { adamax } from '../optimizers/adamax.js';
import { adamw } from '../optimizers/adamw.js';
import { lamb } from '../optimizers/lamb.js';
import { lars } from '../optimizers/lars.js';
import { lion } from '../optimizers/lion.js';
import { radam } from '../optimizers/radam.js';
import { rmsprop } from '../optimizers/rmsprop.js';
import { sgd } from '../optimizers/sgd.js';
import { ademamix } from '../optimizers/ademamix.js';
import { adopt } from '../optimizers/adopt.js';
import { cautiousAdamw } from '../optimizers/cautious.js';
import { dadaptAdam } from '../optimizers/dadapt-adam.js';
import { dog } from '../optimizers/dog.js';
import { muon } from '../optimizers/muon.js';
import { mars } from '../optimizers/mars.js';
import { normuon } from '../optimizers/normuon.js';
import { prodigy } from '../optimizers/prodigy.js';
import { scheduleFreeAdamw, scheduleFreeSgd } from '../optimizers/schedule-free.js';
import { adabelief } from '../optimizers/adabelief.js';
import { adamaxw } from '../optimizers/adamaxw.js';
import { adan } from '../optimizers/adan.js';
import { asgd } from '../optimizers/asgd.js';
import { fromage } from '../optimizers/fromage.js';
import { ftrl } from '../optimizers/ftrl.js';
import { nadamw } from '../optimizers/nadamw.js';
import { noisySgd } from '../optimizers/noisy-sgd.js';
import { novograd } from '../optimizers/novograd.js';
import { optimisticAdam } from '../optimizers/optimistic-adam.js';
import { optimisticGradientDescent } from '../optimizers/optimistic-gradient-descent.js';
import { polyakSgd } from '../optimizers/polyak-sgd.js';
import { rprop } from '../optimizers/rprop.js';
import { signSgd } from '../optimizers/sign-sgd.js';
import { signum } from '../optimizers/signum.js';
import { sm3 } from '../optimizers/sm3.js';
import { yogi } from '../optimizers/yogi.js';
import type { BuiltInName } from '../register.js';
import { adahessian } from '../second-order/adahessian.js';
import { shampoo } from '../second-order/shampoo.js';
import { soap } from '../second-order/soap.js';
import { mechanic } from '../optimizers/mechanic.js';
import { sophia } from '../second-order/sophia.js';
import { syntheticHessianEstimate } from './hessian-estimates.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { clipByGlobalNorm } from '../transforms/clip-by-global-norm.js';
import type { GradientTransformation, Params } from '../types.js';
import { flatten, type Tensor } from '@downhill/backend';
import { multiTransform } from '../wrappers/multi-transform.js';

/** One built-in optimizer in the fusion table: plain, and with (masked) weight decay. */
export interface FusionCase {
  /** The optimizer with its defaults at this learning rate. */
  readonly plain: () => GradientTransformation<any>;
  /** With weight decay on the parameters the mask selects (its own option where it has one, else `addDecayedWeights` first). */
  readonly decayed: () => GradientTransformation<any>;
}

const LR = 1e-2;
const WD = 0.1;
/** Decay everything but biases. */
const MASK = (name: string): boolean => !name.endsWith('bias');
/** ½·Σ p² over the whole tree, on the parameters' backend: the objective Polyak's step needs. */
const halfSquaredNorm = (params: Params): Tensor => {
  const leaves = flatten(params, 'halfSquaredNorm');
  const b = leaves[0][1].backend;
  return leaves.map(([, p]) => b.mul(b.reduce('sum', b.unary('square', p)), 0.5)).reduce((x, y) => b.add(x, y));
};
const l2 = (tx: GradientTransformation<any>): GradientTransformation<any> => chain(addDecayedWeights(WD, { mask: MASK }), tx);

/**
 * Every built-in optimizer, keyed by its registered name (the `satisfies` makes a new built-in
 * without a row a compile error). Each row gives the optimizer plainly and with masked weight
 * decay; {@link fusionVariants} adds each behind `clipByGlobalNorm` and inside `multiTransform`.
 */
export const BUILT_IN_FUSION_CASES = {
  sgd: { plain: () => sgd(LR, { momentum: 0.9, nesterov: true }), decayed: () => sgd(LR, { momentum: 0.9, weightDecay: WD }) },
  adagrad: { plain: () => adagrad(LR), decayed: () => l2(adagrad(LR)) },
  adadelta: { plain: () => adadelta(1), decayed: () => adadelta(1, { weightDecay: WD, mask: MASK }) },
  rmsprop: { plain: () => rmsprop(LR, { centered: true, momentum: 0.9 }), decayed: () => l2(rmsprop(LR)) },
  adam: { plain: () => adam(LR), decayed: () => l2(adam(LR)) },
  nadam: { plain: () => nadam(LR), decayed: () => l2(nadam(LR)) },
  amsgrad: { plain: () => amsgrad(LR), decayed: () => l2(amsgrad(LR)) },
  adamw: { plain: () => adamw(LR), decayed: () => adamw(LR, { weightDecay: WD, mask: MASK }) },
  adamax: { plain: () => adamax(LR), decayed: () => l2(adamax(LR)) },
  radam: { plain: () => radam(LR), decayed: () => l2(radam(LR)) },
  lion: { plain: () => lion(LR), decayed: () => lion(LR, { weightDecay: WD, mask: MASK }) },
  lamb: { plain: () => lamb(LR), decayed: () => lamb(LR, { weightDecay: WD, mask: MASK }) },
  lars: { plain: () => lars(LR), decayed: () => lars(LR, { weightDecay: WD, mask: MASK }) },
  adafactor: { plain: () => adafactor(LR), decayed: () => adafactor(LR, { weightDecay: WD, mask: MASK }) },

  adabelief: { plain: () => adabelief(LR), decayed: () => adabelief(LR, { weightDecay: WD, mask: MASK }) },
  adan: { plain: () => adan(LR), decayed: () => adan(LR, { weightDecay: WD, mask: MASK }) },
  yogi: { plain: () => yogi(LR), decayed: () => l2(yogi(LR)) },
  novograd: { plain: () => novograd(LR), decayed: () => novograd(LR, { weightDecay: WD }) },
  rprop: { plain: () => rprop(LR), decayed: () => l2(rprop(LR)) },
  sm3: { plain: () => sm3(LR), decayed: () => l2(sm3(LR)) },
  fromage: { plain: () => fromage(LR), decayed: () => l2(fromage(LR)) },
  signSgd: { plain: () => signSgd(LR), decayed: () => l2(signSgd(LR)) },
  signum: { plain: () => signum(LR), decayed: () => signum(LR, { weightDecay: WD, mask: MASK }) },
  noisySgd: { plain: () => noisySgd(LR, { seed: 3 }), decayed: () => l2(noisySgd(LR)) },
  polyakSgd: {
    plain: () => polyakSgd(LR, { value: halfSquaredNorm }),
    decayed: () => l2(polyakSgd(LR, { value: halfSquaredNorm, eps: 1e-3 })),
  },
  optimisticGradientDescent: {
    plain: () => optimisticGradientDescent(LR),
    decayed: () => l2(optimisticGradientDescent(LR, { beta: 0.5 })),
  },
  optimisticAdam: { plain: () => optimisticAdam(LR), decayed: () => l2(optimisticAdam(LR, { nesterov: true })) },
  adamaxw: { plain: () => adamaxw(LR), decayed: () => adamaxw(LR, { weightDecay: WD, mask: MASK }) },
  nadamw: { plain: () => nadamw(LR), decayed: () => nadamw(LR, { weightDecay: WD, mask: MASK, momentumDecay: 4e-3 }) },
  ftrl: { plain: () => ftrl(LR), decayed: () => ftrl(LR, { l1: 1e-3, l2: WD, l2Shrinkage: 1e-2, beta: 0.5 }) },
  asgd: { plain: () => asgd(LR, { t0: 2 }), decayed: () => asgd(LR, { weightDecay: WD, lambd: 0.1 }) },

  // catalogue: classics (optax aliases, torch.optim) above this line

  muon: { plain: () => muon(LR), decayed: () => muon(LR, { weightDecay: WD, adamWeightDecay: WD }) },
  'schedulefree-sgd': { plain: () => scheduleFreeSgd(LR), decayed: () => scheduleFreeSgd(LR, { weightDecay: WD, warmupSteps: 2 }) },
  'schedulefree-adamw': { plain: () => scheduleFreeAdamw(LR), decayed: () => scheduleFreeAdamw(LR, { weightDecay: WD, warmupSteps: 2 }) },
  prodigy: { plain: () => prodigy(1), decayed: () => prodigy(1, { weightDecay: WD, mask: MASK }) },
  adopt: { plain: () => adopt(LR), decayed: () => adopt(LR, { weightDecay: WD, decouple: true, mask: MASK }) },
  ademamix: { plain: () => ademamix(LR), decayed: () => ademamix(LR, { weightDecay: WD, mask: MASK, alphaWarmup: 3, b3Warmup: 3 }) },
  'cautious-adamw': { plain: () => cautiousAdamw(LR), decayed: () => cautiousAdamw(LR, { weightDecay: WD, mask: MASK }) },
  'dadapt-adam': { plain: () => dadaptAdam(1), decayed: () => dadaptAdam(1, { weightDecay: WD, decouple: true, mask: MASK }) },
  dog: { plain: () => dog(1, { repsRel: 1e-3 }), decayed: () => dog(1, { repsRel: 1e-3, weightDecay: WD, mask: MASK }) },
  mars: { plain: () => mars(LR), decayed: () => mars(LR, { weightDecay: WD, adamWeightDecay: WD, base: 'lion' }) },
  normuon: { plain: () => normuon(LR), decayed: () => normuon(LR, { weightDecay: WD, adamWeightDecay: WD }) },
  mechanic: {
    plain: () => mechanic(1, { sInit: 1e-4 }),
    decayed: () => mechanic(1, { sInit: 1e-4, adamw: { weightDecay: WD, mask: MASK } }),
  },
  // catalogue: methods of the last years above this line

  sophia: {
    plain: () => sophia(LR, { hessianEstimate: syntheticHessianEstimate(), updateEvery: 2, weightDecay: 0 }),
    decayed: () => sophia(LR, { hessianEstimate: syntheticHessianEstimate(), updateEvery: 2, weightDecay: WD, mask: MASK }),
  },
  adahessian: {
    plain: () => adahessian(LR, { hessianEstimate: syntheticHessianEstimate() }),
    decayed: () => adahessian(LR, { hessianEstimate: syntheticHessianEstimate(), weightDecay: WD, mask: MASK }),
  },
  shampoo: { plain: () => shampoo(LR, { blockSize: 2, updateEvery: 2 }), decayed: () => l2(shampoo(LR, { blockSize: 2 })) },
  soap: {
    plain: () => soap(LR, { preconditionFrequency: 2 }),
    decayed: () => soap(LR, { weightDecay: WD, maxPreconditionDim: 2, mergeDims: true, precondition1d: true, normalizeGrads: true }),
  },
  // catalogue: second order, wrappers, line search above this line
} satisfies Record<BuiltInName, FusionCase>;

/**
 * The variants of one row of {@link BUILT_IN_FUSION_CASES}: plain, with masked weight decay,
 * behind `clipByGlobalNorm`, and inside `multiTransform` (biases get plain SGD, the rest the
 * optimizer).
 */
export function fusionVariants(
  c: FusionCase,
): Record<'plain' | 'decayed' | 'clipped' | 'multiTransform', () => GradientTransformation<any>> {
  return {
    plain: c.plain,
    decayed: c.decayed,
    clipped: () => chain(clipByGlobalNorm(0.5), c.decayed()),
    multiTransform: () => multiTransform({ main: c.decayed(), bias: sgd(LR) }, (name) => (name.endsWith('bias') ? 'bias' : 'main')),
  };
}
