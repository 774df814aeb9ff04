/**
 * Standalone probe (not part of `pnpm bench`): the fixed cost of a training step, apart from the
 * kernels' arithmetic. The MLP of `mlp-problem.ts` (ReLU, log-softmax cross-entropy, Adam) on tiny
 * shapes (8-16-10, batch 4) so that every kernel is a few elements: what is left is the JavaScript
 * of autograd, the checked backend, the optimizer and the kernels' dispatch. Prints the least CPU
 * and wall time per step over blocks of 200 steps, and the backend calls per step.
 *
 *   node --conditions=source --import tsx bench/src/mlp-overhead-probe.ts
 */
import { cpu } from '@downhill/backend-cpu';
import { downhillTrainer } from './mlp-problem.js';

const b = cpu({ threads: 1 });
let calls = 0;
const proto = Object.getPrototypeOf(b) as Record<string, unknown>;
for (const name of [
  'unary',
  'binary',
  'compare',
  'where',
  'cast',
  'reduce',
  'reshape',
  'broadcastTo',
  'matmul',
  'runProgram',
  'tensor',
  'full',
]) {
  const f = proto[name] as (...a: unknown[]) => unknown;
  (b as unknown as Record<string, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
    calls++;
    return f.apply(this, a);
  };
}
const trainer = await downhillTrainer(b, { inputs: 8, hidden: 16, classes: 10, batch: 4 });
const one = trainer.step;
for (let i = 0; i < 500; i++) one();
const BLOCK = 200;
let cpuMin = Infinity;
let wallMin = Infinity;
calls = 0;
const blocks = Number(process.env.BLOCKS ?? 20);
for (let k = 0; k < blocks; k++) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < BLOCK; i++) one();
  wallMin = Math.min(wallMin, (performance.now() - w0) / BLOCK);
  const c = process.cpuUsage(c0);
  cpuMin = Math.min(cpuMin, (c.user + c.system) / 1000 / BLOCK);
}
console.log(
  `tiny MLP step: cpu ${(cpuMin * 1000).toFixed(1)} µs, wall ${(wallMin * 1000).toFixed(1)} µs (least of ${blocks} blocks of ${BLOCK}); ${(calls / (blocks * BLOCK)).toFixed(1)} backend calls per step; live tensors ${b.memory().tensors}`,
);
