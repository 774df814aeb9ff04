// Every wrapper around a real optimizer through the conformance kit (on backend-cpu): convergence,
// no mutation, bitwise save/load, stable state, non-finite gradients, flat memory, bad input.
import { cpu } from '@downhill/backend-cpu';
import { chain } from '../chain.js';
import { adam } from '../optimizers/adam.js';
import { describeOptimizerConformance } from '../testing/conformance.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { applyIfFinite } from './apply-if-finite.js';
import { flushSubnormals } from './flush-subnormals.js';
import { lookahead } from './lookahead.js';
import { masked } from './masked.js';
import { multiSteps } from './multi-steps.js';
import { multiTransform } from './multi-transform.js';
import { paramsEma } from './params-ema.js';

const backends = [{ name: 'cpu', create: () => cpu() }];

describeOptimizerConformance('masked weight decay', ({ lr }) => chain(adam(lr), masked(addDecayedWeights(1e-4), 'layer.*')), { backends });
describeOptimizerConformance(
  'multiTransform',
  ({ lr }) => multiTransform({ w: adam(lr), rest: adam((lr as number) / 2) }, { w: ['**.w', 'x'] }, { default: 'rest' }),
  {
    backends,
    quadratic: { steps: 300 },
    rosenbrock: { steps: 2000 },
  },
);
describeOptimizerConformance('multiSteps(adam, 2)', ({ lr }) => multiSteps(adam(lr), 2), {
  backends,
  quadratic: { steps: 400 },
  rosenbrock: { steps: 2000 },
});
describeOptimizerConformance('applyIfFinite(adam)', ({ lr }) => applyIfFinite(adam(lr)), { backends });
describeOptimizerConformance('lookahead(adam)', ({ lr }) => lookahead(adam(lr), { syncPeriod: 5, slowStepSize: 0.5 }), {
  backends,
  quadratic: { steps: 300 },
  rosenbrock: { steps: 2000 },
});
describeOptimizerConformance('chain(adam, paramsEma)', ({ lr }) => chain(adam(lr), paramsEma(0.9)), { backends });
describeOptimizerConformance('flushSubnormals(adam)', ({ lr }) => flushSubnormals(adam(lr)), { backends });
