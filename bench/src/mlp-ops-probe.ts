/**
 * Standalone probe (not part of `pnpm bench`): every backend call of the MLP 784-256-10 training
 * step (batch 128, Adam) of `mlp-problem.ts` on backend-cpu with `T` threads, by op and operand
 * shapes, with the time per step and the least time of one call, most expensive first: where the
 * step's time goes outside JavaScript's own work.
 *
 *   T=2 node --conditions=source --import tsx bench/src/mlp-ops-probe.ts
 */
import { cpu, cpuThreadsReady } from '@downhill/backend-cpu';
import { downhillTrainer } from './mlp-problem.js';

const threads = Number(process.env.T ?? 1);
const b = cpu({ threads }) as any;
await cpuThreadsReady();
const stats = new Map<string, { n: number; ms: number; min: number }>();
let depth = 0;
let on = false;
const proto = Object.getPrototypeOf(b);
for (const name of Object.getOwnPropertyNames(proto)) {
  const f = proto[name];
  if (typeof f !== 'function' || name === 'constructor' || name.startsWith('_')) continue;
  b[name] = function (...args: any[]) {
    if (!on || depth > 0 || name === 'scope') return f.apply(this, args);
    depth++;
    const t0 = performance.now();
    try {
      return f.apply(this, args);
    } finally {
      const dt = performance.now() - t0;
      depth--;
      const shapes = args
        .map((a) =>
          a?.shape
            ? `[${a.shape}]${a.dtype === 'float32' ? '' : a.dtype}`
            : typeof a === 'number'
              ? 'n'
              : typeof a === 'string'
                ? a
                : Array.isArray(a)
                  ? `(${a.length})`
                  : typeof a,
        )
        .join(' ');
      const key = `${name} ${shapes}`;
      const s = stats.get(key) ?? { n: 0, ms: 0, min: Infinity };
      s.n++;
      s.ms += dt;
      s.min = Math.min(s.min, dt);
      stats.set(key, s);
    }
  };
}
const t = await downhillTrainer(b);
for (let i = 0; i < 200; i++) t.step();
const N = 500;
on = true;
for (let i = 0; i < N; i++) t.step();
on = false;
let tot = 0;
for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
  tot += s.ms / N;
  console.log(
    `${(s.ms / N).toFixed(4).padStart(8)} ms/step  min ${(s.min * 1000).toFixed(1).padStart(7)} us  x${(s.n / N).toFixed(1)}  ${k}`,
  );
}
console.log(`total ${tot.toFixed(3)} ms/step in backend calls`);
