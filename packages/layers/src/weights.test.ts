import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import {
  BatchNorm,
  Dense,
  ReLU,
  SafetensorsError,
  Sequential,
  WeightsMismatchError,
  decodeSafetensors,
  encodeSafetensors,
  loadWeights,
  saveWeights,
  saveWeightsSync,
  type Module,
} from './index.js';

const b = cpu();
const make = (seed: number, dtype: 'float32' | 'float64' = 'float32') =>
  new Sequential({
    encoder: new Sequential({ dense1: new Dense(3, 4), bn: new BatchNorm(4) }),
    act: new ReLU(),
    head: new Dense(4, 2),
  }).init(b, { seed, dtype });
const bytesOf = (t: Tensor) => {
  const d = b.readSync(t);
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};
const snapshot = (m: Module) => [...m.namedParameters(), ...m.namedBuffers()].map(([n, t]) => [n, t, bytesOf(t)] as const);
const NAMES = [
  'encoder.dense1.kernel',
  'encoder.dense1.bias',
  'encoder.bn.gamma',
  'encoder.bn.beta',
  'head.kernel',
  'head.bias',
  'encoder.bn.runningMean',
  'encoder.bn.runningVar',
];

describe('saving and loading weights (safetensors)', () => {
  it('writes the documented layout: u64 LE header length, JSON header with dtype, shape, data_offsets, __metadata__', async () => {
    const m = make(0);
    const bytes = await saveWeights(m, { metadata: { epoch: '3' } });
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ format: 'downhill', epoch: '3' });
    expect(
      Object.keys(header)
        .filter((k) => k !== '__metadata__')
        .sort(),
    ).toEqual([...NAMES].sort());
    expect(header['encoder.dense1.kernel']).toEqual({ dtype: 'F32', shape: [3, 4], data_offsets: [0, 48] });
    expect(header['encoder.dense1.bias']).toEqual({ dtype: 'F32', shape: [4], data_offsets: [48, 64] });
    // The data bytes are the tensor's little-endian float32 values.
    const kernel = m.namedParameters()[0][1];
    expect(Array.from(bytes.subarray(8 + n, 8 + n + 48))).toEqual(bytesOf(kernel));
    expect(bytes.length).toBe(8 + n + 4 * (12 + 4 + 4 + 4 + 8 + 2 + 4 + 4));
    expect(saveWeightsSync(m, { metadata: { epoch: '3' } })).toEqual(bytes);
  });

  it('save then load gives bitwise-equal parameters and buffers (float32 and float64)', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const source = make(1, dtype);
      source.call(
        b.tensor(
          Array.from({ length: 15 }, (_, i) => Math.sin(i) * 3),
          [5, 3],
          dtype,
        ),
      ); // moves the running statistics
      const target = make(2, dtype);
      loadWeights(target, await saveWeights(source));
      const a = snapshot(source);
      const c = snapshot(target);
      expect(c.map(([n]) => n)).toEqual(a.map(([n]) => n));
      c.forEach(([, t, bytes], i) => {
        expect(t.dtype).toBe(dtype);
        expect(bytes).toEqual(a[i][2]);
      });
    }
  });

  it('reads a file written by hand from the specification (F64, I32, BOOL, offsets in any order)', () => {
    const header = JSON.stringify({
      b: { dtype: 'F64', shape: [2], data_offsets: [8, 24] },
      a: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
      c: { dtype: 'BOOL', shape: [1, 1], data_offsets: [24, 25] },
    });
    const h = new TextEncoder().encode(header);
    const file = new Uint8Array(8 + h.length + 25);
    const view = new DataView(file.buffer);
    view.setBigUint64(0, BigInt(h.length), true);
    file.set(h, 8);
    const d = 8 + h.length;
    view.setInt32(d, -7, true);
    view.setInt32(d + 4, 9, true);
    view.setFloat64(d + 8, 0.1, true);
    view.setFloat64(d + 16, -2.5, true);
    file[d + 24] = 1;
    const { tensors } = decodeSafetensors(file);
    expect(Array.from(tensors.get('a')!.data)).toEqual([-7, 9]);
    expect(Array.from(tensors.get('b')!.data)).toEqual([0.1, -2.5]);
    expect(tensors.get('c')).toEqual({ dtype: 'bool', shape: [1, 1], data: new Uint8Array([1]) });
    const again = decodeSafetensors(encodeSafetensors([...tensors]));
    expect([...again.tensors]).toEqual([...tensors]);
  });

  const BAD: {
    name: string;
    edit: (m: Module) => Module;
    strict?: boolean;
    field: 'missing' | 'unexpected' | 'mismatched';
    names: string[];
    message: RegExp;
  }[] = [
    {
      name: 'a missing parameter',
      edit: () =>
        new Sequential({
          encoder: new Sequential({ dense1: new Dense(3, 4), bn: new BatchNorm(4) }),
          act: new ReLU(),
          head: new Dense(4, 2, { useBias: false }),
        }),
      field: 'missing',
      names: ['head.bias'],
      message: /'head\.bias' is missing from the file/,
    },
    {
      name: 'an extra parameter',
      edit: () =>
        new Sequential({
          encoder: new Sequential({ dense1: new Dense(3, 4), bn: new BatchNorm(4) }),
          act: new ReLU(),
          head: new Dense(4, 2),
          more: new Dense(2, 2),
        }),
      field: 'unexpected',
      names: ['more.kernel', 'more.bias'],
      message: /'more\.kernel' is in the file but not in the model/,
    },
    {
      name: 'a mis-shaped parameter',
      edit: () =>
        new Sequential({
          encoder: new Sequential({ dense1: new Dense(3, 4), bn: new BatchNorm(4) }),
          act: new ReLU(),
          head: new Dense(4, 3),
        }),
      field: 'mismatched',
      names: ['head.kernel', 'head.bias'],
      message: /'head\.kernel' has shape \[4, 3\] in the file, the model expects \[4, 2\]/,
    },
    {
      name: 'a mis-shaped parameter (not strict)',
      edit: () =>
        new Sequential({
          encoder: new Sequential({ dense1: new Dense(3, 4), bn: new BatchNorm(4) }),
          act: new ReLU(),
          head: new Dense(4, 3),
        }),
      strict: false,
      field: 'mismatched',
      names: ['head.kernel', 'head.bias'],
      message: /'head\.kernel' has shape/,
    },
  ];

  it.each(BAD)(
    'loading a file with $name throws a typed error naming it and leaves the model unchanged',
    async ({ edit, strict, field, names, message }) => {
      const file = await saveWeights(edit(make(0)).init(b, { seed: 4 }));
      const model = make(5);
      const before = snapshot(model);
      let error: unknown;
      try {
        loadWeights(model, file, { strict });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WeightsMismatchError);
      expect((error as WeightsMismatchError)[field]).toEqual(names);
      expect((error as Error).message).toMatch(message);
      const after = snapshot(model);
      after.forEach(([n, t, bytes], i) => {
        expect(n).toBe(before[i][0]);
        expect(t).toBe(before[i][1]); // the same handles
        expect(t.disposed).toBe(false);
        expect(bytes).toEqual(before[i][2]);
      });
    },
  );

  it('with strict: false keeps what the file lacks and ignores what the model lacks', async () => {
    const small = new Sequential({ head: new Dense(4, 2) }).init(b, { seed: 9 });
    const model = make(5);
    const dense1 = bytesOf(model.namedParameters()[0][1]);
    loadWeights(model, await saveWeights(small), { strict: false });
    expect(bytesOf(model.namedParameters()[0][1])).toEqual(dense1);
    expect(bytesOf(model.namedParameters().find(([n]) => n === 'head.kernel')![1])).toEqual(bytesOf(small.namedParameters()[0][1]));
  });

  it('refuses a dtype the model does not hold, and malformed files', async () => {
    const model = make(5);
    await expect(saveWeights(make(1, 'float64')).then((f) => loadWeights(model, f))).rejects.toThrow(
      /'encoder\.dense1\.kernel' is float64 in the file, the model holds float32/,
    );
    const good = await saveWeights(model);
    expect(() => loadWeights(model, good.subarray(0, good.length - 1))).toThrow(SafetensorsError);
    const bad = good.slice();
    bad[6] = 0xff; // header length past the end
    expect(() => loadWeights(model, bad)).toThrow(/header length/);
  });

  it('loads into a model that has no tensors yet, given a backend', async () => {
    const file = await saveWeights(make(1));
    const fresh = new Sequential({
      encoder: new Sequential({ dense1: new Dense(3, 4), bn: new BatchNorm(4) }),
      act: new ReLU(),
      head: new Dense(4, 2),
    });
    expect(() => loadWeights(fresh, file)).toThrow(/pass \{ backend \}/);
    loadWeights(fresh, file, { backend: b });
    expect(fresh.initialized).toBe(true);
    expect(snapshot(fresh).map(([, , bytes]) => bytes)).toEqual(snapshot(make(1)).map(([, , bytes]) => bytes));
  });
});

/** `bytes` copied into a Node `Buffer` that is a view at `offset` of a larger pool filled with 0xAB (as `readFile` and `Buffer.from` give). */
function pooled(bytes: Uint8Array, offset: number): Buffer {
  const pool = Buffer.alloc(offset + bytes.length + 13, 0xab);
  pool.set(bytes, offset);
  return pool.subarray(offset, offset + bytes.length);
}

describe('reading weights from a Node Buffer (a view of a larger pool)', () => {
  it.each([0, 1, 3, 5, 8, 4093])('loadWeights reads the tensors, not the pool, from a view at byte offset %i', async (offset) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const source = make(1, dtype);
      const file = pooled(await saveWeights(source), offset);
      expect(file.byteOffset).toBe(offset);
      const target = make(2, dtype);
      loadWeights(target, file);
      expect(snapshot(target).map(([, , bytes]) => bytes)).toEqual(snapshot(source).map(([, , bytes]) => bytes));
    }
  });

  it.each([0, 1, 2, 7, 4095])('decodeSafetensors gives every dtype its own values and a copy, from a view at byte offset %i', (offset) => {
    const entries = [
      ['f32', { dtype: 'float32', shape: [3], data: new Float32Array([1.5, -2, 3e-3]) }],
      ['f64', { dtype: 'float64', shape: [2], data: new Float64Array([0.1, -1e300]) }],
      ['i32', { dtype: 'int32', shape: [2], data: new Int32Array([-7, 2 ** 30]) }],
      ['b', { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) }],
    ] as const;
    const file = pooled(encodeSafetensors(entries), offset);
    const { tensors } = decodeSafetensors(file);
    for (const [name, entry] of entries) {
      const got = tensors.get(name)!;
      expect(got.data.constructor).toBe(entry.data.constructor);
      expect(Array.from(got.data)).toEqual(Array.from(entry.data));
    }
    // The decoded arrays own their bytes: writing over the file changes nothing.
    file.fill(0);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1, 0, 1]);
    expect(Array.from(tensors.get('f32')!.data)).toEqual(Array.from(entries[0][1].data));
  });

  it('loadWeights reads a file written to disk and read back with fs.readFile', async () => {
    const { mkdtemp, readFile, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'downhill-weights-'));
    try {
      const source = make(3);
      await writeFile(join(dir, 'mlp.safetensors'), await saveWeights(source));
      const target = make(4);
      loadWeights(target, await readFile(join(dir, 'mlp.safetensors')));
      expect(snapshot(target).map(([, , bytes]) => bytes)).toEqual(snapshot(source).map(([, , bytes]) => bytes));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
