/**
 * Standalone probe (not part of `pnpm bench`): the MLP 784-256-10 training step (batch 128, Adam) on
 * one thread and on two, in alternating rounds of ten steps for `S` ms (default 6000), with
 * `HOG=1` beside a busy process of its own (a child spinning on one core, as another user's job
 * would): prints the median step of each, their ratio, and how many kernels per step the
 * two-thread trainer split (about 6 when it splits every large kernel; fewer where the pool backed
 * off, `src/threads/efficiency.ts` of backend-cpu).
 *
 *   HOG=1 node --conditions=source --import tsx bench/src/threads-contention.ts
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { existingPool } from '../../packages/backend-cpu/src/threads/parallel.js';
import { downhillTrainer } from './mlp-problem.js';
import { median } from './util.js';

await cpuThreadsReady(2);
const trainers = [await downhillTrainer(cpu({ threads: 1 })), await downhillTrainer(cpu({ threads: 2 }))];
const pool = existingPool();
if (!pool) throw new Error('no worker threads here');
for (let i = 0; i < 50; i++) for (const t of trainers) t.step();
const hog = process.env.HOG ? spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }) : undefined;
try {
  if (hog) await new Promise((r) => setTimeout(r, 200));
  const load = loadavg()[0];
  const steps: [number[], number[]] = [[], []];
  let jobs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < Number(process.env.S ?? 6000)) {
    for (let m = 0; m < 2; m++) {
      const j0 = pool.jobs;
      for (let i = 0; i < 10; i++) {
        const s = performance.now();
        trainers[m].step();
        steps[m].push(performance.now() - s);
      }
      if (m === 1) jobs += pool.jobs - j0;
    }
  }
  const [one, two] = [median(steps[0]), median(steps[1])];
  console.log(
    `${hog ? 'beside a busy process' : 'alone'}: median step 1 thread ${one.toFixed(3)} ms, 2 threads ${two.toFixed(3)} ms (${(one / two).toFixed(2)}×); kernels split per step ${(jobs / steps[1].length).toFixed(2)}; load average ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
  );
} finally {
  hog?.kill();
}
process.exit(0);
