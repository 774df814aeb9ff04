/**
 * Standalone probe (not part of `pnpm bench`), for the owned ranges of split program runs
 * (`programChunks` in `packages/backend-cpu/src/run-program.ts`): the MLP 784-256-10 training step
 * (batch 128, Adam) on one thread (`ONES` one-thread backends, default 1) and on two threads with
 * each configuration in `CONFIGS` (default `0,1,1:0:1e9`: `owned:min:piece`, owned 0 for every
 * chunk claimed in turn and 1 for owned ranges, `setProgramOwnedRanges`; `min` the program
 * threshold, `setProgramMinPerThread`, 0 for its default; `piece` the least elements of a piece of
 * an owned range, `setProgramPieceMin`, 1e9 for one piece per range), in alternation, rounds of
 * ten steps each (the first of each round left out), and, with `N` set, one Adam step over one
 * float32 tensor of `N` elements the same way.
 * Prints the median step and the median time in `runProgram` per configuration, with the load
 * average before and after.
 *
 *   ROUNDS=40 CONFIGS=0,1,1:0:1e9 node --conditions=source --import tsx bench/src/program-owned-probe.ts
 */
import type { Tensor } from '@downhill/backend';
import { CpuKernels, cpu, cpuThreadTimes, cpuThreadsReady } from '@downhill/backend-cpu';
import { adam, step, type OptState } from '@downhill/optimizers';
import {
  PROGRAM_MIN_PER_THREAD,
  PROGRAM_PIECE_MIN,
  setProgramMinPerThread,
  setProgramOwnedRanges,
  setProgramPieceMin,
} from '../../packages/backend-cpu/src/run-program.js';
import { downhillTrainer } from './mlp-problem.js';
import { median, randomF32 } from './util.js';

let inProgram = 0;
/** Split jobs inside runProgram: wall, caller busy, caller waiting, workers busy (ms, summed). */
const jobs = [0, 0, 0, 0, 0];
const proto = CpuKernels.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const runProgram = proto.runProgram;
proto.runProgram = function (this: unknown, ...args: unknown[]) {
  const b0 = cpuThreadTimes();
  const t = performance.now();
  try {
    return runProgram.apply(this, args);
  } finally {
    inProgram += performance.now() - t;
    const b1 = cpuThreadTimes();
    jobs[0] += b1.jobs - b0.jobs;
    jobs[1] += b1.wallMs - b0.wallMs;
    jobs[2] += b1.callerMs - b0.callerMs;
    jobs[3] += b1.waitMs - b0.waitMs;
    jobs[4] += b1.workersMs.reduce((s, w, i) => s + w - (b0.workersMs[i] ?? 0), 0);
  }
};

await cpuThreadsReady(2);
const configsWanted = (process.env.CONFIGS ?? '0,1,1:0:1e9').split(',').map((x) => x.split(':').map(Number));
const rounds = Number(process.env.ROUNDS ?? 40);
const n = Number(process.env.N ?? 0);
const one = cpu({ threads: 1 });
const two = cpu({ threads: 2 });

function adamRunner(b: ReturnType<typeof cpu>, size: number): () => void {
  const tx = adam(1e-3);
  let p: Record<string, Tensor> = { w: b.tensor(randomF32(size, 1), [size]) };
  const g = { w: b.tensor(randomF32(size, 2, 1e-2), [size]) };
  let s: OptState = tx.init(p);
  return () => {
    const r = step(tx, p, g, s, { inPlace: true });
    p = r.params;
    s = r.state;
  };
}

interface Config {
  readonly name: string;
  readonly owned: boolean;
  readonly min: number;
  readonly piece: number;
  readonly step: () => void;
  readonly ms: number[];
  readonly prog: number[];
  readonly jobs: number[];
}
const configs: Config[] = [];
const mk = async (name: string, b: ReturnType<typeof cpu>, owned: boolean, min = PROGRAM_MIN_PER_THREAD, piece = PROGRAM_PIECE_MIN) => {
  const t = n > 0 ? { step: adamRunner(b, n) } : await downhillTrainer(b);
  configs.push({ name, owned, min, piece, step: () => t.step(), ms: [], prog: [], jobs: [0, 0, 0, 0, 0] });
};
for (let i = 0; i < Number(process.env.ONES ?? 1); i++) await mk(`1 thread (${i})`, i === 0 ? one : cpu({ threads: 1 }), false);
for (const [o, m, p] of configsWanted) {
  const name = `2 threads, ${o ? 'owned ranges' : 'plain chunks'}${m ? ` min ${m}` : ''}${p ? ` piece ${p}` : ''}`;
  await mk(name, two, o !== 0, m || undefined, p || undefined);
}
const load0 = (await import('node:os')).loadavg()[0];
for (let r = 0; r < rounds + 3; r++) {
  for (const c of configs) {
    setProgramOwnedRanges(c.owned);
    setProgramMinPerThread(c.min);
    setProgramPieceMin(c.piece);
    for (let i = 0; i < 10; i++) {
      const p0 = inProgram;
      const j0 = [...jobs];
      const t = performance.now();
      c.step();
      const dt = performance.now() - t;
      if (i > 0 && r >= 3) {
        c.ms.push(dt);
        c.prog.push(inProgram - p0);
        for (let k = 0; k < 5; k++) c.jobs[k] += jobs[k] - j0[k];
      }
    }
  }
}
for (const c of configs) {
  const [j, wall, caller, wait, workers] = c.jobs.map((x) => x / c.ms.length);
  console.log(
    `${c.name.padEnd(30)} step ${median(c.ms).toFixed(3)} ms, runProgram ${median(c.prog).toFixed(3)} ms; its split jobs per step ${j.toFixed(2)}: wall ${wall.toFixed(3)}, caller busy ${caller.toFixed(3)}, waiting ${wait.toFixed(3)}, workers busy ${workers.toFixed(3)}`,
  );
}
console.log(
  `${n > 0 ? `Adam over ${n}` : 'MLP step'}; load average ${load0.toFixed(2)} → ${(await import('node:os')).loadavg()[0].toFixed(2)}`,
);
process.exit(0);
