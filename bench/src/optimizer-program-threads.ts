/**
 * Standalone probe (not part of `pnpm bench`), for `PROGRAM_MIN_PER_THREAD` in
 * `packages/backend-cpu/src/run-program.ts`: one Adam step (`step(..., { inPlace: true })`, the
 * cached update program) over one float32 tensor of n elements, on a backend of `threads`
 * threads whose threshold is set to `min` (`setProgramMinPerThread`; 1024 splits at every n
 * measured); prints per n the minimum wall time and the minimum CPU time (all threads, workers'
 * spinning included) per step. Run once with 1 thread and once with 2, alternately: splitting
 * pays where the two-thread wall time is lower without spending much more CPU time.
 *
 *   node --conditions=source --import tsx bench/src/optimizer-program-threads.ts [rounds] [reps] [threads] [min]
 */
import type { Tensor } from '@downhill/backend';
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { adam, step, type OptState } from '@downhill/optimizers';
import { setProgramMinPerThread } from '../../packages/backend-cpu/src/run-program.js';
import { randomF32 } from './util.js';

const rounds = Number(process.argv[2] ?? 5);
const reps = Number(process.argv[3] ?? 200);
const threads = Number(process.argv[4] ?? 2);
const b = cpu({ threads });
await cpuThreadsReady(threads);
setProgramMinPerThread(Number(process.argv[5] ?? 1024));

type Run = (k: number) => void;
function runner(b: ReturnType<typeof cpu>, n: number): Run {
  const tx = adam(1e-3);
  let p: Record<string, Tensor> = { w: b.tensor(randomF32(n, 1), [n]) };
  const g = { w: b.tensor(randomF32(n, 2, 1e-2), [n]) };
  let s: OptState = tx.init(p);
  return (k) => {
    for (let i = 0; i < k; i++) {
      const r = step(tx, p, g, s, { inPlace: true });
      p = r.params;
      s = r.state;
    }
  };
}

console.log(`n | ${threads} thread(s): wall µs, cpu µs`);
for (const n of [4096, 8192, 16384, 32768, 65536, 100000, 262144, 1000000]) {
  const runs = [runner(b, n)];
  const best = runs.map(() => ({ wall: Infinity, cpu: Infinity }));
  const k = Math.max(10, Math.round(reps * Math.min(1, 1e5 / n)));
  for (const r of runs) r(20);
  for (let round = 0; round < rounds; round++) {
    runs.forEach((r, i) => {
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      r(k);
      const wall = ((performance.now() - t0) * 1e3) / k;
      const u = process.cpuUsage(u0);
      best[i].wall = Math.min(best[i].wall, wall);
      best[i].cpu = Math.min(best[i].cpu, (u.user + u.system) / k);
    });
  }
  const f = (v: number) => v.toFixed(1).padStart(8);
  console.log(`${String(n).padStart(8)} | ${f(best[0].wall)} ${f(best[0].cpu)}`);
}
process.exit(0);
