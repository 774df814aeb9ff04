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
 *
 * And what splitting one product into blocks costs in work: the MLP's 128 × 784 × 256 product run
 * whole and in 2, 4 and 8 blocks of columns one after another on the calling thread (each block
 * packs all of A again), against `GEMM_MIN_BLOCK`.
 */
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { step, adam } from '@downhill/optimizers';
import { ELEMENTWISE_MIN_PER_THREAD } from '../../packages/backend-cpu/src/elementwise-wasm.js';
import { GEMM_MIN_BLOCK, GEMM_MIN_MACS } from '../../packages/backend-cpu/src/matmul-wasm.js';
import { PROGRAM_MIN_PER_THREAD } from '../../packages/backend-cpu/src/run-program.js';
import { REDUCE_MIN_PER_THREAD } from '../../packages/backend-cpu/src/threads/reduce-split.js';
import { FN, KERNELS, getPool, split } from '../../packages/backend-cpu/src/threads/parallel.js';
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
const rowsX = one.tensor(randomF32(n, 8), [n / 256, 256]);
const reduceNs = (timeIt(() => one.dispose(one.reduce('sum', rowsX, -1)), 200) * 1e6) / n;
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
  ['reduce (sum of rows), elements', reduceNs, REDUCE_MIN_PER_THREAD, 'REDUCE_MIN_PER_THREAD'],
];
console.log(`two-thread job of two empty chunks: ${(jobMs * 1e3).toFixed(1)} µs (median)`);
console.log('kernel | ns per unit, one thread | break-even share | threshold in the code');
for (const [name, ns, min, constant] of rows)
  console.log(`${name} | ${ns.toFixed(3)} | ${Math.round((jobMs * 1e6) / ns)} | ${min} (${constant})`);

// a product split into blocks of columns, the blocks run one after another on this thread
{
  const e = rt.exports;
  const [M, K, N] = [128, 784, 256];
  const [ap, bp, cp] = [e.allocUninit(M * K * 4), e.allocUninit(K * N * 4), e.allocUninit(M * N * 4)];
  rt.viewF32(ap, M * K).set(randomF32(M * K, 6));
  rt.viewF32(bp, K * N).set(randomF32(K * N, 7));
  const sc = e.allocUninit(e.gemmScratchBytes(K, N));
  const cells: string[] = [];
  let whole = 0;
  for (const blocks of [1, 2, 4, 8]) {
    const bounds = split(N, blocks, 8);
    const ms = Math.min(
      ...[0, 1, 2].map(() =>
        timeIt(() => {
          for (let t = 0; t < blocks; t++)
            e.gemmF32Part(ap, K, 1, bp + bounds[t] * 4, N, 1, cp + bounds[t] * 4, N, M, K, bounds[t + 1] - bounds[t], sc);
        }, 100),
      ),
    );
    if (blocks === 1) whole = ms;
    cells.push(`${blocks} blocks of ${N / blocks} columns: ${ms.toFixed(3)} ms (${((ms / whole - 1) * 100).toFixed(1)}% more work)`);
  }
  for (const p of [ap, bp, cp, sc]) e.free(p);
  console.log(`matmul ${M}×${K}×${N} on one thread: ${cells.join('; ')}; blocks at least ${GEMM_MIN_BLOCK} wide (GEMM_MIN_BLOCK)`);
}
await (await import('@downhill/backend-cpu')).terminateCpuThreads();
