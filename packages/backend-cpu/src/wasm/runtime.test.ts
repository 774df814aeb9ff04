/** The WebAssembly heap: allocation, reuse, zero-filling, growth that keeps views valid, release. */
import { describe, expect, it } from 'vitest';
import { cpu } from '../index.js';
import {
  HEAP_MIN_ELEMENTS,
  createRuntime,
  getRuntime,
  unsignedPointer,
  wasmUnavailableReason,
  withUnsignedPointers,
  type WasmExports,
} from './runtime.js';

describe('the WebAssembly runtime', () => {
  it('starts in shared mode under Node', () => {
    expect(wasmUnavailableReason).toBeUndefined();
    expect(getRuntime()?.shared).toBe(true);
  });

  it('hands out zero-filled blocks, reuses freed ones, and zero-fills them again', () => {
    const rt = createRuntime('shared');
    const a = rt.allocF32(5000)!;
    expect(rt.ptrOf(a)).toBeGreaterThan(0);
    expect(a.every((v) => v === 0)).toBe(true);
    a.fill(7);
    const ptr = rt.ptrOf(a);
    rt.release(a);
    const b = rt.allocF32(5000)!;
    expect(rt.ptrOf(b)).toBe(ptr); // TLSF gives the same block back
    expect(b.every((v) => v === 0)).toBe(true);
  });

  it('keeps earlier views valid when the memory grows', () => {
    const rt = createRuntime('shared');
    const first = rt.allocF32(HEAP_MIN_ELEMENTS)!;
    first.set(Array.from({ length: HEAP_MIN_ELEMENTS }, (_, i) => i));
    const before = rt.memory.buffer.byteLength;
    const big = rt.allocF32(4 << 20)!; // 16 MiB: the memory must grow
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(before);
    big[big.length - 1] = 3;
    expect(Array.from(first)).toEqual(Array.from({ length: HEAP_MIN_ELEMENTS }, (_, i) => i));
    expect(rt.ptrOf(first)).toBeGreaterThan(0);
    expect(rt.ptrOf(big)).toBeGreaterThan(0);
    rt.release(big);
    rt.release(first);
  });

  it('does not grow over a long run of allocations and releases of varying sizes', () => {
    const rt = createRuntime('shared');
    const sizes = [4096, 5000, 65536, 3, 250000, 4100];
    for (let round = 0; round < 3; round++) for (const n of sizes) rt.release(rt.allocF32(n) ?? new Float32Array(n));
    const size = rt.memory.buffer.byteLength;
    for (let round = 0; round < 200; round++) {
      const live = sizes.map((n) => rt.allocF32(n) ?? new Float32Array(n));
      for (const a of live) rt.release(a);
    }
    expect(rt.memory.buffer.byteLength).toBe(size);
  });

  it('leaves small arrays, and every array in private mode, to the JavaScript heap', () => {
    const rt = getRuntime()!;
    expect(rt.allocF32(HEAP_MIN_ELEMENTS - 1)).toBeUndefined();
    expect(rt.ptrOf(new Float32Array(100))).toBe(-1);
    rt.release(new Float32Array(100)); // ignored
    const priv = createRuntime('private');
    expect(priv.shared).toBe(false);
    expect(priv.allocF32(5000)).toBeUndefined();
  });

  it('backs float32 tensors of the backend and frees them on release', () => {
    const rt = getRuntime()!;
    const b = cpu();
    const x = b.tensor(Array.from({ length: 5000 }, (_, i) => i));
    const storage = x.storage as Float32Array;
    expect(rt.ptrOf(storage)).toBeGreaterThan(0);
    const ptr = rt.ptrOf(storage);
    // the host data was copied in, and reads are copies out of the heap
    expect(b.readSync(x)[4999]).toBe(4999);
    expect(rt.ptrOf(b.readSync(x))).toBe(-1);
    x.dispose();
    const y = b.zeros([5000]);
    expect(rt.ptrOf(y.storage as Float32Array)).toBe(ptr);
    expect(b.readSync(y).every((v) => v === 0)).toBe(true);
    // small float32 arrays, and float64, int32 and bool, stay in the JavaScript heap
    expect(rt.ptrOf(b.zeros([100]).storage as Float32Array)).toBe(-1);
    for (const dtype of ['float64', 'int32', 'bool'] as const) expect(rt.ptrOf(b.zeros([5000], dtype).storage as ArrayBufferView)).toBe(-1);
  });

  it('reads addresses of 2 GiB and more as unsigned (i32 results come back signed)', () => {
    // The i32 bit patterns of addresses 2 GiB, 3 GiB and 4 GiB − 16, as a WebAssembly export returns them.
    const signed = [-(2 ** 31), -(2 ** 30), -16];
    expect(signed.map(unsignedPointer)).toEqual([2 ** 31, 3 * 2 ** 30, 2 ** 32 - 16]);
    expect([0, 64, 2 ** 31 - 8].map(unsignedPointer)).toEqual([0, 64, 2 ** 31 - 8]);
    // The runtime's exports convert what alloc and allocUninit return, and pass everything else through.
    const freed: number[] = [];
    const raw = { alloc: () => -(2 ** 31), allocUninit: () => -(2 ** 30), free: (p: number) => freed.push(p) } as unknown as WasmExports;
    const wrapped = withUnsignedPointers(raw);
    expect([wrapped.alloc(16), wrapped.allocUninit(16)]).toEqual([2 ** 31, 3 * 2 ** 30]);
    wrapped.free(2 ** 31);
    expect(freed).toEqual([2 ** 31]);
    // The real module's blocks come back as the same non-negative addresses through the wrapper.
    const rt = createRuntime('shared');
    const p = rt.exports.allocUninit(64);
    expect(p).toBeGreaterThan(0);
    rt.exports.free(p);
  });
});
