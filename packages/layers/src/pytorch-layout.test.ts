/**
 * PyTorch's layout: safetensors files of two torch.nn models' state_dicts, written once by torch
 * 1.13 (Debian's python3-torch) with __fixtures__/pytorch/state-dict.py (the script beside them;
 * CI has no PyTorch), load into the same models built here and give torch's eval-mode outputs; the
 * round trip writes back the same names, shapes, dtypes and bits (num_batches_tracked aside, which
 * downhill does not keep), and the file loads again.
 */
import { readFileSync } from 'node:fs';
import { UnknownOptionError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import fixture from './__fixtures__/pytorch/state-dict.json' with { type: 'json' };
import {
  BatchNorm,
  Conv1D,
  Conv2D,
  Dense,
  Dropout,
  Embedding,
  LayerNorm,
  Module,
  PyTorchLayoutError,
  ReLU,
  Sequential,
  Tanh,
  SafetensorsError,
  WeightsMismatchError,
  decodeSafetensors,
  encodeSafetensors,
  fromPyTorchStateDict,
  loadPyTorchWeights,
  savePyTorchWeights,
  toPyTorchStateDict,
  type ForwardContext,
} from './index.js';
import type { TensorLike } from '@downhill/autograd';
import { ones } from '@downhill/initializers';

const b = cpu();
const param = (m: Module, path: string): Tensor => new Map(m.namedParameters()).get(path)!;
const file = (name: string) => new Uint8Array(readFileSync(new URL(`./__fixtures__/pytorch/${name}.safetensors`, import.meta.url)));
const mlp = () =>
  new Sequential([new Dense(4, 6), new BatchNorm(6), new ReLU(), new Dense(6, 5), new LayerNorm(5), new Tanh(), new Dense(5, 3)]).init(b, {
    seed: 9,
  });
const cnn = () =>
  new Sequential([
    new Conv2D(2, 4, [3, 2], {
      padding: [
        [1, 1],
        [1, 1],
      ],
      groups: 2,
    }),
    new BatchNorm(4),
    new ReLU(),
    new Conv2D(4, 3, 2, { strides: 2 }),
  ]).init(b, { seed: 9 });
const conv1d = () =>
  new Sequential([new Conv1D(3, 2, 3, { dilation: 2 }), new Tanh(), new Conv1D(2, 2, 1, { useBias: false })]).init(b, { seed: 9 });
const MODELS = { mlp: () => mlp(), embedding: () => embedding(), cnn: () => cnn(), conv1d: () => conv1d() };

/** Nested lists to values and shape. */
function unnest(v: unknown): { data: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let x = v; Array.isArray(x); x = x[0]) shape.push(x.length);
  return { data: (v as unknown[]).flat(8) as number[], shape };
}

/** Channels first ([n, c, …]) to channels last ([n, …, c]), or back with `back`; on the host, for the test. */
function moveChannels(data: number[], shape: number[], back = false): { data: number[]; shape: number[] } {
  const r = shape.length;
  const perm = back
    ? [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)]
    : [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
  const outShape = perm.map((a) => shape[a]);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((n, d) => n * d, 1));
  const out: number[] = [];
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < data.length; k++) {
    out.push(data[idx.reduce((acc, i, d) => acc + i * strides[perm[d]], 0)]);
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

const embedding = () => new Sequential([new Embedding(10, 4), new Dense(4, 3, { useBias: false })]).init(b, { seed: 9 });

const closeF32 = (got: ArrayLike<number>, want: number[], what: string) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs torch ${want[i]}`).toBeLessThanOrEqual(
      2e-6 * Math.max(1, Math.abs(want[i])),
    );
};

describe(`PyTorch's layout (${fixture.source})`, () => {
  it('an MLP with BatchNorm and LayerNorm: torch weights load and give torch outputs in eval mode', () => {
    const model = mlp();
    loadPyTorchWeights(model, file('mlp'));
    const x = b.tensor(fixture.models.mlp.input.flat(3), [8, 4], 'float32');
    const y = model.eval().call(x);
    closeF32(b.readSync(y), fixture.models.mlp.output.flat(3), 'mlp output');
  });

  it('Embedding then a Dense without bias: the same', () => {
    const model = embedding();
    loadPyTorchWeights(model, file('embedding'));
    const ids = b.tensor(fixture.models.embedding.input.flat(3), [2, 3], 'int32');
    closeF32(b.readSync(model.eval().call(ids)), fixture.models.embedding.output.flat(3), 'embedding output');
  });

  for (const name of ['cnn', 'conv1d'] as const) {
    it(`${name} (channels first in torch, last here): torch weights load and give torch outputs`, () => {
      const model = MODELS[name]();
      loadPyTorchWeights(model, file(name));
      const input = unnest(fixture.models[name].input);
      const x = moveChannels(input.data, input.shape);
      const y = model.eval().call(b.tensor(x.data, x.shape, 'float32'));
      const back = moveChannels(Array.from(b.readSync(y)), [...y.shape], true);
      const want = unnest(fixture.models[name].output);
      expect(back.shape).toEqual(want.shape);
      closeF32(back.data, want.data, `${name} output`);
    });
  }

  for (const name of ['mlp', 'embedding', 'cnn', 'conv1d'] as const) {
    it(`${name}: the round trip writes torch's names, order, shapes and bits back; the file loads again`, async () => {
      const model = MODELS[name]();
      const torchFile = decodeSafetensors(file(name));
      loadPyTorchWeights(model, file(name));
      const bytes = await savePyTorchWeights(model);
      const ours = decodeSafetensors(bytes);
      expect([...ours.tensors.keys()]).toEqual(fixture.models[name].names);
      expect(ours.metadata.format).toBe('pt');
      for (const [k, want] of torchFile.tensors) {
        const got = ours.tensors.get(k)!;
        expect([got.dtype, got.shape], k).toEqual([want.dtype, want.shape]);
        if (!k.endsWith('num_batches_tracked')) expect(Array.from(got.data), k).toEqual(Array.from(want.data));
      }
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
      if (name === 'mlp' || name === 'cnn') expect(header['1.num_batches_tracked'].dtype).toBe('I64');
      const again = MODELS[name]();
      loadPyTorchWeights(again, bytes);
      const a = await toPyTorchStateDict(model);
      const c = await toPyTorchStateDict(again);
      for (const [k, e] of a) expect(Array.from(c.get(k)!.data), k).toEqual(Array.from(e.data));
    });
  }

  it('toPyTorchStateDict transposes a Dense kernel [in, out] to weight [out, in]', async () => {
    const model = new Sequential([new Dense(2, 3)]).init(b, { seed: 1 });
    const kernel = Array.from(b.readSync(param(model, '0.kernel')));
    const sd = await toPyTorchStateDict(model);
    const w = sd.get('0.weight')!;
    expect(w.shape).toEqual([3, 2]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(w.data[j * 2 + i]).toBe(kernel[i * 3 + j]);
  });

  it('fromPyTorchStateDict takes a record; a mis-shaped or missing entry changes nothing and names it', () => {
    const model = new Sequential([new Dense(2, 3), new Dropout(0.5), new Dense(3, 1)]).init(b, { seed: 1 });
    const before = Array.from(b.readSync(param(model, '0.kernel')));
    const f32 = (shape: number[], fill: number) => ({
      dtype: 'float32' as const,
      shape,
      data: new Float32Array(shape.reduce((n, d) => n * d, 1)).fill(fill),
    });
    fromPyTorchStateDict(model, { '0.weight': f32([3, 2], 1), '0.bias': f32([3], 2), '2.weight': f32([1, 3], 3), '2.bias': f32([1], 4) });
    expect(Array.from(b.readSync(param(model, '2.kernel')))).toEqual([3, 3, 3]);
    const loaded = Array.from(b.readSync(param(model, '0.kernel')));
    expect(loaded).not.toEqual(before);
    expect(() => fromPyTorchStateDict(model, { '0.weight': f32([3, 2], 7), '0.bias': f32([3], 7), '2.weight': f32([1, 3], 7) })).toThrow(
      WeightsMismatchError,
    );
    expect(() =>
      fromPyTorchStateDict(model, {
        '0.weight': f32([3, 2], 7),
        '0.bias': f32([3], 7),
        '2.weight': f32([1, 3], 7),
        '2.bias': f32([1], 7),
        extra: f32([1], 0),
      }),
    ).toThrow(/'extra' is in the file but not in the model/);
    expect(Array.from(b.readSync(param(model, '0.kernel')))).toEqual(loaded);
  });

  it('a layer with no PyTorch layout is a PyTorchLayoutError naming the parameter and the layer', async () => {
    class Scale extends Module {
      constructor() {
        super();
        this.addParameter('s', [1], ones());
      }
      forward(x: TensorLike, _ctx: ForwardContext): TensorLike {
        return x;
      }
    }
    const model = new Sequential([new Dense(1, 1), new Scale()]).init(b, { seed: 0 });
    await expect(toPyTorchStateDict(model)).rejects.toThrow(PyTorchLayoutError);
    await expect(toPyTorchStateDict(model)).rejects.toThrow(/'1.s' belongs to Scale at '1', which has no PyTorch layout/);
    expect(() => loadPyTorchWeights(model, file('embedding'), { strict: true, bogus: 1 } as never)).toThrow(UnknownOptionError);
  });

  it('safetensors I64: read as int32 when it fits, an error naming the entry when it does not', () => {
    const entry = { dtype: 'int32' as const, shape: [2], data: Int32Array.from([-3, 2147483647]) };
    const bytes = encodeSafetensors([['n', entry]], {}, { int64: ['n'] });
    expect(Array.from(decodeSafetensors(bytes).tensors.get('n')!.data)).toEqual([-3, 2147483647]);
    const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
    view.setBigInt64(0, 2n ** 40n, true);
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes)).toThrow(/'n' is I64 and holds 1099511627776 at index 1, outside the int32 range/);
    expect(() => encodeSafetensors([['f', { dtype: 'float32', shape: [1], data: new Float32Array(1) }]], {}, { int64: ['f'] })).toThrow(
      /'f' is float32; only int32 entries can be stored as I64/,
    );
  });
});
