/**
 * Side effect: registers the built-in named optimizers with the optimizer registry of
 * `@downhill/optimizers`, so `createOptimizer(name, { lr, ...options })` and
 * `new Optimizer({ name, lr, ... }, params)` can make them by name. Importing this module does
 * that and nothing else; it is listed in `sideEffects` of the package. Each name is registered
 * once: a second import (or a name already taken by a plugin) is left alone.
 *
 * Registered: `sgd`, `adagrad`, `adadelta`, `rmsprop`, `adam`, `nadam`, `amsgrad`, `adamw`,
 * `adamax`, `radam`, `lion`, `lamb`, `lars`, `adafactor`. Each factory takes `{ lr, ...options }`
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
import { sophia } from './second-order/sophia.js';
import { ademamix } from './optimizers/ademamix.js';
import { adopt } from './optimizers/adopt.js';
import { muon } from './optimizers/muon.js';
import { prodigy } from './optimizers/prodigy.js';
import { scheduleFreeAdamw, scheduleFreeSgd } from './optimizers/schedule-free.js';
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
  // catalogue: methods of the last years above this line

  ['sophia', sophia, 'Sophia: momentum clipped by a Hessian-diagonal EMA; the estimate is an input (Liu et al. 2024)'],
  ['adahessian', adahessian, 'AdaHessian: Adam over squared Hessian-diagonal estimates; the estimate is an input (Yao et al. 2021)'],
  // catalogue: second order, wrappers, line search above this line
] as const satisfies readonly (readonly [string, Named, string])[];

/** The name of a built-in optimizer (`'adam'`, `'lamb'`, ...): tables keyed by it fail to compile when one is missing. */
export type BuiltInName = (typeof BUILT_IN_OPTIMIZERS)[number][0];

for (const [name, fn, description] of BUILT_IN_OPTIMIZERS) {
  if (!hasOptimizer(name)) registerOptimizer(name, ({ lr, ...options }) => fn(lr, options), { description });
}
