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
import { ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { adam, step, type OptState } from '@downhill/optimizers';
import type { Tensor } from '@downhill/backend';
import { randomF32 } from './util.js';

const [IN, HIDDEN, OUT, BATCH] = [8, 16, 10, 4];
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
type P = { l1: { w: Tensor; b: Tensor }; l2: { w: Tensor; b: Tensor } };
let params: P = {
  l1: { w: b.tensor(randomF32(IN * HIDDEN, 1, 0.3), [IN, HIDDEN]), b: b.zeros([HIDDEN]) },
  l2: { w: b.tensor(randomF32(HIDDEN * OUT, 2, 0.3), [HIDDEN, OUT]), b: b.zeros([OUT]) },
};
const x = b.tensor(randomF32(BATCH * IN, 3), [BATCH, IN]);
const y = b.tensor(
  Int32Array.from({ length: BATCH }, (_, i) => i % OUT),
  [BATCH],
  'int32',
);
const lossFn = (p: P, xs: TensorLike, ys: TensorLike): TensorLike => {
  const h = ops.relu(ops.add(ops.matmul(xs, p.l1.w), p.l1.b));
  const logits = ops.add(ops.matmul(h, p.l2.w), p.l2.b);
  const logp = ops.logSoftmax(logits);
  return ops.neg(ops.mean(ops.sum(ops.mul(logp, ops.oneHot(ys, OUT, { dtype: 'float32' })), -1)));
};
const lossAndGrad = valueAndGrad(lossFn);
const tx = adam(1e-3);
let state: OptState = tx.init(params);
let last: Tensor | undefined;
const one = () => {
  const [loss, grads] = lossAndGrad(params, x, y);
  const r = step(tx, params, grads, state, { inPlace: true });
  params = r.params as P;
  state = r.state;
  b.dispose(grads);
  last?.dispose();
  last = loss as Tensor;
};
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
