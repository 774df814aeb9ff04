/**
 * Per-kernel time of the MLP 784-256-10 training step (batch 128, Adam) on one thread and on the
 * default threads: `node --conditions=source --import tsx bench/src/threads-ops.ts` wraps every
 * kernel of `CpuKernels`, runs the two trainers' steps in alternation and prints, per kernel call
 * of a step (in order, with its shapes), the minimum wall time over the runs on each thread count
 * and their ratio. Minima, since the machine may be shared: the kernels that do not gain are those
 * that stay on the calling thread (under the split thresholds) or split badly.
 */
import { CpuKernels, cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { downhillTrainer } from './mlp-problem.js';
import { existingPool } from '../../packages/backend-cpu/src/threads/parallel.js';

const proto = CpuKernels.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
let log: { name: string; ms: number; w?: number }[] = [];
const wsum = new Map<number, number>();
const describe = (a: unknown): string =>
  a && typeof a === 'object' && 'shape' in (a as object)
    ? `[${(a as Tensor).shape.join(',')}]`
    : typeof a === 'string'
      ? a
      : Array.isArray(a)
        ? ''
        : '';
for (const key of Object.getOwnPropertyNames(proto)) {
  if (key === 'constructor' || key === 'threads' || key === 'release' || key === 'reshape') continue;
  const d = Object.getOwnPropertyDescriptor(proto, key);
  if (!d || typeof d.value !== 'function') continue;
  const f = d.value as (...a: unknown[]) => unknown;
  proto[key] = function (this: unknown, ...args: unknown[]) {
    const w0 = existingPool()?.workerChunks() ?? 0;
    const t = performance.now();
    const r = f.apply(this, args);
    const ms = performance.now() - t;
    const w = (existingPool()?.workerChunks() ?? 0) - w0;
    log.push({ name: `${key} ${args.map(describe).filter(Boolean).join(' ')}`, ms, w });
    return r;
  };
}

const one = cpu({ threads: 1 });
const many = cpu();
const info = await cpuThreadsReady();
const [t1, tN] = [await downhillTrainer(one), await downhillTrainer(many)];
const reps = Number(process.env.REPS ?? 200);
let min1: { name: string; ms: number }[] = [];
let minN: { name: string; ms: number }[] = [];
const stepMin = [Infinity, Infinity];
const fold = (acc: { name: string; ms: number }[], cur: { name: string; ms: number }[]) =>
  acc.length === 0 ? cur : acc.map((e, i) => ({ name: e.name, ms: Math.min(e.ms, cur[i].ms) }));
for (let i = 0; i < reps; i++) {
  log = [];
  let t = performance.now();
  t1.step();
  stepMin[0] = Math.min(stepMin[0], performance.now() - t);
  if (i >= 20) min1 = fold(min1, log);
  log = [];
  t = performance.now();
  tN.step();
  stepMin[1] = Math.min(stepMin[1], performance.now() - t);
  if (i >= 20) {
    minN = fold(minN, log);
    log.forEach((e, j) => wsum.set(j, (wsum.get(j) ?? 0) + (e.w ?? 0)));
  }
}
let s1 = 0;
let sN = 0;
for (let i = 0; i < min1.length; i++) {
  s1 += min1[i].ms;
  sN += minN[i].ms;
  console.log(
    `${min1[i].ms.toFixed(3).padStart(7)} ${minN[i].ms.toFixed(3).padStart(7)} ${(min1[i].ms / minN[i].ms).toFixed(2).padStart(5)}× ${((wsum.get(i) ?? 0) / (reps - 20)).toFixed(2).padStart(5)}w  ${min1[i].name}`,
  );
}
console.log(
  `sum of kernel minima: ${s1.toFixed(3)} vs ${sN.toFixed(3)} (${info.threads} threads); step minima ${stepMin[0].toFixed(3)} vs ${stepMin[1].toFixed(3)}`,
);
