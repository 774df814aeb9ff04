/**
 * Tensors larger than backend-cpu can hold (4 GiB per tensor: what wasm32 addresses, so every
 * kernel can copy any tensor into its WebAssembly memory) and WebAssembly allocations the memory
 * cannot grow to give an OutOfMemoryError that names the bytes asked and the limit, before anything
 * is allocated, and leave the memory counts as they were. The oversize requests here are refused
 * before any allocation, so the tests use no memory.
 */
import { DownhillError, OutOfMemoryError } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { cpu } from './index.js';
import { createRuntime } from './wasm/runtime.js';

const GiB4 = 2 ** 32;

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('memory exhaustion on backend-cpu', () => {
  it.each([
    ['float32', [2 ** 30 + 1], 4 * (2 ** 30 + 1)],
    ['float64', [2 ** 29 + 1], 8 * (2 ** 29 + 1)],
    ['int32', [2 ** 15, 2 ** 15 + 1], 4 * 2 ** 15 * (2 ** 15 + 1)],
    ['float32', [2 ** 40], 4 * 2 ** 40],
  ] as const)('a %s tensor of shape %j: OutOfMemoryError naming the bytes asked and the limit; nothing leaks', (dtype, shape, bytes) => {
    const b = cpu();
    const before = b.memory();
    const e = caught(() => b.zeros([...shape], dtype));
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect(e).toBeInstanceOf(DownhillError);
    expect((e as OutOfMemoryError).code).toBe('OUT_OF_MEMORY');
    expect((e as OutOfMemoryError).requestedBytes).toBe(bytes);
    expect((e as OutOfMemoryError).limitBytes).toBe(GiB4);
    expect((e as Error).message).toContain(`${bytes} bytes`);
    expect((e as Error).message).toContain(`${GiB4} bytes (4 GiB)`);
    expect((e as Error).message).toContain(`${dtype} [${shape.join(', ')}]`);
    expect(b.memory()).toEqual(before);
  });

  it('an operation whose output is too large (matmul [32768, 1]·[1, 32769]) throws before computing; nothing leaks', () => {
    const b = cpu();
    const x = b.zeros([2 ** 15, 1]);
    const y = b.zeros([1, 2 ** 15 + 1]);
    const before = b.memory();
    const e = caught(() => b.matmul(x, y));
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect((e as OutOfMemoryError).requestedBytes).toBe(4 * 2 ** 15 * (2 ** 15 + 1));
    expect(b.memory()).toEqual(before);
    b.dispose([x, y]);
  });

  it.each(['private', 'shared'] as const)(
    'the %s WebAssembly memory: a block it cannot grow to throws OutOfMemoryError, and the heap still works after',
    (variant) => {
      const rt = createRuntime(variant);
      for (const n of [2 ** 30, 2 ** 30 - 100, 2 ** 31]) {
        const e = caught(() => rt.tempF32(n));
        expect(e, `tempF32(${n})`).toBeInstanceOf(OutOfMemoryError);
        expect((e as OutOfMemoryError).requestedBytes).toBe(4 * n);
        expect((e as OutOfMemoryError).limitBytes).toBe(GiB4);
      }
      const ptr = rt.tempF32(
        1000,
        Array.from({ length: 1000 }, (_, i) => i),
      );
      expect(Array.from(rt.viewF32(ptr, 3))).toEqual([0, 1, 2]);
      rt.freeTemp(ptr);
    },
  );
});
