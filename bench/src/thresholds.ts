/**
 * Where backend-cpu's kernels start splitting across threads: run by hand,
 * `node --conditions=source --import tsx bench/src/thresholds.ts`, prints a table.
 *
 * A chunk handed to a worker pays a fixed cost (waking or catching the worker, claiming the chunk,
 * the caller waiting for the last chunk in progress); below the size where a kernel spends that
 * long on its own share, splitting loses. This measures the cost of a two-thread job of two empty
 * chunks (median of many, workers warm) and each kernel's single-thread time per unit of work
 * (an element, a multiply-add), and prints the break-even share, `cost / time per unit`, next to
 * the threshold the code uses (`*_MIN_*` constants: a kernel splits only where every thread gets
 * at least that much).
 */
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { step, adam } from '@downhill/optimizers';
import { ELEMENTWISE_MIN_PER_THREAD } from '../../packages/backend-cpu/src/elementwise-wasm.js';
import { GEMM_MIN_MACS } from '../../packages/backend-cpu/src/matmul-wasm.js';
import { PROGRAM_MIN_PER_THREAD } from '../../packages/backend-cpu/src/run-program.js';
import { FN, KERNELS, getPool } from '../../packages/backend-cpu/src/threads/parallel.js';
import { getRuntime } from '../../packages/backend-cpu/src/wasm/runtime.js';
import { median, randomF32 } from './util.js';

function timeIt(f: () => void, reps: number): number {
  for (let i = 0; i < Math.min(20, reps); i++) f();
  const s: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    s.push(performance.now() - t);
  }
  return median(s);
}

const one = cpu({ threads: 1 });
const two = cpu({ threads: 2 });
await cpuThreadsReady(2);
void two;
const pool = getPool();
const rt = getRuntime();
if (!pool || !rt) throw new Error('no thread pool here');

// the fixed cost of a job: two chunks of 16 elements each
const buf = rt.allocF32(1 << 16)!;
const p = rt.ptrOf(buf);
const jobMs = timeIt(() => {
  pool.begin(2);
  pool.call(KERNELS, FN.binary, 0, p, 1, p, 1, p + 4096, 16);
  pool.call(KERNELS, FN.binary, 0, p, 1, p, 1, p + 8192, 16);
  pool.run('probe');
}, 2000);

// single-thread time per unit
const n = 1 << 18;
const a = one.tensor(randomF32(n, 1), [n]);
const b = one.tensor(randomF32(n, 2), [n]);
const addNs = (timeIt(() => one.dispose(one.add(a, b)), 200) * 1e6) / n;
const m = 256;
const x = one.tensor(randomF32(m * m, 3), [m, m]);
const gemmNs = (timeIt(() => one.dispose(one.matmul(x, x)), 50) * 1e6) / m ** 3;
const tx = adam(1e-3);
let params = { w: one.tensor(randomF32(n, 4), [n]) };
const grads = { w: one.tensor(randomF32(n, 5, 1e-2), [n]) };
let state = tx.init(params);
const adamNs =
  (timeIt(() => {
    const r = step(tx, params, grads, state, { inPlace: true });
    params = r.params as typeof params;
    state = r.state;
  }, 200) *
    1e6) /
  n;

const rows: [string, number, number, string][] = [
  ['elementwise (add), elements', addNs, ELEMENTWISE_MIN_PER_THREAD, 'ELEMENTWISE_MIN_PER_THREAD'],
  ['matmul, multiply-adds', gemmNs, GEMM_MIN_MACS, 'GEMM_MIN_MACS'],
  ['program (Adam), elements', adamNs, PROGRAM_MIN_PER_THREAD, 'PROGRAM_MIN_PER_THREAD'],
];
console.log(`two-thread job of two empty chunks: ${(jobMs * 1e3).toFixed(1)} µs (median)`);
console.log('kernel | ns per unit, one thread | break-even share | threshold in the code');
for (const [name, ns, min, constant] of rows)
  console.log(`${name} | ${ns.toFixed(3)} | ${Math.round((jobMs * 1e6) / ns)} | ${min} (${constant})`);
await (await import('@downhill/backend-cpu')).terminateCpuThreads();
