/**
 * Where the time of backend-cpu's split kernels goes: `node --conditions=source --import tsx
 * bench/src/threads-busy.ts` runs the 1024³ float32 matmul and the MLP 784-256-10 training step
 * (batch 128, Adam) on one thread and on the default threads, in turn, and prints per run the wall
 * time, the process's CPU time (every thread) and, for the split kernels, the calling thread's and
 * each worker's time in chunks ({@link cpuThreadTimes}). Where the busy times add up to about the
 * one-thread time but the wall time is well over half of it, the threads did not run at the same
 * time (a loaded machine, wake-up latency); where the CPU time grows, the split itself costs.
 */
import { cpu, cpuThreadTimes, cpuThreadsReady } from '@downhill/backend-cpu';
import { downhillTrainer } from './mlp-problem.js';
import { median, randomF32 } from './util.js';

interface Sample {
  wall: number;
  cpu: number;
  caller: number;
  wait: number;
  workers: number;
  jobWall: number;
}

function measure(f: () => void): Sample {
  const b0 = cpuThreadTimes();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const b1 = cpuThreadTimes();
  const workers = b1.workersMs.reduce((s, w, i) => s + w - (b0.workersMs[i] ?? 0), 0);
  return {
    wall,
    cpu: (c.user + c.system) / 1000,
    caller: b1.callerMs - b0.callerMs,
    wait: b1.waitMs - b0.waitMs,
    workers,
    jobWall: b1.wallMs - b0.wallMs,
  };
}

function report(name: string, runs: Sample[]): void {
  const m = (k: keyof Sample) => median(runs.map((r) => r[k])).toFixed(2);
  const lo = (k: keyof Sample) => Math.min(...runs.map((r) => r[k])).toFixed(2);
  console.log(
    `${name.padEnd(22)} wall ${m('wall')} [${lo('wall')}]  cpu ${m('cpu')} [${lo('cpu')}]  split jobs: wall ${m('jobWall')}, caller busy ${m('caller')}, caller waiting ${m('wait')}, workers busy ${m('workers')} (ms, median [min] of ${runs.length})`,
  );
}

async function main(): Promise<void> {
  const one = cpu({ threads: 1 });
  const many = cpu();
  const info = await cpuThreadsReady();
  console.log(
    `threads: ${info.threads} (cores ${info.cores}); load average ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const reps = Number(process.env.REPS ?? 15);

  const n = 1024;
  const mk = (b: typeof one) => [b.tensor(randomF32(n * n, 1), [n, n]), b.tensor(randomF32(n * n, 2), [n, n])] as const;
  const [a1, b1] = mk(one);
  const [aN, bN] = mk(many);
  const mm: Sample[][] = [[], []];
  for (let i = 0; i < reps + 2; i++) {
    const s1 = measure(() => one.dispose(one.matmul(a1, b1)));
    const sN = measure(() => many.dispose(many.matmul(aN, bN)));
    if (i >= 2) mm[0].push(s1), mm[1].push(sN);
  }
  report('matmul 1024³, 1 thread', mm[0]);
  report(`matmul 1024³, ${info.threads} thr.`, mm[1]);

  const [t1, tN] = [await downhillTrainer(one), await downhillTrainer(many)];
  const mlp: Sample[][] = [[], []];
  for (let i = 0; i < 10 * reps + 20; i++) {
    const s1 = measure(() => void t1.step());
    const sN = measure(() => void tN.step());
    if (i >= 20) mlp[0].push(s1), mlp[1].push(sN);
  }
  report('MLP step, 1 thread', mlp[0]);
  report(`MLP step, ${info.threads} threads`, mlp[1]);
}

await main();
