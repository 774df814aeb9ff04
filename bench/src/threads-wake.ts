/**
 * What waking a worker costs, and how far apart a training step's split kernels come:
 * `node --conditions=source --import tsx bench/src/threads-wake.ts` prints, for a two-thread job
 * whose only chunk runs on the worker (`run(…, false)`), the round trip from the caller's notify to
 * its seeing the chunk done, after idle gaps of 0 to 3000 µs (a gap longer than the worker's spin,
 * `WORKER_SPIN_MS`, means a blocked worker to wake); then the gaps between the split jobs of the
 * MLP 784-256-10 training step (batch 128, Adam) on two threads, per kernel. Together they size the
 * spin: longer than the step's gaps, so the workers stay awake through training.
 */
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { FN, KERNELS, getPool } from '../../packages/backend-cpu/src/threads/parallel.js';
import { ThreadPool } from '../../packages/backend-cpu/src/threads/pool.js';
import { getRuntime } from '../../packages/backend-cpu/src/wasm/runtime.js';
import { downhillTrainer } from './mlp-problem.js';

const backend = cpu({ threads: 2 });
await cpuThreadsReady(2);
const pool = getPool();
const rt = getRuntime();
if (!pool || !rt) throw new Error('no thread pool here');
const buf = rt.allocF32(1 << 16);
if (!buf) throw new Error('no heap block');
const p = rt.ptrOf(buf);
const q = (s: number[], f: number) => (s[Math.min(s.length - 1, Math.floor(s.length * f))] * 1000).toFixed(1);
for (const gapUs of [0, 50, 100, 200, 400, 1000, 3000]) {
  const s: number[] = [];
  for (let i = 0; i < 300; i++) {
    const e = performance.now() + gapUs / 1000;
    while (performance.now() < e);
    const t = performance.now();
    pool.begin(2);
    pool.call(KERNELS, FN.binary, 0, p, 1, p, 1, p + 4096, 16);
    pool.run('probe', false);
    s.push(performance.now() - t);
  }
  s.sort((a, b) => a - b);
  console.log(`after ${gapUs} µs idle: round trip min ${q(s, 0)} µs, median ${q(s, 0.5)}, p90 ${q(s, 0.9)}`);
}

const proto = ThreadPool.prototype as unknown as { run: (...a: unknown[]) => void };
const run = proto.run;
let lastEnd = 0;
const gaps = new Map<string, number[]>();
proto.run = function (this: unknown, ...a: unknown[]) {
  const t = performance.now();
  if (lastEnd) {
    const k = String(a[0]);
    (gaps.get(k) ?? gaps.set(k, []).get(k))?.push(t - lastEnd);
  }
  run.apply(this, a);
  lastEnd = performance.now();
};
const trainer = await downhillTrainer(backend);
for (let i = 0; i < 100; i++) trainer.step();
gaps.clear();
for (let i = 0; i < 300; i++) trainer.step();
for (const [k, v] of gaps) {
  v.sort((a, b) => a - b);
  console.log(`MLP step, gap before each split ${k} (µs): min ${q(v, 0)}, median ${q(v, 0.5)}, p90 ${q(v, 0.9)} (${v.length} jobs)`);
}
