/**
 * Storage lifetimes of backend-cpu: small host arrays released by the backend are handed out again
 * (zero-filled where a kernel asks for zeros), never twice at once and never when they came from
 * elsewhere; large bool arrays live in the WebAssembly heap like float32 ones, so the comparison
 * and `where` kernels use them in place.
 */
import { describe, expect, it } from 'vitest';
import { cpu } from './index.js';
import { alloc, free, recycledHostBytes } from './storage.js';
import { HEAP_MIN_ELEMENTS, getRuntime } from './wasm/runtime.js';

describe('small host arrays', () => {
  it('a released array is handed out again, zero-filled where zeros are asked for', () => {
    const a = alloc('float32', 1280);
    a.fill(7);
    free(a);
    const b = alloc('float32', 1280);
    expect(b).toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
    b.fill(5);
    free(b);
    // uninitialised on request: the same array, as it was left
    const c = alloc('float32', 1280, undefined, false);
    expect(c).toBe(a);
    expect(c[0]).toBe(5);
    free(c);
  });

  it('only to a request of the same dtype and length', () => {
    const a = alloc('int32', 300);
    free(a);
    const f = alloc('float32', 300);
    const longer = alloc('int32', 301);
    expect(f).not.toBe(a);
    expect(longer).not.toBe(a);
    expect(f).toBeInstanceOf(Float32Array);
    expect(alloc('int32', 300)).toBe(a);
  });

  it('an array released twice is handed out once', () => {
    const a = alloc('float64', 64);
    free(a);
    free(a);
    const [x, y] = [alloc('float64', 64), alloc('float64', 64)];
    expect(x === a && y === a).toBe(false);
    expect(x === a || y === a).toBe(true);
  });

  it('an array that did not come from alloc is never handed out', () => {
    const mine = new Float32Array(500);
    const before = recycledHostBytes();
    free(mine);
    expect(recycledHostBytes()).toBe(before);
    expect(alloc('float32', 500)).not.toBe(mine);
  });

  it('through the backend: a disposed tensor leaves its data to the next one, and values stay right', () => {
    const b = cpu({ threads: 1 });
    const x = b.tensor(
      Float32Array.from({ length: 1280 }, (_, i) => i),
      [128, 10],
    );
    const y = b.mul(x, 2);
    const storage = y.storage;
    y.dispose();
    const z = b.add(x, 1); // same dtype and length: y's array again
    expect(z.storage).toBe(storage);
    const got = b.readSync(z);
    for (let i = 0; i < 1280; i++) if (got[i] !== i + 1) expect.fail(`element ${i}: ${got[i]}, expected ${i + 1}`);
    // a reshape shares its storage: releasing one handle of two hands nothing out
    const r = b.reshape(z, [1280]);
    z.dispose();
    const w = b.mul(x, 3);
    expect(w.storage).not.toBe(storage);
    expect(b.readSync(r)[5]).toBe(6);
    b.dispose([x, r, w]);
  });
});

describe('bool storage in the WebAssembly heap', () => {
  it('comparisons of at least 4·HEAP_MIN_ELEMENTS elements write into the heap, and the block is freed on release', () => {
    const rt = getRuntime();
    if (!rt?.shared) {
      console.log('skipped: no shared WebAssembly heap on this platform (private mode)');
      return;
    }
    const b = cpu({ threads: 1 });
    const n = HEAP_MIN_ELEMENTS * 4 + 5;
    const xs = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 13) - 6);
    const x = b.tensor(xs, [n]);
    const mask = b.compare('greater', x, 0);
    expect(rt.ptrOf(mask.storage as Uint8Array)).toBeGreaterThan(0);
    const got = b.readSync(mask);
    for (let i = 0; i < n; i++) if (got[i] !== (xs[i] > 0 ? 1 : 0)) expect.fail(`element ${i}: ${got[i]} for ${xs[i]}`);
    const relu = b.readSync(b.where(mask, x, 0));
    for (let i = 0; i < n; i++) if (relu[i] !== Math.max(xs[i], 0)) expect.fail(`where, element ${i}: ${relu[i]} for ${xs[i]}`);
    const run = (k: number) => {
      for (let i = 0; i < k; i++)
        b.scope(() => {
          b.where(b.compare('less', x, 1), x, 2); // released when the scope ends
        });
    };
    run(20);
    const before = rt.current().byteLength;
    run(200);
    expect(rt.current().byteLength).toBe(before);
    // smaller bool arrays stay in the JavaScript heap
    expect(rt.ptrOf(b.compare('greater', b.tensor(xs.subarray(0, 5000)), 0).storage as Uint8Array)).toBe(-1);
  });
});
