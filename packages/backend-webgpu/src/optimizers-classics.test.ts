// The optimizer conformance kit on the classics (optax's aliases and torch.optim: adabelief, adan,
// yogi, novograd, rprop, sm3, fromage, signSgd, signum, noisySgd, polyakSgd, optimistic gradient
// descent, optimistic Adam, adamaxw, nadamw, ftrl, asgd) on backend-webgpu, with the settings
// @downhill/optimizers runs on cpu and tfjs-cpu (one table, CLASSICS_CONFORMANCE): convergence,
// no mutation, state round trip, stable structure, flat memory, bad input, and fused (generated
// WGSL) against composed. Without an adapter the kit skips with the reason printed; where
// DOWNHILL_REQUIRE_WEBGPU=1 (CI), a missing adapter fails instead.
import { CLASSICS_CONFORMANCE, describeOptimizerConformance } from '@downhill/optimizers/testing';
import { NON_FINITE_SKIP_REASON, WEBGPU_KIT_BACKENDS } from './test-helpers.js';

const backends = WEBGPU_KIT_BACKENDS;
const nonFinite = NON_FINITE_SKIP_REASON;

for (const [name, make, options] of CLASSICS_CONFORMANCE) {
  describeOptimizerConformance(name, ({ lr }) => make(Number(lr)), {
    ...options,
    backends,
    skip: { ...options.skip, 'non-finite': nonFinite },
  });
}
