/**
 * Side effect: registers the built-in named optimizers with the optimizer registry of
 * `@downhill/optimizers`, so `createOptimizer(name, { lr, ...options })` and
 * `new Optimizer({ name, lr, ... }, params)` can make them by name. Importing this module does
 * that and nothing else; it is listed in `sideEffects` of the package. Each name is registered
 * once: a second import (or a name already taken by a plugin) is left alone.
 *
 * Registered: `sgd`, `adagrad`, `adadelta`, `rmsprop`, `adam`, `nadam`, `amsgrad`, `adamw`,
 * `adamax`, `radam`, `lion`, `lamb`, `lars`, `adafactor`, and the classics `adabelief`, `adan`,
 * `yogi`, `novograd`, `rprop`, `sm3`, `fromage`, `signSgd`, `signum`, `noisySgd`, `polyakSgd`,
 * `optimisticGradientDescent`, `optimisticAdam`, `adamaxw`, `nadamw`, `ftrl`, `asgd`. Each factory takes `{ lr, ...options }`
 * where the options are those of the function of the same name (`adam(lr, { b1, b2, eps })`).
 *
 * @example
 * ```ts
 * import '@downhill/optimizers/register';
 * import { createOptimizer, listOptimizers } from '@downhill/optimizers';
 * const tx = createOptimizer({ name: 'adamw', lr: 1e-3, weightDecay: 1e-2 });
 * listOptimizers().map((o) => o.name);
 * ```
 *
 * @packageDocumentation
 */
import { adadelta } from './optimizers/adadelta.js';
import { adafactor } from './optimizers/adafactor.js';
import { adagrad } from './optimizers/adagrad.js';
import { adam, amsgrad, nadam } from './optimizers/adam.js';
import { adamax } from './optimizers/adamax.js';
import { adamw } from './optimizers/adamw.js';
import { lamb } from './optimizers/lamb.js';
import { lars } from './optimizers/lars.js';
import { lion } from './optimizers/lion.js';
import { radam } from './optimizers/radam.js';
import { rmsprop } from './optimizers/rmsprop.js';
import { sgd } from './optimizers/sgd.js';
import { adahessian } from './second-order/adahessian.js';
import { shampoo } from './second-order/shampoo.js';
import { soap } from './second-order/soap.js';
import { mechanic } from './optimizers/mechanic.js';
import { sophia } from './second-order/sophia.js';
import { ademamix } from './optimizers/ademamix.js';
import { adopt } from './optimizers/adopt.js';
import { cautiousAdamw } from './optimizers/cautious.js';
import { dadaptAdam } from './optimizers/dadapt-adam.js';
import { dog } from './optimizers/dog.js';
import { muon } from './optimizers/muon.js';
import { mars } from './optimizers/mars.js';
import { normuon } from './optimizers/normuon.js';
import { prodigy } from './optimizers/prodigy.js';
import { scheduleFreeAdamw, scheduleFreeSgd } from './optimizers/schedule-free.js';
import { adabelief } from './optimizers/adabelief.js';
import { adan } from './optimizers/adan.js';
import { yogi } from './optimizers/yogi.js';
import { novograd } from './optimizers/novograd.js';
import { rprop } from './optimizers/rprop.js';
import { sm3 } from './optimizers/sm3.js';
import { fromage } from './optimizers/fromage.js';
import { signSgd } from './optimizers/sign-sgd.js';
import { signum } from './optimizers/signum.js';
import { noisySgd } from './optimizers/noisy-sgd.js';
import { polyakSgd } from './optimizers/polyak-sgd.js';
import { optimisticGradientDescent } from './optimizers/optimistic-gradient-descent.js';
import { optimisticAdam } from './optimizers/optimistic-adam.js';
import { adamaxw } from './optimizers/adamaxw.js';
import { nadamw } from './optimizers/nadamw.js';
import { ftrl } from './optimizers/ftrl.js';
import { asgd } from './optimizers/asgd.js';
import { hasOptimizer, registerOptimizer, type OptimizerFactory } from './plugins/registry.js';
import type { ScalarOrSchedule } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: transforms with different state types compose; the state type is erased here
type Named = (lr: ScalarOrSchedule, options?: any) => ReturnType<OptimizerFactory>;

/** The built-in optimizers: name, function, one line. */
export const BUILT_IN_OPTIMIZERS = [
  ['sgd', sgd, 'stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay'],
  ['adagrad', adagrad, 'AdaGrad: per-coordinate steps scaled by the root of the summed squared gradients (Duchi et al. 2011)'],
  ['adadelta', adadelta, 'AdaDelta: unit-corrected running averages of squared gradients and updates (Zeiler 2012)'],
  ['rmsprop', rmsprop, 'RMSProp, optionally centered and with momentum (Tieleman and Hinton 2012)'],
  ['adam', adam, 'Adam with bias correction (Kingma and Ba 2015)'],
  ['nadam', nadam, 'Adam with Nesterov momentum (Dozat 2016)'],
  ['amsgrad', amsgrad, 'AMSGrad: Adam with a non-decreasing second moment (Reddi et al. 2018)'],
  ['adamw', adamw, 'AdamW: Adam with decoupled weight decay (Loshchilov and Hutter 2019)'],
  ['adamax', adamax, 'AdaMax: Adam with the infinity norm (Kingma and Ba 2015)'],
  ['radam', radam, 'RAdam: Adam with a rectified warm-up of the adaptive rate (Liu et al. 2020)'],
  ['lion', lion, 'Lion: the sign of an interpolated momentum (Chen et al. 2023)'],
  ['lamb', lamb, 'LAMB: Adam with layer-wise trust ratios for large batches (You et al. 2020)'],
  ['lars', lars, 'LARS: momentum SGD with layer-wise trust ratios (You et al. 2017)'],
  ['adafactor', adafactor, 'Adafactor: factored second moments, sublinear memory (Shazeer and Stern 2018)'],

  ['adabelief', adabelief, 'AdaBelief: Adam with the belief (g − m)² as its second moment (Zhuang et al. 2020)'],
  ['adan', adan, 'Adan: adaptive Nesterov momentum from gradient differences (Xie et al. 2022)'],
  ['yogi', yogi, 'Yogi: Adam with an additive, sign-controlled second moment (Zaheer et al. 2018)'],
  ['novograd', novograd, 'NovoGrad: momentum over layer-wise normalized gradients (Ginsburg et al. 2019)'],
  ['rprop', rprop, 'Rprop: per-coordinate step sizes adapted by sign changes (Riedmiller and Braun 1993)'],
  ['sm3', sm3, 'SM3: AdaGrad with sublinear memory, per-axis accumulators (Anil et al. 2019)'],
  ['fromage', fromage, 'Fromage: layer steps relative to the layer norm (Bernstein et al. 2020)'],
  ['signSgd', signSgd, 'signSGD: steps along the sign of the gradient (Bernstein et al. 2018)'],
  ['signum', signum, 'Signum: signSGD on a momentum (Bernstein et al. 2018)'],
  ['noisySgd', noisySgd, 'noisy SGD: SGD with annealed Gaussian gradient noise (Neelakantan et al. 2015)'],
  ['polyakSgd', polyakSgd, "SGD with Polyak's step size, from the objective's value (Loizou et al. 2021)"],
  [
    'optimisticGradientDescent',
    optimisticGradientDescent,
    'optimistic gradient descent: extrapolation with the last gradient (Daskalakis et al. 2018)',
  ],
  ['optimisticAdam', optimisticAdam, "optimistic Adam: the extrapolation on Adam's direction (Daskalakis et al. 2018)"],
  ['adamaxw', adamaxw, 'AdaMaxW: AdaMax with decoupled weight decay'],
  ['nadamw', nadamw, 'NAdamW: NAdam with decoupled weight decay'],
  ['ftrl', ftrl, 'FTRL-Proximal: follow the regularized leader, L1 gives exact zeros (McMahan et al. 2013)'],
  ['asgd', asgd, 'ASGD: SGD with a decaying rate and an average of the iterates (Polyak and Juditsky 1992)'],

  // catalogue: classics (optax aliases, torch.optim) above this line

  ['muon', muon, 'Muon: momentum orthogonalized by Newton–Schulz on matrices, Adam on the rest (Jordan et al. 2024)'],
  ['schedulefree-sgd', scheduleFreeSgd, 'schedule-free SGD: online averaging instead of a schedule (Defazio et al. 2024)'],
  ['schedulefree-adamw', scheduleFreeAdamw, 'schedule-free AdamW: online averaging instead of a schedule (Defazio et al. 2024)'],
  [
    'prodigy',
    prodigy,
    'Prodigy: Adam with the learning rate estimated as the distance to the solution; lr 1 (Mishchenko and Defazio 2024)',
  ],
  ['adopt', adopt, 'ADOPT: second moment of past gradients, momentum after normalization (Taniguchi et al. 2024)'],
  ['ademamix', ademamix, 'AdEMAMix: AdamW with a slow second momentum (Pagliardini et al. 2024)'],
  ['cautious-adamw', cautiousAdamw, 'C-AdamW: the Adam step masked where its sign disagrees with the gradient (Liang et al. 2024)'],
  [
    'dadapt-adam',
    dadaptAdam,
    'D-Adaptation Adam: the step size from a lower bound on the distance to the solution; lr 1 (Defazio and Mishchenko 2023)',
  ],
  ['dog', dog, 'DoG: SGD with step size distance over gradients; lr 1 (Ivgi et al. 2023)'],
  ['mars', mars, 'MARS: AdamW (or Lion) on a variance-reduced, clipped gradient; AdamW for vectors (Yuan et al. 2024)'],
  ['normuon', normuon, 'NorMuon: Muon with per-neuron normalization of the orthogonalized update (Li et al. 2025)'],
  ['mechanic', mechanic, "Mechanic: AdamW's steps scaled by a learning-rate tuner learnt online; lr 1 (Cutkosky et al. 2023)"],
  // catalogue: methods of the last years above this line

  ['sophia', sophia, 'Sophia: momentum clipped by a Hessian-diagonal EMA; the estimate is an input (Liu et al. 2024)'],
  ['adahessian', adahessian, 'AdaHessian: Adam over squared Hessian-diagonal estimates; the estimate is an input (Yao et al. 2021)'],
  [
    'shampoo',
    shampoo,
    'Shampoo: Kronecker-factored preconditioning by inverse roots of row and column statistics, blocked (Gupta et al. 2018)',
  ],
  ['soap', soap, "SOAP: Adam in the eigenbasis of Shampoo's preconditioner, refreshed every 10 steps (Vyas et al. 2024)"],
  // catalogue: second order, wrappers, line search above this line
] as const satisfies readonly (readonly [string, Named, string])[];

/** The name of a built-in optimizer (`'adam'`, `'lamb'`, ...): tables keyed by it fail to compile when one is missing. */
export type BuiltInName = (typeof BUILT_IN_OPTIMIZERS)[number][0];

/**
 * The built-in optimizers that need a callback from the training loop, and the option that takes
 * it: a Hessian-diagonal estimate (Sophia, AdaHessian), the objective's value (Polyak's step).
 * Registered with them, so `listOptimizers()` reports it (`callback`).
 *
 * @example
 * ```ts
 * import { BUILT_IN_CALLBACKS } from '@downhill/optimizers/register';
 * BUILT_IN_CALLBACKS.sophia; // 'hessianEstimate'
 * ```
 */
export const BUILT_IN_CALLBACKS: Partial<Record<BuiltInName, string>> = {
  sophia: 'hessianEstimate',
  adahessian: 'hessianEstimate',
  polyakSgd: 'value',
};

for (const [name, fn, description] of BUILT_IN_OPTIMIZERS) {
  const callback = BUILT_IN_CALLBACKS[name];
  if (!hasOptimizer(name))
    registerOptimizer(name, ({ lr, ...options }) => fn(lr, options), { description, ...(callback !== undefined ? { callback } : {}) });
}
