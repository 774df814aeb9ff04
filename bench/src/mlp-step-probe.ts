/**
 * Standalone probe (not part of `pnpm bench`): the MLP 784-256-10 training step (batch 128, Adam)
 * of `mlp-problem.ts` on backend-cpu with `T` threads (default 1). Prints, over blocks of 50 steps,
 * the least CPU time (every thread of the process) and the least wall time per step, the best
 * single step, and the split kernels' busy times per step ({@link cpuThreadTimes}). With `PROF` set
 * to a file name, writes a CPU profile of the calling thread (`.cpuprofile`) over the timed steps.
 *
 *   T=2 N=1000 node --conditions=source --import tsx bench/src/mlp-step-probe.ts
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpu, cpuThreadTimes, cpuThreadsReady } from '@downhill/backend-cpu';
import { downhillTrainer } from './mlp-problem.js';

const threads = Number(process.env.T ?? 1);
const b = cpu({ threads });
await cpuThreadsReady(threads);
// time inside matmul, to tell the GEMMs from the rest of the step
let inMatmul = 0;
const matmul = b.matmul.bind(b);
b.matmul = (...args: Parameters<typeof b.matmul>) => {
  const s = performance.now();
  try {
    return matmul(...args);
  } finally {
    inMatmul += performance.now() - s;
  }
};
const t = await downhillTrainer(b);
for (let i = 0; i < 200; i++) t.step();
const N = Number(process.env.N ?? 1000);
const BLOCK = 50;
let session: Session | undefined;
if (process.env.PROF) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
}
let best = Infinity;
let restBest = Infinity;
const rests: number[] = [];
let cpuMin = Infinity;
let wallMin = Infinity;
const b0 = cpuThreadTimes();
for (let k = 0; k < N / BLOCK; k++) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < BLOCK; i++) {
    const s = performance.now();
    const m = inMatmul;
    t.step();
    const dt = performance.now() - s;
    best = Math.min(best, dt);
    rests.push(dt - (inMatmul - m));
    restBest = Math.min(restBest, dt - (inMatmul - m));
  }
  const c = process.cpuUsage(c0);
  wallMin = Math.min(wallMin, (performance.now() - w0) / BLOCK);
  cpuMin = Math.min(cpuMin, (c.user + c.system) / 1000 / BLOCK);
}
const b1 = cpuThreadTimes();
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROF ?? 'mlp-step.cpuprofile', JSON.stringify(profile));
}
const per = (x: number) => (x / N).toFixed(3);
const workers = b1.workersMs.reduce((s, w, i) => s + w - (b0.workersMs[i] ?? 0), 0);
console.log(
  `threads ${threads}: per step (ms) cpu ${cpuMin.toFixed(3)}, wall ${wallMin.toFixed(3)} (least of ${N / BLOCK} blocks of ${BLOCK}), best step ${best.toFixed(3)}, outside matmul: best ${restBest.toFixed(3)}, median ${rests.sort((x, y) => x - y)[rests.length >> 1].toFixed(3)}; split jobs: wall ${per(b1.wallMs - b0.wallMs)}, caller busy ${per(b1.callerMs - b0.callerMs)}, waiting ${per(b1.waitMs - b0.waitMs)}, workers busy ${per(workers)}`,
);
