// The optimizer conformance kit on the classics (optax's aliases and torch.optim: adabelief, adan,
// yogi, novograd, rprop, sm3, fromage, signSgd, signum, noisySgd, polyakSgd, optimistic gradient
// descent, optimistic Adam, adamaxw, nadamw, ftrl, asgd) on backend-webgpu, with the settings
// @downhill/optimizers runs on cpu and tfjs-cpu (one table, CLASSICS_CONFORMANCE): convergence,
// no mutation, state round trip, stable structure, flat memory, bad input, and fused (generated
// WGSL) against composed. Without an adapter the kit skips with the reason printed; where
// DOWNHILL_REQUIRE_WEBGPU=1 (CI), a missing adapter fails instead.
import { CLASSICS_CONFORMANCE, describeOptimizerConformance } from '@downhill/optimizers/testing';
import { webgpuForTests } from './test-helpers.js';

// applyIfFinite decides on the host whether a step is finite, which needs a synchronous read;
// WebGPU reads back asynchronously, so applyIfFinite refuses it with a typed error (tested by the
// kit's own suite on cpu). The rest of the non-finite behaviour is covered on cpu and tfjs-cpu.
const nonFinite = 'applyIfFinite needs a backend with synchronous reads; WebGPU reads back asynchronously';

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

for (const [name, make, options] of CLASSICS_CONFORMANCE) {
  describeOptimizerConformance(name, ({ lr }) => make(Number(lr)), {
    ...options,
    backends,
    skip: { ...options.skip, 'non-finite': nonFinite },
  });
}
