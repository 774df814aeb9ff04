/**
 * Per-kernel time of the MLP 784-256-10 training step (batch 128, Adam) on one thread and on the
 * default threads: `node --conditions=source --import tsx bench/src/threads-ops.ts` wraps every
 * kernel of `CpuKernels`, runs the two trainers in alternation, in rounds of ten steps each (as a
 * training loop runs them: the workers are awake from the step before, while a round of one-thread
 * steps lets them block, so the first step of each round is left out), and prints, per kernel call
 * of a step (in order, with its shapes), the median wall time on each thread count, their ratio,
 * and on the threads the split jobs' busy time (the calling thread's and the workers' time in
 * chunks, per call: above the one-thread time, splitting itself costs), how many calls split and
 * the share of those a worker took part in (the rest ran every chunk on the calling thread). Both
 * trainers first warm up for `STEADY_WARMUP_MS` (`util.ts`). `ALL=1` lists the calls
 * under 4 µs too; `ROUNDS` (default 60) sets the rounds. Medians, since the machine may be shared
 * (`uptime` before and after): a kernel whose ratio stays under 1 loses by splitting.
 */
import type { Tensor } from '@downhill/backend';
import { CpuKernels, cpu, cpuThreadTimes, cpuThreadsReady } from '@downhill/backend-cpu';
import { downhillTrainer } from './mlp-problem.js';
import { median, warmUp } from './util.js';

interface Call {
  readonly name: string;
  /** Wall times per configuration (one thread, the default threads), ms. */
  readonly ms: [number[], number[]];
  /** Busy time in chunks, summed over the calls on the default threads, ms. */
  busy: number;
  /** Calls on the default threads that split (some thread ran chunks), and those a worker joined. */
  split: number;
  joined: number;
}

const calls: Call[] = [];
/** 0: the one-thread trainer runs; 1: the default threads'. */
let config: 0 | 1 = 0;
/** Index of the next kernel call in the step. */
let at = 0;
let timing = false;

const describe = (a: unknown): string =>
  a && typeof a === 'object' && 'shape' in (a as object) ? `[${(a as Tensor).shape.join(',')}]` : typeof a === 'string' ? a : '';
const proto = CpuKernels.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const key of Object.getOwnPropertyNames(proto)) {
  if (key === 'constructor' || key === 'threads' || key === 'release' || key === 'reshape') continue;
  const d = Object.getOwnPropertyDescriptor(proto, key);
  if (!d || typeof d.value !== 'function') continue;
  const f = d.value as (...a: unknown[]) => unknown;
  proto[key] = function (this: unknown, ...args: unknown[]) {
    if (!timing) return f.apply(this, args);
    const b0 = cpuThreadTimes();
    const t = performance.now();
    const r = f.apply(this, args);
    const ms = performance.now() - t;
    const b1 = cpuThreadTimes();
    const c = (calls[at++] ??= {
      name: `${key} ${args.map(describe).filter(Boolean).join(' ')}`,
      ms: [[], []],
      busy: 0,
      split: 0,
      joined: 0,
    });
    c.ms[config].push(ms);
    if (config === 1 && b1.jobs > b0.jobs) {
      const workers = b1.workersMs.reduce((s, w, i) => s + w - (b0.workersMs[i] ?? 0), 0);
      c.busy += b1.callerMs - b0.callerMs + workers;
      c.split++;
      if (workers > 0) c.joined++;
    }
    return r;
  };
}

const info = await cpuThreadsReady();
const trainers = [await downhillTrainer(cpu({ threads: 1 })), await downhillTrainer(cpu())];
await warmUp(() => {
  for (const t of trainers) t.step();
});
const rounds = Number(process.env.ROUNDS ?? 60);
const steps: [number[], number[]] = [[], []];
const load = (await import('node:os')).loadavg()[0];
for (let r = 0; r < rounds; r++) {
  for (config = 0; config < 2; config++) {
    for (let i = 0; i < 10; i++) {
      at = 0;
      timing = i > 0;
      const t = performance.now();
      trainers[config].step();
      if (timing) steps[config].push(performance.now() - t);
    }
  }
}
timing = false;
let sums = [0, 0];
for (const c of calls) {
  const [a, b] = [median(c.ms[0]), median(c.ms[1])];
  sums = [sums[0] + a, sums[1] + b];
  if (!process.env.ALL && a < 0.004 && b < 0.004) continue;
  const busy = c.busy / c.ms[1].length;
  const split = c.split > 0 ? `busy ${busy.toFixed(3)}, split ${c.split}, a worker joined ${((100 * c.joined) / c.split).toFixed(0)}%` : '';
  console.log(`${a.toFixed(3).padStart(7)} ${b.toFixed(3).padStart(7)} ${(a / b).toFixed(2).padStart(5)}× ${split.padEnd(44)}  ${c.name}`);
}
const [s1, sN] = [median(steps[0]), median(steps[1])];
console.log(
  `kernel medians summed: ${sums[0].toFixed(3)} vs ${sums[1].toFixed(3)} ms; step medians ${s1.toFixed(3)} vs ${sN.toFixed(3)} ms (${info.threads} threads): ${(s1 / sN).toFixed(2)}×; load average ${load.toFixed(2)} → ${(await import('node:os')).loadavg()[0].toFixed(2)}`,
);
