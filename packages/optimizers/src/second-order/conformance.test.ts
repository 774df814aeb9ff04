// The optimizer conformance kit on the second-order methods, on cpu and tfjs-cpu (webgpu: in
// @downhill/backend-webgpu's optimizers.test.ts). Sophia and AdaHessian take a stand-in Hessian
// estimate (1 + θ², deterministic; the kit's problems are not known to the factory), so their
// rates here are those of a preconditioned gradient descent, not of a Newton-like method.
import { describeOptimizerConformance, syntheticHessianEstimate } from '../testing/index.js';
import { adahessian } from './adahessian.js';
import { shampoo } from './shampoo.js';
import { soap } from './soap.js';
import { sophia } from './sophia.js';

describeOptimizerConformance(
  'sophia',
  ({ lr }) => sophia(lr, { hessianEstimate: syntheticHessianEstimate(), gamma: 50, b1: 0.9, weightDecay: 0 }),
  { quadratic: { lr: 5 }, rosenbrock: { lr: 0.5, steps: 2000 } },
);
describeOptimizerConformance('adahessian', ({ lr }) => adahessian(lr, { hessianEstimate: syntheticHessianEstimate() }), {
  quadratic: { lr: 0.1 },
  rosenbrock: { lr: 2e-3, steps: 3000 },
});
describeOptimizerConformance('shampoo', ({ lr }) => shampoo(lr, { blockSize: 4 }), {
  quadratic: { lr: 0.5 },
  rosenbrock: { lr: 1, steps: 2000 },
});
// SOAP on the kit's problems: its matrices rotate into their eigenbases (host eigendecomposition
// and QR: cpu and tfjs-cpu read synchronously; webgpu does not, see soap.ts).
describeOptimizerConformance('soap', ({ lr }) => soap(lr, { b1: 0.9, b2: 0.999, weightDecay: 0, preconditionFrequency: 2 }), {
  quadratic: { lr: 0.05 },
  rosenbrock: { lr: 0.02, steps: 3000 },
});
