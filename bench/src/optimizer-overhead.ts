/**
 * Standalone probe (not part of `pnpm bench`): CPU time per optimizer step for Adam on one float32
 * tensor of 1e5 and 1e6 elements, on the 6 tensors of an MLP 784-512-256-10 and on one tensor of
 * the same size, with `step(..., { inPlace: true })` on backend-cpu. CPU time (process.cpuUsage,
 * all threads) is steadier than wall time on a shared machine; each case runs `rounds` times
 * interleaved and the minimum per-step time is reported, with the fastest single step (the least
 * disturbed by other processes).
 *
 *   node --conditions=source --import tsx bench/src/optimizer-overhead.ts [rounds] [steps]
 */
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import * as o from '@downhill/optimizers';
import { MLP_SHAPES, randomParamsAndGrads, totalSize } from './optimizer-trees.js';

const rounds = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 200);
const only = process.argv[4];
const b = cpu();
await cpuThreadsReady();

type Case = { name: string; run: (k: number) => void; min: number };
function adamCase(name: string, shapes: readonly (readonly number[])[], make = () => o.adam(1e-3)): Case {
  const tx = make();
  let { params, grads } = randomParamsAndGrads(b, shapes);
  let state = tx.init(params);
  const c: Case = {
    name,
    min: Infinity,
    run: (k) => {
      for (let i = 0; i < k; i++) {
        const t0 = performance.now();
        const r = o.step(tx, params, grads, state, { inPlace: true });
        params = r.params as typeof params;
        state = r.state;
        c.min = Math.min(c.min, performance.now() - t0);
      }
    },
  };
  return c;
}
const total = totalSize(MLP_SHAPES);
let cases: Case[] = [
  adamCase('adam 1e2', [[100]]),
  adamCase('adam 1e5', [[1e5]]),
  adamCase('adam 1e6', [[1e6]]),
  adamCase('adam mlp', MLP_SHAPES),
  adamCase('adam flat', [[total]]),
];
if (only) cases = cases.filter((c) => c.name.includes(only));
for (const c of cases) {
  c.run(30);
  c.min = Infinity;
}
const best = new Map<string, { cpu: number; wall: number }>();
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    c.run(steps);
    const wall = ((performance.now() - t0) * 1e3) / steps;
    const u = process.cpuUsage(u0);
    const cpuUs = (u.user + u.system) / steps;
    const prev = best.get(c.name);
    best.set(c.name, { cpu: Math.min(prev?.cpu ?? Infinity, cpuUs), wall: Math.min(prev?.wall ?? Infinity, wall) });
  }
}
for (const c of cases) {
  const v = best.get(c.name)!;
  console.log(
    `${c.name.padEnd(10)} cpu ${v.cpu.toFixed(1).padStart(8)} µs/step   wall ${v.wall.toFixed(1).padStart(8)} µs/step   fastest step ${(c.min * 1e3).toFixed(1).padStart(8)} µs`,
  );
}
process.exit(0);
