/**
 * Program: the cost and memory of every registered built-in optimizer, for docs/optimizers.md.
 * One fused, in-place step on the MNIST MLP's parameters (784→512→256→10, float32, backend-cpu),
 * timed against plain SGD in the same run (median of rounds, SGD re-measured between optimizers);
 * memory is the number of float state entries per parameter entry (host numbers not counted).
 *
 *   node --conditions=source --import tsx bench/src/optimizer-catalogue.ts [--steps 20]
 */
import { cpu } from '@downhill/backend-cpu';
import type { Params } from '@downhill/optimizers';
import { BUILT_IN_OPTIMIZERS } from '@downhill/optimizers/register';
import { createOptimizer, stateTensors, step } from '@downhill/optimizers';
import { syntheticHessianEstimate } from '@downhill/optimizers/testing';

const b = cpu();
const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 20;
const SHAPES: Record<string, number[]> = {
  'l1.w': [784, 512],
  'l1.b': [512],
  'l2.w': [512, 256],
  'l2.b': [256],
  'l3.w': [256, 10],
  'l3.b': [10],
};
const size = (s: number[]) => s.reduce((a, c) => a * c, 1);
const fill = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 0.05);
const tree = (k: number): Params => {
  const out: Record<string, Params> = {};
  for (const [name, s] of Object.entries(SHAPES)) {
    const [layer, leaf] = name.split('.');
    out[layer] ??= {};
    (out[layer] as Record<string, unknown>)[leaf] = b.tensor(fill(size(s), k), s, 'float32');
  }
  return out;
};
const paramCount = Object.values(SHAPES).reduce((a, s) => a + size(s), 0);
const EXTRA: Record<string, Record<string, unknown>> = {
  polyakSgd: { value: () => 1 },
  sophia: { hessianEstimate: syntheticHessianEstimate() },
  adahessian: { hessianEstimate: syntheticHessianEstimate() },
};

function time(name: string): { ms: number; slots: number } | string {
  let tx;
  try {
    tx = createOptimizer(name, { lr: 1e-3, ...(EXTRA[name] ?? {}) });
  } catch (e) {
    return `not made with { lr } alone: ${(e as Error).message.split('\n')[0]}`;
  }
  let params = tree(1);
  let state = tx.init(params);
  const grads = tree(2);
  const slots = stateTensors(state).reduce((a, t) => a + (t.dtype === 'int32' ? 0 : t.size), 0) / paramCount;
  const times: number[] = [];
  try {
    for (let i = 0; i < steps + 3; i++) {
      const t0 = performance.now();
      ({ params, state } = step(tx, params, grads, state, { inPlace: true }));
      b.readSync(stateTensors(params)[0]);
      if (i >= 3) times.push(performance.now() - t0);
    }
  } catch (e) {
    return `step failed: ${(e as Error).message.split('\n')[0]}`;
  }
  b.dispose([...stateTensors(params), ...stateTensors(state), ...stateTensors(grads)]);
  times.sort((x, y) => x - y);
  return { ms: times[times.length >> 1], slots };
}

const rows: string[] = [];
for (const [name] of BUILT_IN_OPTIMIZERS) {
  const sgd = time('sgd');
  const r = time(name);
  if (typeof r === 'string' || typeof sgd === 'string') rows.push(`| ${name} | — | — | ${typeof r === 'string' ? r : sgd} |`);
  else
    rows.push(`| ${name} | ${r.slots.toFixed(2)} | ${(r.ms / sgd.ms).toFixed(2)} | ${r.ms.toFixed(2)} ms (sgd ${sgd.ms.toFixed(2)} ms) |`);
  console.log(rows[rows.length - 1]);
}
console.log(`\n${paramCount} parameters, median of ${steps} steps, ${new Date().toISOString()}`);
