import { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import type { OptState } from '../types.js';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import {
  STATE_FORMAT,
  StateMismatchError,
  decodeState,
  deserializeState,
  encodeState,
  serializeState,
  type EncodedState,
  type OptimizerStateDict,
} from './state-format.js';

const b = cpu();

/** Plain data of a state, with tensors as { dtype, shape, data } for comparisons. */
function plain(s: OptState): unknown {
  if (s instanceof Tensor) return { dtype: s.dtype, shape: [...s.shape], data: [...b.readSync(s)] };
  if (Array.isArray(s)) return s.map(plain);
  if (s !== null && typeof s === 'object') return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, plain(v)]));
  return s;
}

describe('base64', () => {
  it.each([0, 1, 2, 3, 4, 5, 31, 256])('round-trips %i random bytes and agrees with Node', (n) => {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 73 + 41) & 255);
    const text = bytesToBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString('base64'));
    expect([...base64ToBytes(text, 'test')]).toEqual([...bytes]);
  });
  it.each(['abc', 'ab!=', 'a===x'])('rejects malformed text %j', (t) => {
    expect(() => base64ToBytes(t, 'here')).toThrow(/here/);
  });
});

describe('encodeState / decodeState', () => {
  const make = (): OptState => ({
    count: 3,
    weird: [NaN, Infinity, -Infinity, -0, 1.5e-300],
    flag: true,
    label: 'adam',
    none: null,
    $dollar: { $$two: 1 },
    slots: [
      { w: b.tensor([1.5, -2.25, 3.1], [3], 'float32') },
      { w: b.tensor([Math.PI, -0, 1e-310, Number.MAX_VALUE], [2, 2], 'float64') },
    ],
    idx: b.tensor([1, -2, 2147483647], [3], 'int32'),
    mask: b.tensor([1, 0, 1], [3], 'bool'),
    empty: b.zeros([0, 2]),
  });

  it('round-trips every kind of value bit for bit, through JSON', async () => {
    const s = make();
    const enc = await encodeState(s);
    const back = decodeState(JSON.parse(JSON.stringify(enc)) as EncodedState, b);
    expect(plain(back)).toEqual(plain(s));
    expect(Object.is((back as { weird: number[] }).weird[3], -0)).toBe(true);
    const f64 = (back as { slots: { w: Tensor }[] }).slots[1].w;
    expect(Object.is(b.readSync(f64)[1], -0)).toBe(true);
    expect(b.readSync(f64)[2]).toBe(1e-310);
  });

  it('writes tensors as { $tensor: { dtype, shape, data } } with little-endian base64 data', async () => {
    const enc = (await encodeState({ t: b.tensor([1], [1], 'float32') })) as Record<string, unknown>;
    expect(enc.t).toEqual({ $tensor: { dtype: 'float32', shape: [1], data: 'AACAPw==' } }); // 1.0f = 00 00 80 3f
  });

  it('refuses values that are not state', async () => {
    await expect(encodeState({ f: (() => 1) as never })).rejects.toThrow(/'f'.*function/);
    await expect(encodeState({ d: new Date() as never })).rejects.toThrow(StateMismatchError);
  });

  it.each([
    ['an unknown dtype', { $tensor: { dtype: 'float16', shape: [1], data: 'AAA=' } }, /dtype/],
    ['a wrong byte count', { $tensor: { dtype: 'float32', shape: [2], data: 'AACAPw==' } }, /needs 8 bytes, got 4/],
    ['a bad shape', { $tensor: { dtype: 'float32', shape: [-1], data: '' } }, /shape/],
    ['an unknown $number', { $number: 'big' }, /unknown \$number/],
  ])('rejects %s and makes no tensor', (_, bad, message) => {
    const n = b.memory().tensors;
    const enc = { ok: { $tensor: { dtype: 'float32', shape: [1], data: 'AACAPw==' } }, bad } as unknown as EncodedState;
    expect(() => decodeState(enc, b)).toThrow(StateMismatchError);
    expect(() => decodeState(enc, b)).toThrow(message);
    expect(b.memory().tensors).toBe(n);
  });
});

describe('serializeState / deserializeState', () => {
  const dict: OptimizerStateDict = {
    format: STATE_FORMAT,
    version: 1,
    optimizer: 'adam',
    hyperparams: { lr: 0.001 },
    step: 2,
    params: { w: { dtype: 'float32', shape: [1] } },
    state: { count: 2, mu: { w: { $tensor: { dtype: 'float32', shape: [1], data: 'AACAPw==' } } } },
  };

  it('round-trips as text and as UTF-8 bytes', () => {
    const text = serializeState(dict);
    expect(typeof text).toBe('string');
    expect(deserializeState(text)).toEqual(dict);
    const bytes = serializeState(dict, { binary: true });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(deserializeState(bytes)).toEqual(dict);
  });

  it.each([
    ['text that is not JSON', '{nope', /not JSON/],
    ['another format', JSON.stringify({ ...dict, format: 'torch' }), /expected format 'downhill-optimizer-state', got "torch"/],
    ['another version', JSON.stringify({ ...dict, version: 2 }), /version 1.*got version 2/],
    ['a bad step', JSON.stringify({ ...dict, step: -1 }), /'step'/],
    ['a bad parameter entry', JSON.stringify({ ...dict, params: { w: { shape: [1] } } }), /parameter 'w'/],
    ['no state', JSON.stringify({ ...dict, state: undefined }), /no 'state'/],
  ])('rejects %s with a StateMismatchError', (_, input, message) => {
    expect(() => deserializeState(input)).toThrow(StateMismatchError);
    expect(() => deserializeState(input)).toThrow(message);
  });
});
