/**
 * A float32 binary op whose broadcast the SIMD kernel does not take (short inner rows) falls back
 * to the JavaScript loops; the heap block it had allocated for the output must be freed then, or
 * every such op (a softmax's `x − max(x)` over a short last axis) leaks its output's size of
 * WebAssembly memory until the memory reaches its limit.
 */
import { describe, expect, it } from 'vitest';
import { cpu } from './index.js';
import { getRuntime } from './wasm/runtime.js';

describe('heap blocks of the elementwise kernels', () => {
  it('a broadcast binary op on the JavaScript loops frees the heap block it allocated', () => {
    const b = cpu();
    const rt = getRuntime();
    if (!rt) {
      console.log('skipped: no shared WebAssembly heap on this platform (private mode), nothing to leak');
      return;
    }
    const x = b.tensor(
      Float32Array.from({ length: 64 * 4 * 16 * 16 }, (_, i) => i % 7),
      [64, 4, 16, 16],
    );
    // broadcast over two axes of short rows: no single kernel call takes it
    const s = b.tensor(
      Float32Array.from({ length: 64 * 16 }, (_, i) => i % 5),
      [64, 1, 16, 1],
    );
    const run = (n: number) => {
      for (let i = 0; i < n; i++)
        b.scope(() => {
          b.sub(x, s); // released when the scope ends
        });
    };
    run(20);
    const before = rt.current().byteLength;
    run(200); // 200 outputs of 1 MiB each: 200 MiB of growth if the blocks leaked
    expect(rt.current().byteLength).toBe(before);
    expect(Array.from(b.readSync(b.sub(x, s)).subarray(0, 3))).toEqual([0, 1, 2]);
  });
});
