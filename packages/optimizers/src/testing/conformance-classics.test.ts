// The conformance kit on the classics (optax's aliases and torch.optim), on every default backend
// (cpu, and tfjs-cpu where installed); backend-webgpu runs the same table on WebGPU
// (its optimizers-classics.test.ts). The settings per optimizer are in classics-conformance.ts.
import { CLASSICS_CONFORMANCE } from './classics-conformance.js';
import { describeOptimizerConformance } from './conformance.js';

for (const [name, make, options] of CLASSICS_CONFORMANCE) describeOptimizerConformance(name, ({ lr }) => make(lr as number), options);
