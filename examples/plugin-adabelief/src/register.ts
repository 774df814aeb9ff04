/**
 * Side effect: registers `adabelief` with the optimizer registry of `@downhill/optimizers`, so
 * `createOptimizer('adabelief', { lr, b1, b2, eps })` makes it. A second import does nothing.
 *
 * @example
 * ```ts
 * import 'downhill-example-plugin-adabelief/register';
 * const tx = createOptimizer('adabelief', { lr: 1e-3 });
 * ```
 */
import { hasOptimizer, registerOptimizer } from '@downhill/optimizers';
import { adabelief, type AdaBeliefOptions } from './adabelief.js';

if (!hasOptimizer('adabelief')) {
  registerOptimizer('adabelief', ({ lr, ...options }) => adabelief(lr, options as AdaBeliefOptions), {
    description: 'AdaBelief: Adam with the belief in the gradient as its second moment (Zhuang et al. 2020)',
  });
}
