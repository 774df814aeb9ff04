// The optimizer conformance kit of @downhill/optimizers on backend-webgpu: the optimizers with WGSL
// fused updates (sgd with momentum, rmsprop, adam, adamw) converge on the kit's quadratic and
// Rosenbrock problems, leave inputs unmutated, round-trip their state, handle non-finite gradients
// and keep memory flat, here on the GPU. Without an adapter the kit skips with the reason printed;
// where DOWNHILL_REQUIRE_WEBGPU=1 (CI), a missing adapter fails instead.
import { adahessian, adam, adamw, rmsprop, sgd, sophia } from '@downhill/optimizers';
import { describeOptimizerConformance, syntheticHessianEstimate } from '@downhill/optimizers/testing';
import { webgpuForTests } from './test-helpers.js';

// applyIfFinite decides on the host whether a step is finite, which needs a synchronous read;
// WebGPU reads back asynchronously, so applyIfFinite refuses it with a typed error (tested by the
// kit's own suite on cpu). The rest of the non-finite behaviour is covered on cpu and tfjs-cpu.
const skip = { 'non-finite': 'applyIfFinite needs a backend with synchronous reads; WebGPU reads back asynchronously' } as const;

const backends = [
  {
    name: 'webgpu',
    create: async () => {
      const { backend, reason } = await webgpuForTests();
      if (!backend) throw new Error(reason);
      return backend;
    },
  },
];

describeOptimizerConformance('adam', ({ lr }) => adam(lr), { backends, skip });
describeOptimizerConformance('adamw', ({ lr }) => adamw(lr, { weightDecay: 1e-4 }), { backends, skip });
describeOptimizerConformance('rmsprop', ({ lr }) => rmsprop(lr), {
  backends,
  skip,
  quadratic: { lr: 0.05 },
  rosenbrock: { lr: 2e-3, steps: 2000, tolerance: 0.05 },
});
describeOptimizerConformance('sgd with momentum', ({ lr }) => sgd(lr, { momentum: 0.9 }), {
  backends,
  skip,
  quadratic: { lr: 0.05 },
  rosenbrock: { lr: 5e-4 },
});

// The second-order methods that take a Hessian-diagonal estimate, with the kit's stand-in estimate
// (settings as in @downhill/optimizers' second-order/conformance.test.ts).
describeOptimizerConformance(
  'sophia',
  ({ lr }) => sophia(lr, { hessianEstimate: syntheticHessianEstimate(), gamma: 50, b1: 0.9, weightDecay: 0 }),
  { backends, skip, quadratic: { lr: 5 }, rosenbrock: { lr: 0.5, steps: 2000 } },
);
describeOptimizerConformance('adahessian', ({ lr }) => adahessian(lr, { hessianEstimate: syntheticHessianEstimate() }), {
  backends,
  skip,
  quadratic: { lr: 0.1 },
  rosenbrock: { lr: 2e-3, steps: 3000 },
});
