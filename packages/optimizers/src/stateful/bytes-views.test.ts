import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, littleEndianToTyped, typedToLittleEndian } from './base64.js';
import { decodeState, deserializeState, encodeState, serializeState } from './state-format.js';

const b = cpu();

/** `bytes` copied into a Node `Buffer` that is a view at `offset` of a larger pool filled with 0xAB (as `readFile` and `Buffer.from` give). */
function pooled(bytes: Uint8Array, offset: number): Buffer {
  const pool = Buffer.alloc(offset + bytes.length + 13, 0xab);
  pool.set(bytes, offset);
  return pool.subarray(offset, offset + bytes.length);
}

const OFFSETS = [0, 1, 3, 6, 8, 4093];

describe('optimizer state bytes read from views at any offset of a larger buffer', () => {
  it.each(OFFSETS)('littleEndianToTyped reads the view, not its buffer, at byte offset %i (every dtype)', (offset) => {
    const cases = [
      new Float32Array([1.5, -2, 3e-3]),
      new Float64Array([0.1, -1e300]),
      new Int32Array([-7, 2 ** 30]),
      new Uint8Array([1, 0, 1]),
    ];
    const dtypes = ['float32', 'float64', 'int32', 'bool'] as const;
    cases.forEach((data, i) => {
      const le = new Uint8Array(data.buffer.slice(0));
      const got = littleEndianToTyped(pooled(le, offset), dtypes[i], data.length, 'test');
      expect(got.constructor).toBe(data.constructor);
      expect(Array.from(got)).toEqual(Array.from(data));
    });
  });

  it.each(OFFSETS)('typedToLittleEndian and base64 see only the view at element offset %i of a larger array', (offset) => {
    const big = Float64Array.from({ length: offset + 5 }, (_, i) => i + 0.25);
    const view = big.subarray(offset, offset + 3);
    const bytes = typedToLittleEndian(view);
    expect(bytes.length).toBe(24);
    expect(Array.from(new Float64Array(new Uint8Array(bytes).buffer))).toEqual([offset + 0.25, offset + 1.25, offset + 2.25]);
    const text = bytesToBase64(pooled(bytes, offset + 1));
    expect(text).toBe(Buffer.from(bytes).toString('base64'));
    expect(Array.from(base64ToBytes(text, 'test'))).toEqual(Array.from(bytes));
  });

  it.each(OFFSETS)('deserializeState reads a binary state file from a Buffer view at byte offset %i', async (offset) => {
    const w = b.tensor([Math.PI, -0.5, 1e-310], [3], 'float64');
    const dict = {
      format: 'downhill-optimizer-state' as const,
      version: 1 as const,
      optimizer: 'adam',
      hyperparams: { lr: 0.001 },
      step: 0,
      params: { w: { dtype: 'float64' as const, shape: [3] } },
      state: await encodeState({ mu: { w } }),
    };
    const file = pooled(serializeState(dict, { binary: true }), offset);
    const back = deserializeState(file);
    const mu = (decodeState(back.state, b) as { mu: { w: Tensor } }).mu.w;
    expect(Array.from(b.readSync(mu))).toEqual([Math.PI, -0.5, 1e-310]);
  });
});
