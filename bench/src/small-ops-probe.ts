/**
 * Standalone probe (not part of `pnpm bench`): the small kernels of the MLP 784-256-10 step (bias
 * add, ReLU's comparison and `where`, the bias gradient, the log-softmax pieces over 128 × 10) one
 * at a time on backend-cpu: the least wall time of one call and the CPU time per call (garbage
 * collection included) over 1000 calls.
 *
 *   T=1 node --conditions=source --import tsx bench/src/small-ops-probe.ts
 */
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { randomF32 } from './util.js';

const b = cpu({ threads: Number(process.env.T ?? 1) });
await cpuThreadsReady();
const x = b.tensor(randomF32(128 * 256, 1), [128, 256]);
const g = b.tensor(randomF32(128 * 256, 2), [128, 256]);
const bias = b.tensor(randomF32(256, 3), [256]);
const l = b.tensor(randomF32(1280, 4), [128, 10]);
const m = b.tensor(randomF32(128, 5), [128, 1]);
const cases: [string, () => unknown][] = [
  ['add [128,256]+[256]', () => b.add(x, bias)],
  ['add [128,256]+[128,256]', () => b.add(x, g)],
  ['greater [128,256]>0', () => b.compare('greater', x, 0)],
  [
    'where mask,x,0',
    (() => {
      const c = b.compare('greater', x, 0);
      return () => b.where(c, g, 0);
    })(),
  ],
  ['sum [128,256] axis 0', () => b.reduce('sum', x, 0)],
  ['sub [128,10]-[128,1]', () => b.sub(l, m)],
  ['exp [128,10]', () => b.unary('exp', l)],
  ['mul [128,10]', () => b.mul(l, l)],
  ['sum [128,10] axis -1 keep', () => b.reduce('sum', l, -1, true)],
];
for (let round = 0; round < 3; round++)
  for (const [name, f] of cases) {
    let best = Infinity;
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const r = f();
      const dt = performance.now() - t0;
      b.dispose(r as never);
      best = Math.min(best, dt);
    }
    const c0 = process.cpuUsage();
    for (let i = 0; i < 1000; i++) b.dispose(f() as never);
    const c = process.cpuUsage(c0);
    if (round === 2)
      console.log(
        `${name.padEnd(28)} best ${(best * 1000).toFixed(1).padStart(6)} us  cpu ${((c.user + c.system) / 1000).toFixed(1).padStart(6)} us/op`,
      );
  }
