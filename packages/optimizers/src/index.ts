/**
 * `@downhill/optimizers`: gradient transformations, their composition, named optimizers,
 * wrappers, a stateful optimizer, state save/load and the plugin registry.
 *
 * @packageDocumentation
 */
export type { GradientTransformation, HostStepContext, OptState, Params, ScalarOrSchedule, StateValue } from './types.js';

// Parameter trees and state
export {
  checkTrees,
  flatten,
  forEachStateTensor,
  getLeaf,
  isTensor,
  mapTree,
  mapTrees,
  mapTreesN,
  releaseReplaced,
  stateNumber,
  stateTensors,
  stateTree,
  unflatten,
  zerosLike,
  type TreeCheckOptions,
} from './tree.js';
export {
  compileMask,
  globToRegExp,
  maskSelects,
  selectByMask,
  type Mask,
  type MaskTree,
  type Matcher,
  type ParamMask,
  type ParamPattern,
} from './mask.js';

// Composition and the step
export { chain } from './chain.js';
export { applyUpdates } from './apply-updates.js';
export { step, type StepOptions, type StepResult } from './step.js';
export { FusionUnavailableError } from './program/fusion-unavailable-error.js';

// Hyperparameters
export {
  HYPERPARAM_RULES,
  checkHyperparam,
  checkHyperparams,
  checkNamedHyperparam,
  checkScalarOrSchedule,
  resolveScalar,
  type HyperparamName,
  type HyperparamRule,
} from './hyperparams.js';
export {
  AmbiguousHyperparameterError,
  getHyperparams,
  hyperparamGroups,
  injectHyperparams,
  isInjectHyperparamsState,
  setHyperparams,
  withHyperparams,
  type InjectHyperparamsOptions,
  type InjectHyperparamsState,
  type InjectedTransformation,
  type SetHyperparamsOptions,
} from './inject-hyperparams.js';

// Transformations
export { scale, type EmptyState } from './transforms/scale.js';
export { scaleByLearningRate, scaleBySchedule, type ScaleByScheduleState } from './transforms/scale-by-learning-rate.js';
export { traceMomentum, type TraceMomentumOptions, type TraceState } from './transforms/trace-momentum.js';
export { scaleByAdam, type ScaleByAdamOptions, type ScaleByAdamState } from './transforms/scale-by-adam.js';
export { scaleByRms, type ScaleByRmsOptions, type ScaleByRmsState } from './transforms/scale-by-rms.js';
export { scaleByRss, type ScaleByRssOptions, type ScaleByRssState } from './transforms/scale-by-rss.js';
export { scaleByAdadelta, type ScaleByAdadeltaState } from './transforms/scale-by-adadelta.js';
export { scaleByAdamax, type ScaleByAdamaxOptions, type ScaleByAdamaxState } from './transforms/scale-by-adamax.js';
export { scaleByRadam, type ScaleByRadamOptions, type ScaleByRadamState } from './transforms/scale-by-radam.js';
export { scaleByLion, type ScaleByLionState } from './transforms/scale-by-lion.js';
export { scaleByTrustRatio, type ScaleByTrustRatioOptions } from './transforms/scale-by-trust-ratio.js';
export { scaleByLarsTrustRatio, type ScaleByLarsTrustRatioOptions } from './transforms/scale-by-lars-trust-ratio.js';
export {
  factoredDims,
  scaleByFactoredRms,
  type ScaleByFactoredRmsOptions,
  type ScaleByFactoredRmsState,
} from './transforms/scale-by-factored-rms.js';
export { clipByBlockRms, scaleByParamBlockRms } from './transforms/block-rms.js';
export { addDecayedWeights } from './transforms/add-decayed-weights.js';
export { clip } from './transforms/clip.js';
export { clipByGlobalNorm, globalNorm } from './transforms/clip-by-global-norm.js';
export { adaptiveGradClip, unitwiseNorm } from './transforms/adaptive-grad-clip.js';

// Named optimizers
export type { GradientOptions } from './gradient-options.js';
export { sgd, type SgdOptions } from './optimizers/sgd.js';
export { adagrad, type AdagradOptions } from './optimizers/adagrad.js';
export { adadelta, type AdadeltaOptions } from './optimizers/adadelta.js';
export { rmsprop, type RmspropOptions } from './optimizers/rmsprop.js';
export { adam, amsgrad, nadam, type AdamOptions } from './optimizers/adam.js';
export { adamw, type AdamwOptions } from './optimizers/adamw.js';
export { adamax, type AdamaxOptions } from './optimizers/adamax.js';
export { radam, type RadamOptions } from './optimizers/radam.js';
export { lion, type LionOptions } from './optimizers/lion.js';
export { lamb, type LambOptions } from './optimizers/lamb.js';
export { lars, type LarsOptions } from './optimizers/lars.js';
export { adafactor, type AdafactorOptions } from './optimizers/adafactor.js';

export { adabelief, type AdabeliefOptions } from './optimizers/adabelief.js';
export { adan, type AdanOptions } from './optimizers/adan.js';
export { yogi, type YogiOptions } from './optimizers/yogi.js';
export { novograd, type NovogradOptions } from './optimizers/novograd.js';
export { rprop, type RpropOptions } from './optimizers/rprop.js';
export { sm3, type Sm3Options } from './optimizers/sm3.js';
export { fromage, type FromageOptions } from './optimizers/fromage.js';
export { signSgd } from './optimizers/sign-sgd.js';
export { signum, type SignumOptions } from './optimizers/signum.js';
export { noisySgd, type NoisySgdOptions } from './optimizers/noisy-sgd.js';
export { polyakSgd, type PolyakSgdOptions } from './optimizers/polyak-sgd.js';
export { optimisticGradientDescent, type OptimisticGradientDescentOptions } from './optimizers/optimistic-gradient-descent.js';
export { optimisticAdam, type OptimisticAdamOptions } from './optimizers/optimistic-adam.js';
export { adamaxw, type AdamaxwOptions } from './optimizers/adamaxw.js';
export { nadamw } from './optimizers/nadamw.js';
export { ftrl, type FtrlOptions } from './optimizers/ftrl.js';
export { asgd, type AsgdOptions } from './optimizers/asgd.js';

export { scaleByBelief, type ScaleByBeliefOptions, type ScaleByBeliefState } from './transforms/scale-by-belief.js';
export { scaleByAdan, type ScaleByAdanOptions, type ScaleByAdanState } from './transforms/scale-by-adan.js';
export { scaleByYogi, type ScaleByYogiOptions, type ScaleByYogiState } from './transforms/scale-by-yogi.js';
export { scaleByNovograd, type ScaleByNovogradOptions, type ScaleByNovogradState } from './transforms/scale-by-novograd.js';
export { scaleByRprop, type ScaleByRpropOptions, type ScaleByRpropState } from './transforms/scale-by-rprop.js';
export { scaleBySm3, type ScaleBySm3Options, type ScaleBySm3State } from './transforms/scale-by-sm3.js';
export { scaleBySign } from './transforms/scale-by-sign.js';
export { addNoise, type AddNoiseOptions, type AddNoiseState } from './transforms/add-noise.js';
export { scaleByPolyak, type ObjectiveValue, type ScaleByPolyakOptions } from './transforms/scale-by-polyak.js';
export {
  scaleByOptimisticGradient,
  type ScaleByOptimisticGradientOptions,
  type ScaleByOptimisticGradientState,
} from './transforms/scale-by-optimistic-gradient.js';
export { scaleByFtrl, type ScaleByFtrlOptions, type ScaleByFtrlState } from './transforms/scale-by-ftrl.js';
export { scaleByAsgd, type ScaleByAsgdOptions, type ScaleByAsgdState } from './transforms/scale-by-asgd.js';
// catalogue: classics (optax aliases, torch.optim) above this line

export {
  newtonSchulz,
  scaleByMuon,
  muonScale,
  MUON_NS_COEFFS,
  type MuonLayout,
  type MuonScaling,
  type NewtonSchulzOptions,
  type ScaleByMuonOptions,
  type ScaleByMuonState,
} from './transforms/scale-by-muon.js';
export { muon, type MuonOptions } from './optimizers/muon.js';
export {
  scheduleFreeAdamw,
  scheduleFreeSgd,
  type ScheduleFreeAdamwOptions,
  type ScheduleFreeOptions,
  type ScheduleFreeSgdOptions,
  type ScheduleFreeState,
} from './optimizers/schedule-free.js';
export { hasScheduleFreeState, scheduleFreeEvalParams } from './optimizers/schedule-free-eval.js';
export { prodigy, type ProdigyOptions, type ScaleByProdigyState } from './optimizers/prodigy.js';
export { adopt, scaleByAdopt, type AdoptOptions, type ScaleByAdoptOptions, type ScaleByAdoptState } from './optimizers/adopt.js';
export {
  ademamix,
  scaleByAdemamix,
  type AdemamixOptions,
  type ScaleByAdemamixOptions,
  type ScaleByAdemamixState,
} from './optimizers/ademamix.js';
export { cautious, cautiousAdamw, type CautiousAdamwOptions, type CautiousOptions } from './optimizers/cautious.js';
export { dadaptAdam, type DadaptAdamOptions, type DadaptAdamState } from './optimizers/dadapt-adam.js';
export { dog, type DogOptions, type DogState } from './optimizers/dog.js';
export { mars, scaleByMars, type MarsOptions, type ScaleByMarsOptions, type ScaleByMarsState } from './optimizers/mars.js';
export { normuon, type NormuonOptions } from './optimizers/normuon.js';
// catalogue: methods of the last years above this line

export { sophia, type SophiaOptions } from './second-order/sophia.js';
export { scaleBySophia, type HessianEstimate, type ScaleBySophiaOptions, type ScaleBySophiaState } from './second-order/scale-by-sophia.js';
export { adahessian, type AdahessianOptions } from './second-order/adahessian.js';
export { scaleByAdaHessian, type ScaleByAdaHessianOptions, type ScaleByAdaHessianState } from './second-order/scale-by-adahessian.js';
export { CallbackResultError, MissingHessianEstimateError } from './second-order/callback-trees.js';

export { sam, type SamOptions } from './second-order/sam.js';
export { lbfgs, type LbfgsOptions, type LbfgsState } from './second-order/lbfgs.js';
export { reduceOnPlateau, type ReduceOnPlateauOptions, type ReduceOnPlateauState } from './second-order/reduce-on-plateau.js';

export {
  shampoo,
  scaleByShampoo,
  type ScaleByShampooOptions,
  type ScaleByShampooState,
  type ShampooBlock,
  type ShampooOptions,
} from './second-order/shampoo.js';
export { soap, type SoapOptions } from './second-order/soap.js';
export {
  scaleBySoap,
  type ScaleBySoapOptions,
  type ScaleBySoapState,
  type SoapFactor,
  type SoapLeafState,
} from './second-order/scale-by-soap.js';

export { mechanize, type MechanizeOptions, type MechanizeState } from './wrappers/mechanize.js';
export { mechanic, type MechanicOptions } from './optimizers/mechanic.js';
// catalogue: second order, wrappers, line search above this line

export * from './wrappers/index.js';
export * from './stateful/index.js';
export * from './plugins/index.js';
