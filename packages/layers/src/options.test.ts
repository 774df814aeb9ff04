/**
 * Unknown options are errors: one row per exported name of the package (see the optimizers'
 * options.test.ts). A new export without a row fails the last test.
 */
import { UnknownOptionError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const b = cpu();
const BAD = { notAnOption: 1 } as never;
const model = () => new api.Sequential([new api.Dense(2, 1)]).init(b, { seed: 1 });

type Row = (() => unknown) | `no options: ${string}`;

const ROWS: Record<string, Row> = {
  Module: 'no options: abstract base; init/apply/call rows below',
  ModuleInit: () => new api.Dense(2, 1).init(b, { seed: 1, ...(BAD as object) }),
  ModuleApply: () => {
    const m = model();
    return m.apply(m.parameters(), b.zeros([1, 2]), BAD);
  },
  ModuleCall: () => model().call(b.zeros([1, 2]), BAD),
  Dense: () => new api.Dense(2, 1, BAD),
  ELU: () => new api.ELU(BAD),
  Flatten: 'no options: ()',
  GELU: () => new api.GELU(BAD),
  LeakyReLU: () => new api.LeakyReLU(BAD),
  LogSoftmax: () => new api.LogSoftmax(BAD),
  ReLU: 'no options: ()',
  Sigmoid: 'no options: ()',
  Softmax: () => new api.Softmax(BAD),
  Tanh: 'no options: ()',
  SiLU: 'no options: ()',
  Embedding: () => new api.Embedding(4, 2, BAD),
  MultiHeadAttention: () => new api.MultiHeadAttention(4, 2, BAD),
  TransformerBlock: () => new api.TransformerBlock(4, 2, BAD),
  Residual: 'no options: (body)',
  Conv1D: () => new api.Conv1D(2, 2, 3, BAD),
  Conv2D: () => new api.Conv2D(2, 2, 3, BAD),
  MaxPool: () => new api.MaxPool(2, BAD),
  AvgPool: () => new api.AvgPool(2, BAD),
  GlobalAvgPool: 'no options: ()',
  Sequential: 'no options: (layers)',
  Dropout: () => new api.Dropout(0.5, BAD),
  BatchNorm: () => new api.BatchNorm(2, BAD),
  LayerNorm: () => new api.LayerNorm(2, BAD),
  WeightsMismatchError: 'no options: an error class',
  loadWeights: () => api.loadWeights(model(), new Uint8Array(8), BAD),
  saveWeights: () => api.saveWeights(model(), BAD),
  saveWeightsSync: () => api.saveWeightsSync(model(), BAD),
  SafetensorsError: 'no options: an error class',
  decodeSafetensors: 'no options: (bytes)',
  encodeSafetensors: () => api.encodeSafetensors([], {}, BAD),
  PyTorchLayoutError: 'no options: an error class',
  toPyTorchStateDict: 'no options: (model)',
  fromPyTorchStateDict: () => api.fromPyTorchStateDict(model(), {}, BAD),
  savePyTorchWeights: () => api.savePyTorchWeights(model(), BAD),
  loadPyTorchWeights: () => api.loadPyTorchWeights(model(), new Uint8Array(8), BAD),
  CheckpointError: 'no options: an error class',
  encodeCheckpoint: () => api.encodeCheckpoint({ model: model(), step: 0, ...(BAD as object) }),
  decodeCheckpoint: 'no options: (bytes, where)',
  restoreCheckpoint: () =>
    api.restoreCheckpoint(
      { step: 0, optimizerState: undefined, rngs: {}, metadata: undefined, weights: new Uint8Array(8) },
      { model: model(), ...(BAD as object) },
    ),
  loadCheckpoint: 'no options: (path)',
  saveCheckpoint: () => api.saveCheckpoint('/nonexistent-dir/never-written.ckpt', { model: model(), step: 0, ...(BAD as object) }),
  writeFileAtomic: 'no options: (path, bytes)',
};

describe('unknown options are errors', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    if (typeof row !== 'function') continue;
    it(`${name} rejects an unknown key with UnknownOptionError naming the valid keys`, async () => {
      let err: unknown;
      try {
        await row();
      } catch (e) {
        err = e;
      }
      expect(err, `${name} accepted { notAnOption: 1 }`).toBeInstanceOf(UnknownOptionError);
      expect((err as Error).message).toMatch(/unknown option 'notAnOption'.* takes /);
    });
  }

  it('suggests the nearest key', () => {
    expect(() => new api.Dense(2, 1, { use_bias: false } as never)).toThrow(/'use_bias' \(did you mean 'useBias'\?\)/);
    expect(() => new api.BatchNorm(2, { eps: 1e-3 } as never)).toThrow(UnknownOptionError);
  });

  it('every exported function or class has a row', () => {
    const fns = Object.keys(api).filter((k) => typeof (api as Record<string, unknown>)[k] === 'function');
    expect(fns.filter((k) => !(k in ROWS))).toEqual([]);
  });
});
