/**
 * Standalone probe (not part of `pnpm bench`): what the forward product's reads of a layer's
 * kernel on the other core cost the optimizer's update of that kernel. One in-place Adam step over
 * the first layer's kernel (784 × 256 float32, the gradient fixed) on backend-cpu's default
 * threads, each step after one of three things, in alternating rounds:
 *
 * - `forward reads W1`: the forward product `x · W1` (batch 128), just before the update writes
 *   W1 in contiguous ranges per thread. On two threads the product splits over its shared axis,
 *   so each core reads the half of W1's rows that its own update range holds; with
 *   `GEMM_SPLIT=columns` it splits by columns as it did before (`setGemmSharedSplit`), so each
 *   core reads half of every row;
 * - `forward reads other`: the same product on another array of the same shape;
 * - `no product`.
 *
 * Prints the median and least time of the Adam step after each. Where the first is well above the
 * second, the cost is the cores' caches sharing W1's lines (the update's writes must take lines
 * the other core read), not the update's own work. Run with `DOWNHILL_CPU_THREADS=1` for the
 * one-thread control (the three should then agree).
 *
 *   node --conditions=source --import tsx bench/src/program-sharing-probe.ts
 */
import type { Tensor } from '@downhill/backend';
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { adam, step, type OptState } from '@downhill/optimizers';
import { BATCH, HIDDEN, IN } from './mlp-problem.js';
import { setGemmSharedSplit } from '../../packages/backend-cpu/src/matmul-wasm.js';
import { median, randomF32 } from './util.js';

if (process.env.GEMM_SPLIT === 'columns') setGemmSharedSplit(false);

const ROUNDS = Number(process.env.ROUNDS ?? 400);
const b = cpu();
const { threads } = await cpuThreadsReady();
const x = b.tensor(randomF32(BATCH * IN, 3), [BATCH, IN]);
let params: Record<string, Tensor> = { w: b.tensor(randomF32(IN * HIDDEN, 1, 0.05), [IN, HIDDEN]) };
const grads = { w: b.tensor(randomF32(IN * HIDDEN, 2, 1e-2), [IN, HIDDEN]) };
const other = b.tensor(randomF32(IN * HIDDEN, 4, 0.05), [IN, HIDDEN]);
const tx = adam(1e-3);
let state: OptState = tx.init(params);
const update = () => {
  const r = step(tx, params, grads, state, { inPlace: true });
  params = r.params as typeof params;
  state = r.state;
};
const before: Record<string, () => void> = {
  'forward reads W1': () => b.dispose(b.matmul(x, params.w)),
  'forward reads other': () => b.dispose(b.matmul(x, other)),
  'no product': () => {},
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(before).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, pre] of Object.entries(before)) {
    for (let k = 0; k < 5; k++) {
      pre();
      const t = performance.now();
      update();
      const dt = performance.now() - t;
      if (round >= ROUNDS / 8) times[name].push(dt);
    }
  }
}
console.log(
  `${threads} thread(s), ${ROUNDS} rounds of 5 steps each${process.env.GEMM_SPLIT === 'columns' ? ', products split by columns' : ''}`,
);
for (const [name, xs] of Object.entries(times))
  console.log(`${name.padEnd(20)} Adam step median ${median(xs).toFixed(4)} ms, least ${Math.min(...xs).toFixed(4)} ms`);
await import('@downhill/backend-cpu').then((m) => m.terminateCpuThreads());
