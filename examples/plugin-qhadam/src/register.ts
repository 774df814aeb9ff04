/**
 * Side effect: registers `qhadam` with the optimizer registry of `@downhill/optimizers`, so
 * `createOptimizer('qhadam', { lr, b1, b2, nu1, nu2, eps })` makes it. A second import does nothing.
 *
 * @example
 * ```ts
 * import 'downhill-example-plugin-qhadam/register';
 * const tx = createOptimizer('qhadam', { lr: 1e-3 });
 * ```
 */
import { InvalidArgumentError } from '@downhill/backend';
import { checkScalarOrSchedule, hasOptimizer, registerOptimizer, type ScalarOrSchedule } from '@downhill/optimizers';
import { qhadam } from './qhadam.js';

const OPTIONS = ['b1', 'b2', 'nu1', 'nu2', 'eps'] as const;
const isOption = (key: string): key is (typeof OPTIONS)[number] => OPTIONS.some((o) => o === key);

if (!hasOptimizer('qhadam')) {
  registerOptimizer(
    'qhadam',
    ({ lr, ...rest }) => {
      // The registry hands over untyped options: check each name and value, no cast.
      const options: Partial<Record<(typeof OPTIONS)[number], ScalarOrSchedule>> = {};
      for (const [key, value] of Object.entries(rest)) {
        if (!isOption(key)) throw new InvalidArgumentError(`qhadam: unknown option '${key}'; expected one of lr, ${OPTIONS.join(', ')}`);
        options[key] = checkScalarOrSchedule('qhadam', key, value);
      }
      return qhadam(lr, options);
    },
    { description: 'QHAdam: Adam with quasi-hyperbolic averages of moment and gradient (Ma and Yarats 2019)' },
  );
}
