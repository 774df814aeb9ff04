// The optimizer conformance kit of @downhill/optimizers on backend-webgpu: the optimizers with WGSL
// fused updates (sgd with momentum, rmsprop, adam, adamw, and the methods of the last years below) converge on the kit's quadratic and
// Rosenbrock problems, leave inputs unmutated, round-trip their state, handle non-finite gradients
// and keep memory flat, here on the GPU. Without an adapter the kit skips with the reason printed;
// where DOWNHILL_REQUIRE_WEBGPU=1 (CI), a missing adapter fails instead.
import {
  adahessian,
  ademamix,
  adam,
  adamw,
  adopt,
  cautiousAdamw,
  dadaptAdam,
  dog,
  mars,
  mechanize,
  muon,
  normuon,
  prodigy,
  rmsprop,
  scheduleFreeAdamw,
  scheduleFreeSgd,
  sgd,
  shampoo,
  soap,
  sophia,
} from '@downhill/optimizers';
import { describeOptimizerConformance, syntheticHessianEstimate } from '@downhill/optimizers/testing';
import { NON_FINITE_SKIP_REASON, WEBGPU_KIT_BACKENDS } from './test-helpers.js';

const backends = WEBGPU_KIT_BACKENDS;
const skip = { 'non-finite': NON_FINITE_SKIP_REASON } as const;

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
// The methods of the last years (the same settings as their cpu suite in @downhill/optimizers):
// Muon's Newton–Schulz through tfjs matmul here, Prodigy's distance estimate as rank-0 tensors
// broadcast into the programs (no synchronous read-back on WebGPU).
const decaying = (lr: number, rate: number) => (t: number) => lr * rate ** t;
describeOptimizerConformance('muon', ({ lr }) => muon(decaying(lr as number, 0.99)), {
  backends,
  skip,
  quadratic: { lr: 0.1, steps: 300 },
  rosenbrock: { lr: 0.1, steps: 2000 },
});
describeOptimizerConformance('schedulefree-sgd', ({ lr }) => scheduleFreeSgd(lr), {
  backends,
  skip,
  quadratic: { lr: 0.2, steps: 300 },
  rosenbrock: { lr: 2e-3, steps: 3000, tolerance: 0.05 },
});
describeOptimizerConformance('schedulefree-adamw', ({ lr }) => scheduleFreeAdamw(lr), {
  backends,
  skip,
  quadratic: { lr: 0.2, steps: 400 },
  rosenbrock: { lr: 0.02, steps: 2000 },
});
// Prodigy takes a dozen small rank-0 operations per step for its estimate: 800 Rosenbrock steps (not 2000) keep it within the time limit on a software adapter.
describeOptimizerConformance('prodigy', ({ lr }) => prodigy(lr), {
  backends,
  skip,
  quadratic: { lr: 1, steps: 300 },
  rosenbrock: { lr: 1, steps: 800, tolerance: 0.01 },
});
describeOptimizerConformance('adopt', ({ lr }) => adopt(decaying(lr as number, 0.999), { b2: 0.99 }), {
  backends,
  skip,
  quadratic: { lr: 0.1, steps: 300 },
  rosenbrock: { lr: 0.1, steps: 2000 },
});
describeOptimizerConformance('ademamix', ({ lr }) => ademamix(decaying(lr as number, 0.999), { b3: 0.99 }), {
  backends,
  skip,
  quadratic: { lr: 0.1, steps: 300 },
  rosenbrock: { lr: 0.05, steps: 2000 },
});
describeOptimizerConformance('cautious-adamw', ({ lr }) => cautiousAdamw(lr), {
  backends,
  skip,
  quadratic: { lr: 0.1, steps: 300 },
  rosenbrock: { lr: 0.02, steps: 2000 },
});
// D-Adaptation and DoG keep their estimates as rank-0 tensors, like Prodigy: fewer Rosenbrock steps on a software adapter.
describeOptimizerConformance('dadapt-adam', ({ lr }) => dadaptAdam(lr), {
  backends,
  skip,
  quadratic: { lr: 1, steps: 300 },
  rosenbrock: { lr: 1, steps: 1000, tolerance: 0.05 },
});
describeOptimizerConformance('dog', ({ lr }) => dog(lr, { repsRel: 1e-3 }), {
  backends,
  skip,
  quadratic: { lr: 1, steps: 300 },
  rosenbrock: { lr: 1, steps: 2000, tolerance: 0.1 },
});
describeOptimizerConformance('mars', ({ lr }) => mars(lr), {
  backends,
  skip,
  quadratic: { lr: 0.1, steps: 300 },
  rosenbrock: { lr: 0.02, steps: 1000, tolerance: 0.05 },
});
// NorMuon: Muon's matmuls plus per-neuron means; the kit's Rosenbrock vector goes to the Adam fallback.
describeOptimizerConformance('normuon', ({ lr }) => normuon((t: number) => (lr as number) * 0.99 ** t), {
  backends,
  skip,
  quadratic: { lr: 0.1, steps: 300 },
  rosenbrock: { lr: 0.1, steps: 1000, tolerance: 0.05 },
});
// Mechanic: its tuner's vectors stay rank-1 tensors on the device; on Rosenbrock it does not settle (see optimizers.test.ts).
describeOptimizerConformance('mechanize(adam)', ({ lr }) => mechanize(adam(lr)), {
  backends,
  skip: {
    ...skip,
    rosenbrock: "Mechanic does not settle in Rosenbrock's valley within the kit's steps; checked with a looser bound on cpu",
  },
  quadratic: { lr: 0.1, steps: 300 },
});
// Shampoo: matmuls only (statistics, coupled Newton roots), so it runs here without host reads.
describeOptimizerConformance('shampoo', ({ lr }) => shampoo(lr, { blockSize: 4, newtonIterations: 25 }), {
  backends,
  skip: {
    ...skip,
    rosenbrock:
      "2000 steps of Newton inverse roots take minutes on a software adapter; Shampoo's Rosenbrock run is checked on cpu and tfjs-cpu",
  },
  quadratic: { lr: 0.5 },
});
// SOAP: without synchronous reads its bases come from orthogonal iteration on the device (no
// host eigendecomposition); the moments, the Adam ratio and the averages run fused between the matmuls.
describeOptimizerConformance(
  'soap',
  ({ lr }) => soap(lr, { b1: 0.9, b2: 0.999, weightDecay: 0, precondition1d: true, preconditionFrequency: 5 }),
  {
    backends,
    skip: {
      ...skip,
      rosenbrock:
        "thousands of steps of device Gram–Schmidt refreshes take minutes on a software adapter; SOAP's Rosenbrock run is checked on cpu and tfjs-cpu",
    },
    quadratic: { lr: 0.1, steps: 300 },
  },
);
