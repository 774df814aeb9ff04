// The conformance settings of the classics, shared by this package's suite (cpu, tfjs-cpu) and
// backend-webgpu's (WebGPU).
import { adabelief } from '../optimizers/adabelief.js';
import { adam } from '../optimizers/adam.js';
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
import type { GradientTransformation } from '../types.js';
import type { ConformanceOptions } from './conformance.js';

/** Why `bad-input` is skipped for rules without per-parameter state. */
const STATELESS =
  'the state holds no per-parameter entries (a step count at most), so the state of other parameters is a valid state; mismatched gradients are covered by step.test.ts';

const decaying = (lr: number, rate: number) => (t: number) => lr * rate ** t;

/**
 * The classics (optax's aliases and torch.optim) for the conformance kit: each one's name, its
 * factory from the kit's `lr`, and the kit settings it passes with (the rate and step count each
 * rule needs: sign methods and SGD variants take smaller, decaying steps). One table for every
 * backend: this package runs it on cpu and tfjs-cpu, backend-webgpu on WebGPU.
 *
 * @example
 * ```ts
 * for (const [name, make, options] of CLASSICS_CONFORMANCE) describeOptimizerConformance(name, ({ lr }) => make(Number(lr)), options);
 * ```
 */
export const CLASSICS_CONFORMANCE: readonly (readonly [string, (lr: number) => GradientTransformation<any>, ConformanceOptions])[] = [
  ['adabelief', (lr) => adabelief(lr), { rosenbrock: { lr: 0.02, steps: 2000 } }],
  ['adan', (lr) => adan(lr), { quadratic: { lr: 0.1, steps: 400 }, rosenbrock: { lr: 0.02, steps: 2000 } }],
  ['yogi', (lr) => yogi(lr), { rosenbrock: { lr: 0.02, steps: 2000, tolerance: 0.05 } }],
  [
    'novograd',
    (lr) => novograd(decaying(lr, 0.99)),
    { quadratic: { lr: 0.1, steps: 400 }, rosenbrock: { lr: 2e-3, steps: 3000, tolerance: 3 } },
  ],
  ['rprop', (lr) => rprop(lr), { quadratic: { lr: 0.01 }, rosenbrock: { lr: 0.01, steps: 3000 } }],
  ['sm3', (lr) => sm3(lr), { quadratic: { lr: 0.5, steps: 400 }, rosenbrock: { lr: 0.1, steps: 3000, tolerance: 1.5 } }],
  [
    'fromage',
    (lr) => fromage(decaying(lr, 0.99)),
    {
      rosenbrock: { lr: 0.05, steps: 3000, tolerance: 6 },
      skip: {
        quadratic: "the kit's quadratic starts its matrix at zero, where Fromage's steps (a fraction of the parameter's norm) vanish",
        'bad-input': STATELESS,
      },
    },
  ],
  [
    'signSgd',
    (lr) => signSgd(decaying(lr, 0.99)),
    { quadratic: { lr: 0.1, steps: 400 }, rosenbrock: { lr: 3e-3, steps: 3000, tolerance: 8 }, skip: { 'bad-input': STATELESS } },
  ],
  [
    'signum',
    (lr) => signum(decaying(lr, 0.99)),
    { quadratic: { lr: 0.1, steps: 400 }, rosenbrock: { lr: 0.01, steps: 3000, tolerance: 6 } },
  ],
  [
    'noisySgd',
    (lr) => noisySgd(lr, { eta: 1e-6 }),
    { quadratic: { lr: 0.1 }, rosenbrock: { lr: 2e-3, steps: 3000, tolerance: 0.05 }, skip: { 'bad-input': STATELESS } },
  ],
  [
    'polyakSgd',
    (lr) => polyakSgd(lr, { value: () => 1 }),
    {
      skip: {
        quadratic:
          "Polyak's step needs the objective's value, which the kit does not pass to a factory; optimizers.test.ts converges with it",
        rosenbrock:
          "Polyak's step needs the objective's value, which the kit does not pass to a factory; optimizers.test.ts converges with it",
        'bad-input': STATELESS,
      },
    },
  ],
  [
    'optimisticGradientDescent',
    (lr) => optimisticGradientDescent(lr),
    { quadratic: { lr: 0.05 }, rosenbrock: { lr: 1e-3, steps: 3000, tolerance: 0.5 } },
  ],
  ['optimisticAdam', (lr) => optimisticAdam(lr), { rosenbrock: { lr: 0.02, steps: 2000, tolerance: 0.05 } }],
  ['adamaxw', (lr) => adamaxw(lr), { rosenbrock: { lr: 0.02, steps: 2000, tolerance: 1.5 } }],
  ['nadamw', (lr) => nadamw(lr, { momentumDecay: 4e-3 }), { rosenbrock: { lr: 0.02, steps: 2000 } }],
  ['ftrl', (lr) => ftrl(lr), { quadratic: { lr: 1 }, rosenbrock: { lr: 0.5, steps: 3000, tolerance: 0.1 } }],
  ['asgd', (lr) => asgd(lr, { t0: 100 }), { quadratic: { lr: 0.1 }, rosenbrock: { lr: 2e-3, steps: 3000, tolerance: 0.05 } }],
  ['adam with Keras eps', (lr) => adam(lr, { epsPlacement: 'keras' }), {}],
];
