import { cpu } from '@downhill/backend-cpu';
const b = cpu();
function time(name: string, fn: () => void, reps = 30) {
  for (let i = 0; i < 5; i++) b.scope(fn);
  const t = performance.now();
  for (let i = 0; i < reps; i++) b.scope(fn);
  console.log(name, ((performance.now() - t) / reps).toFixed(2), 'ms');
}
const r = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const X = b.tensor(r(1 << 20), [1024, 1024]);
time('add same 1M', () => { b.add(X, X); });
time('add scalar 1M', () => { b.add(X, 1); });
time('zeros 1M', () => { b.zeros([1024, 1024]); });
const a = new Float32Array(1 << 20), c = new Float32Array(1 << 20);
let t = performance.now();
for (let k = 0; k < 30; k++) { const o = new Float32Array(1 << 20); for (let i = 0; i < o.length; i++) o[i] = a[i] + c[i]; }
console.log('raw', (performance.now() - t) / 30);
