import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { valueAndGrad } from '@downhill/autograd';
import { rng, type Rng } from '@downhill/initializers';
import { softmaxCrossEntropy } from '@downhill/losses';
import { Optimizer, adam, deserializeState, serializeState } from '@downhill/optimizers';
import {
  BatchNorm,
  CheckpointError,
  Dense,
  Dropout,
  ReLU,
  Sequential,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  loadWeights,
  restoreCheckpoint,
  saveCheckpoint,
  saveWeights,
  type Params,
} from './index.js';

const b = cpu();
const bits = (t: Tensor) => {
  const d = b.readSync(t);
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};
const x = b.keep(b.tensor(rng(9).normal(16 * 5), [16, 5], 'float32'));
const y = b.keep(
  b.tensor(
    Array.from({ length: 16 }, (_, i) => i % 3),
    [16],
    'int32',
  ),
);

/** A model with every kind of state: parameters, BatchNorm buffers, dropout masks from a key per step. */
function setup(seed: number) {
  const model = new Sequential({
    d1: new Dense(5, 8),
    bn: new BatchNorm(8),
    act: new ReLU(),
    drop: new Dropout(0.3),
    out: new Dense(8, 3),
  }).init(b, { seed });
  const opt = new Optimizer(adam(0.05), model.parameters());
  return { model, opt };
}

function trainSteps({ model, opt }: ReturnType<typeof setup>, key: Rng | undefined, from: number, to: number): number[] {
  const losses: number[] = [];
  const f = valueAndGrad(
    (p: Params, k: Rng | undefined) => {
      // without a key, Dropout draws from its own seed and the pass count in its buffer 'step'
      const { output, buffers } = model.applyFunctional(p, model.buffers(), x, k ? { training: true, rng: k } : { training: true });
      return [softmaxCrossEntropy(output, y), buffers] as const;
    },
    { hasAux: true },
  );
  for (let s = from; s < to; s++) {
    const [[loss, buffers], grads] = f(model.parameters(), key?.fold(s));
    model.setParameters(opt.step(model.parameters(), grads));
    model.setBuffers(buffers as Params);
    losses.push(b.readSync(loss)[0]);
    b.dispose([loss, grads]);
  }
  return losses;
}

const state = (m: Sequential) => [...m.namedParameters(), ...m.namedBuffers()].map(([n, t]) => [n, bits(t)]);

describe('checkpoints', () => {
  it('training 3 steps, saving, restoring into a fresh model and optimizer and training 3 more is bitwise the 6-step run', async () => {
    const key = rng(4);
    const straight = setup(1);
    const lossesStraight = trainSteps(straight, key, 0, 6);

    const first = setup(1);
    const lossesA = trainSteps(first, key, 0, 3);
    const dir = mkdtempSync(join(tmpdir(), 'downhill-ckpt-'));
    const path = join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(path, {
      model: first.model,
      step: 3,
      optimizerState: serializeState(await first.opt.stateDict()),
      rngs: { dropout: key },
      metadata: { losses: lossesA, note: 'epoch 1' },
    });
    expect(readdirSync(dir)).toEqual(['checkpoint.safetensors']); // no temporary file left

    const second = setup(2); // other weights: the restore must replace them all
    const ckpt = await loadCheckpoint(path);
    expect(ckpt.step).toBe(3);
    expect(ckpt.metadata).toEqual({ losses: lossesA, note: 'epoch 1' });
    expect(ckpt.rngs.dropout.state).toEqual(key.state);
    restoreCheckpoint(ckpt, { model: second.model, loadOptimizerState: (s) => second.opt.loadStateDict(deserializeState(s)) });
    const lossesB = trainSteps(second, ckpt.rngs.dropout, ckpt.step, 6);

    expect([...lossesA, ...lossesB]).toEqual(lossesStraight);
    expect(state(second.model)).toEqual(state(straight.model));
    expect(serializeState(await second.opt.stateDict())).toBe(serializeState(await straight.opt.stateDict()));
  });

  it("without a key per step, Dropout's own pass count travels in the checkpoint: 3 + 3 steps are bitwise 6", async () => {
    const straight = setup(1);
    const lossesStraight = trainSteps(straight, undefined, 0, 6);
    const first = setup(1);
    const lossesA = trainSteps(first, undefined, 0, 3);
    const bytes = await encodeCheckpoint({ model: first.model, step: 3, optimizerState: serializeState(await first.opt.stateDict()) });
    const second = setup(1); // the same seed, so the same Dropout stream; its pass count comes from the checkpoint
    restoreCheckpoint(decodeCheckpoint(bytes), {
      model: second.model,
      loadOptimizerState: (st) => second.opt.loadStateDict(deserializeState(st)),
    });
    const lossesB = trainSteps(second, undefined, 3, 6);
    expect([...lossesA, ...lossesB]).toEqual(lossesStraight);
    expect(state(second.model)).toEqual(state(straight.model));
  });

  it('is a safetensors file whose tensors are the weights (loadWeights reads it)', async () => {
    const { model, opt } = setup(3);
    const bytes = await encodeCheckpoint({ model, step: 0, optimizerState: serializeState(await opt.stateDict()) });
    const other = setup(5).model;
    loadWeights(other, bytes);
    expect(state(other)).toEqual(state(model));
  });

  it('a failed restore changes neither the model nor the optimizer', async () => {
    const a = setup(1);
    trainSteps(a, rng(0), 0, 2);
    const good = decodeCheckpoint(
      await encodeCheckpoint({ model: a.model, step: 2, optimizerState: serializeState(await a.opt.stateDict()) }),
    );
    const target = setup(7);
    trainSteps(target, rng(1), 0, 1);
    const before = { model: state(target.model), opt: serializeState(await target.opt.stateDict()) };

    // optimizer state of another model (other shapes): weights fit, the state does not
    const small = new Sequential({ d1: new Dense(5, 2) }).init(b, { seed: 0 });
    const wrongState = serializeState(await new Optimizer(adam(0.1), small.parameters()).stateDict());
    const mixed = { ...good, optimizerState: wrongState };
    const load = (s: string) => target.opt.loadStateDict(deserializeState(s));
    expect(() => restoreCheckpoint(mixed, { model: target.model, loadOptimizerState: load })).toThrow(CheckpointError);
    expect(() => restoreCheckpoint(mixed, { model: target.model, loadOptimizerState: load })).toThrow(
      /the optimizer state does not fit; nothing was loaded/,
    );
    // weights of another model: refused before the optimizer is touched
    const otherWeights = decodeCheckpoint(await encodeCheckpoint({ model: small, step: 0, optimizerState: good.optimizerState }));
    expect(() => restoreCheckpoint(otherWeights, { model: target.model, loadOptimizerState: load })).toThrow(
      /the weights do not fit the model; nothing was loaded/,
    );
    // optimizer state present but no loader given
    expect(() => restoreCheckpoint(good, { model: target.model })).toThrow(/pass loadOptimizerState/);
    expect(state(target.model)).toEqual(before.model);
    expect(serializeState(await target.opt.stateDict())).toBe(before.opt);
  });

  it('refuses what is not a checkpoint, with typed errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'downhill-ckpt-'));
    await expect(loadCheckpoint(join(dir, 'none.safetensors'))).rejects.toThrow(/no checkpoint at '.*none\.safetensors'/);
    const weightsOnly = join(dir, 'weights.safetensors');
    writeFileSync(weightsOnly, await saveWeights(setup(0).model));
    await expect(loadCheckpoint(weightsOnly)).rejects.toThrow(/not a checkpoint: the file's metadata says format "downhill"/);
    writeFileSync(join(dir, 'junk'), new Uint8Array([1, 2, 3]));
    await expect(loadCheckpoint(join(dir, 'junk'))).rejects.toBeInstanceOf(CheckpointError);
    await expect(encodeCheckpoint({ model: setup(0).model, step: -1 })).rejects.toThrow(/step must be a non-negative integer, got -1/);
  });

  it('a failed write leaves the previous checkpoint whole and no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'downhill-ckpt-'));
    const path = join(dir, 'checkpoint.safetensors');
    const { model } = setup(0);
    await saveCheckpoint(path, { model, step: 1 });
    const before = readFileSync(path);
    // metadata that cannot be serialized fails before anything is written
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(saveCheckpoint(path, { model, step: 2, metadata: cyclic })).rejects.toThrow(/metadata must be JSON-serializable/);
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['checkpoint.safetensors']);
    expect((await loadCheckpoint(path)).step).toBe(1);
  });
});
