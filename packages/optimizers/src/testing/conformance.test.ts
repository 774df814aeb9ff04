// The kit run on built-in optimizers, on every backend available: it passes for good ones.
// checks.test.ts shows that each check fails for an optimizer that breaks its promise.
import { adam } from '../optimizers/adam.js';
import { sgd } from '../optimizers/sgd.js';
import { describeOptimizerConformance } from './conformance.js';

describeOptimizerConformance('adam', ({ lr }) => adam(lr));
describeOptimizerConformance('sgd with momentum', ({ lr, ...rest }) => sgd(lr, rest), {
  options: { momentum: 0.9 },
  quadratic: { lr: 0.05 },
  rosenbrock: { lr: 5e-4 },
});
