import { cpu } from '@downhill/backend-cpu';
import { getRuntime, runtimeReady } from '../../packages/backend-cpu/src/wasm/runtime.js';
cpu({ threads: 1 });
await runtimeReady;
const rt = getRuntime()!;
const n = 32768;
const a = rt.exports.allocUninit(n * 4);
const bb = rt.exports.allocUninit(1024);
const o = rt.exports.allocUninit(n * 4);
const e = rt.exports as any;
for (const [name, f] of [
  ['whole', () => e.binaryF32(0, a, 1, bb, 0, o, n)],
  [
    'rows',
    () => {
      for (let r = 0; r < 128; r++) e.binaryF32(0, a + r * 1024, 1, bb, 1, o + r * 1024, 256);
    },
  ],
  [
    'empty calls',
    () => {
      for (let r = 0; r < 128; r++) e.binaryF32(0, a + r * 1024, 1, bb, 1, o + r * 1024, 0);
    },
  ],
] as const) {
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) f();
    if (r === 2) console.log(name, ((performance.now() - t0) / 5).toFixed(2), 'us');
  }
}
