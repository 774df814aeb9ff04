/**
 * Fuzz: the layers and the weight files.
 *
 * - Layers: every layer constructed with random arguments and options, initialized, and called on
 *   inputs of random shapes and dtypes. Each step either succeeds (the output is a tensor, finite
 *   for a finite input) or throws a typed DownhillError, and a failed call leaves the parameters,
 *   the buffers and the input as they were.
 * - Weight files: a saved model's safetensors file and a checkpoint, edited at random (bytes
 *   flipped, the header's length field and JSON changed, truncated, extended), passed as plain
 *   arrays and as Node `Buffer` views at odd offsets of a larger pool. `loadWeights`,
 *   `decodeSafetensors`, `decodeCheckpoint` and `restoreCheckpoint` either load (and the model
 *   then holds exactly the file's values) or throw a typed DownhillError and leave the model as it
 *   was.
 *
 * The number of inputs tried is printed.
 */
import { DownhillError, InvalidArgumentError, OutOfMemoryError, type DType, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import type { Module } from './module.js';

const b = cpu();
const weird = fc.oneof(
  fc.double(),
  fc.integer({ min: -2, max: 6 }),
  fc.constantFrom(NaN, Infinity, -1, 0, 0.5, 1, 2, 3, 4, true, false, 'relu', null, [], {}, [2, 3]),
);
const opts = fc.dictionary(
  fc.constantFrom(
    'useBias',
    'momentum',
    'epsilon',
    'affine',
    'axis',
    'seed',
    'alpha',
    'approximate',
    'causal',
    'dropout',
    'hiddenDim',
    'use_bias',
    'bogus',
  ),
  weird,
  { maxKeys: 2 },
);

/** Each layer from two random numbers and options. */
const LAYERS: [string, (a: unknown, c: unknown, o: unknown) => Module][] = [
  ['Dense', (a, c, o) => new api.Dense(a as number, c as number, o as never)],
  ['Dropout', (a, _c, o) => new api.Dropout(a as number, o as never)],
  ['BatchNorm', (a, _c, o) => new api.BatchNorm(a as number, o as never)],
  ['LayerNorm', (a, _c, o) => new api.LayerNorm(a as number, o as never)],
  ['Embedding', (a, c, o) => new api.Embedding(a as number, c as number, o as never)],
  ['MultiHeadAttention', (a, c, o) => new api.MultiHeadAttention(a as number, c as number, o as never)],
  ['ELU', (_a, _c, o) => new api.ELU(o as never)],
  ['GELU', (_a, _c, o) => new api.GELU(o as never)],
  ['LeakyReLU', (_a, _c, o) => new api.LeakyReLU(o as never)],
  ['Softmax', (_a, _c, o) => new api.Softmax(o as never)],
  ['LogSoftmax', (_a, _c, o) => new api.LogSoftmax(o as never)],
  ['Flatten', () => new api.Flatten()],
  ['ReLU', () => new api.ReLU()],
  ['Sequential', (a, c, o) => new api.Sequential([new api.Dense(a as number, c as number, o as never), new api.Tanh()])],
];

const host = (ts: Tensor[]) => ts.map((t) => (t.disposed ? 'released' : Array.from(b.readSync(t))));
const stateOf = (m: Module) => [...m.namedParameters(), ...m.namedBuffers()].map(([, t]) => t);

function expectTyped(e: unknown): void {
  expect(e, String(e)).toBeInstanceOf(DownhillError);
}

describe('found by the fuzz', () => {
  it('a shape too large for the host, a non-list normalizedShape and an object axis are typed errors', () => {
    expect(() => new api.Dense(1, 1e15).init(b, { seed: 3 })).toThrow(OutOfMemoryError);
    expect(() => new api.Dense(1, 1e15).init(b, { seed: 3 })).toThrow(
      /glorotUniform: drawing the 1000000000000000 float64 values of shape \[1, 1000000000000000\]/,
    );
    expect(() => new api.LayerNorm(false as never)).toThrow(
      /LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got false/,
    );
    const x = b.tensor([1, 2], [1, 2], 'float64');
    expect(() => new api.Softmax({ axis: {} as never }).init(b, { seed: 1 }).call(x)).toThrow(InvalidArgumentError);
    expect(() => new api.Softmax({ axis: {} as never }).init(b, { seed: 1 }).call(x)).toThrow(
      /axes must be an integer or a list of integers, got an object/,
    );
    expect(Array.from(b.readSync(x))).toEqual([1, 2]);
  });

  it('checkpoints: rngs that are not a record, unserializable metadata and an unwritable path are typed errors', async () => {
    const m = model(1);
    await expect(api.encodeCheckpoint({ model: m, step: 0, rngs: null as never })).rejects.toThrow(/rngs must be a record of Rng keys/);
    await expect(api.encodeCheckpoint({ model: m, step: 0, metadata: () => 1 })).rejects.toThrow(/metadata must be JSON-serializable/);
    await expect(api.saveCheckpoint(join(tmpdir(), 'no-such-folder-downhill', 'c.safetensors'), { model: m, step: 0 })).rejects.toThrow(
      api.CheckpointError,
    );
    b.dispose(stateOf(m));
  });
});

describe('fuzz: layers', () => {
  it('random constructor arguments, options, input shapes and dtypes: an output, or a DownhillError that changes nothing', () => {
    let tried = 0;
    let ran = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: LAYERS.length - 1 }),
        fc.oneof(fc.integer({ min: 1, max: 4 }), weird),
        fc.oneof(fc.integer({ min: 1, max: 4 }), weird),
        fc.oneof(fc.constant({}), opts),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
        fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool'),
        fc.boolean(),
        (k, a, c, o, shape, dtype, training) => {
          tried++;
          const [name, make] = LAYERS[k];
          let layer: Module;
          try {
            layer = make(a, c, o).init(b, { seed: 3, dtype: 'float64' });
          } catch (e) {
            expectTyped(e);
            return;
          }
          const n = shape.reduce((p, d) => p * d, 1);
          const data = Array.from({ length: n }, (_, i) => (name === 'Embedding' ? i % 3 : Math.sin(i + 1)));
          const x = b.tensor(data, shape, dtype);
          const watched = [...stateOf(layer), x];
          const before = host(watched);
          let y: Tensor | undefined;
          try {
            y = layer.call(x, { training }) as Tensor;
          } catch (e) {
            expectTyped(e);
          }
          if (y) {
            ran++;
            if (dtype === 'float64' && name !== 'Embedding')
              expect(Array.from(b.readSync(y)).every(Number.isFinite), `${name} gave a non-finite output`).toBe(true);
            y.dispose();
          } else expect(host(watched), `${name}: a failed call changed its state or input`).toEqual(before);
          b.dispose([...stateOf(layer), x]);
        },
      ),
      { numRuns: 1500, seed: 51 },
    );
    console.log(`fuzz: layers: ${tried} inputs tried, ${ran} calls ran`);
  });
});

/** A small model and its file. */
const model = (seed: number) =>
  new api.Sequential({ dense: new api.Dense(3, 2), bn: new api.BatchNorm(2), head: new api.Dense(2, 1, { useBias: false }) }).init(b, {
    seed,
    dtype: 'float32',
  });

/** The same bytes as a Node Buffer view at `offset` of a larger pool (as `readFile` can give). */
function asBuffer(bytes: Uint8Array, offset: number): Uint8Array {
  const pool = Buffer.alloc(bytes.length + offset + 16, 0xa5);
  pool.set(bytes, offset);
  return pool.subarray(offset, offset + bytes.length);
}

const edit = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), count: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant('headerLength' as const), value: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.nat()) }),
  fc.record({
    kind: fc.constant('json' as const),
    path: fc.constantFrom('dense.kernel', 'dense.bias', 'bn.gamma', 'bn.runningVar', 'head.kernel', '__metadata__'),
    field: fc.constantFrom('dtype', 'shape', 'data_offsets', 'format', 'extra', 'step', 'rngs'),
    value: fc.oneof(weird, fc.constantFrom('F64', 'F16', 'I32', 'BOOL', 'F32', [0, 4], [4, 0], [0, 1e12], [3, 2], [2, 3], [-1, 2])),
  }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function headerOf(bytes: Uint8Array): { length: number; json: Record<string, Record<string, unknown>> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { length, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) };
}

/** The file with one edit; an edit that needs the header (length, JSON) leaves a file whose header no longer parses as it is. */
function applyEdit(good: Uint8Array, e: Edit): Uint8Array {
  try {
    return edited(good, e);
  } catch {
    return good;
  }
}

function edited(good: Uint8Array, e: Edit): Uint8Array {
  switch (e.kind) {
    case 'flip': {
      const out = good.slice();
      out[e.at % out.length] = e.value;
      return out;
    }
    case 'truncate':
      return good.slice(0, e.at % good.length);
    case 'extend':
      return Uint8Array.from([...good, ...new Array(e.count).fill(7)]);
    case 'headerLength': {
      const out = good.slice();
      const { length } = headerOf(good);
      new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, length + e.value)), true);
      return out;
    }
    case 'json': {
      const { length, json } = headerOf(good);
      const entry = (json[e.path] ??= {});
      entry[e.field] = e.value;
      let text = JSON.stringify(json);
      while (text.length % 8) text += ' ';
      const head = new TextEncoder().encode(text);
      const out = new Uint8Array(8 + head.length + good.length - 8 - length);
      new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
      out.set(head, 8);
      out.set(good.subarray(8 + length), 8 + head.length);
      return out;
    }
  }
}

/** Every parameter and buffer of a model, by name, as numbers. */
const valuesOf = (m: Module) =>
  Object.fromEntries([...m.namedParameters(), ...m.namedBuffers()].map(([k, t]) => [k, Array.from(b.readSync(t))]));

describe('fuzz: weight files', () => {
  it('edited safetensors files, as arrays and as Buffer views at odd offsets: load exactly, or a DownhillError that changes nothing', async () => {
    const source = model(1);
    const good = await api.saveWeights(source);
    const expected = valuesOf(source);
    let tried = 0;
    let loaded = 0;
    fc.assert(
      fc.property(
        fc.array(edit, { minLength: 0, maxLength: 2 }),
        fc.integer({ min: 0, max: 13 }),
        fc.boolean(),
        (edits, offset, strict) => {
          tried++;
          const bytes = asBuffer(
            edits.reduce((acc, e) => applyEdit(acc, e), good),
            offset,
          );
          const target = model(2);
          const before = valuesOf(target);
          let decoded = false;
          try {
            api.decodeSafetensors(bytes);
            decoded = true;
          } catch (e) {
            expectTyped(e);
          }
          try {
            api.loadWeights(target, bytes, { strict });
            loaded++;
            expect(decoded, 'loadWeights took a file decodeSafetensors refused').toBe(true);
            // Loaded: every value is the file's (here the source's, where the edit left values alone).
            if (edits.length === 0) expect(valuesOf(target)).toEqual(expected);
          } catch (e) {
            expectTyped(e);
            expect(valuesOf(target), 'a refused file changed the model').toEqual(before);
          }
          b.dispose([...stateOf(target)]);
        },
      ),
      { numRuns: 1200, seed: 52 },
    );
    b.dispose(stateOf(source));
    console.log(`fuzz: safetensors files: ${tried} inputs tried, ${loaded} loaded`);
  });

  it('edited checkpoints: restore, or a DownhillError that leaves the model and the optimizer state as they were', async () => {
    const source = model(1);
    const good = await api.encodeCheckpoint({ model: source, step: 7, optimizerState: '{"x":1}', metadata: { epoch: 2 } });
    let tried = 0;
    let restored = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 0, maxLength: 2 }), fc.integer({ min: 0, max: 13 }), (edits, offset) => {
        tried++;
        const bytes = asBuffer(
          edits.reduce((acc, e) => applyEdit(acc, e), good),
          offset,
        );
        const target = model(2);
        const before = valuesOf(target);
        let optimizerState: string | undefined;
        try {
          const ckpt = api.decodeCheckpoint(bytes);
          api.restoreCheckpoint(ckpt, { model: target, loadOptimizerState: (s) => (optimizerState = s) });
          restored++;
          expect(Number.isSafeInteger(ckpt.step) && ckpt.step >= 0, `step ${ckpt.step}`).toBe(true);
          if (edits.length === 0) {
            expect(ckpt.step).toBe(7);
            expect(optimizerState).toBe('{"x":1}');
            expect(valuesOf(target)).toEqual(valuesOf(source));
          }
        } catch (e) {
          expectTyped(e);
          expect(valuesOf(target), 'a refused checkpoint changed the model').toEqual(before);
        }
        b.dispose(stateOf(target));
      }),
      { numRuns: 800, seed: 53 },
    );
    b.dispose(stateOf(source));
    console.log(`fuzz: checkpoint files: ${tried} inputs tried, ${restored} restored`);
  });

  it('saving checkpoints with random malformed contents over an existing file: a readable checkpoint, or a DownhillError that leaves the file and its folder as they were', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'downhill-fuzz-'));
    const path = join(dir, 'checkpoint.safetensors');
    const source = model(1);
    await api.saveCheckpoint(path, { model: source, step: 1 });
    let tried = 0;
    let saved = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            step: fc.oneof(fc.nat(), weird),
            optimizerState: fc.oneof(fc.constant('{"a":1}'), weird),
            rngs: fc.oneof(fc.constant({}), weird),
            metadata: fc.oneof(fc.constant({ epoch: 1 }), weird, fc.constant({ big: 1n })),
            bogus: weird,
          },
          { requiredKeys: ['step'] },
        ),
        fc.constantFrom('same', 'missing folder'),
        async (fields, where) => {
          tried++;
          const target = where === 'same' ? path : join(dir, 'no-such-folder', 'c.safetensors');
          const before = await readFile(path);
          try {
            await api.saveCheckpoint(target, { model: source, ...(fields as object) } as never);
            saved++;
            const back = await api.loadCheckpoint(target);
            expect(back.step).toBe(fields.step);
          } catch (e) {
            expectTyped(e);
            expect(Buffer.compare(await readFile(path), before), 'a failed save changed the file').toBe(0);
          }
          expect(await readdir(dir), 'a temporary file was left behind').toEqual(['checkpoint.safetensors']);
        },
      ),
      { numRuns: 300, seed: 54 },
    );
    b.dispose(stateOf(source));
    await rm(dir, { recursive: true, force: true });
    console.log(`fuzz: checkpoint saves: ${tried} inputs tried, ${saved} saved`);
  });
});
