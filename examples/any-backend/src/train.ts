import '@downhill/backend-cpu/register';
import '@downhill/backend-cuda/register';
import '@downhill/backend-tfjs/register';
import '@downhill/backend-webgpu/register';
import { valueAndGrad } from '@downhill/autograd';
import { getBackend, type Backend } from '@downhill/backend';
import { rng } from '@downhill/initializers';
import { Dense, Sequential, Tanh, type Params } from '@downhill/layers';
import { softmaxCrossEntropy } from '@downhill/losses';
import { adam, step } from '@downhill/optimizers';

/** Options of {@link train}. */
export interface TrainOptions {
  /** Optimizer steps (full batch). Default 100. */
  readonly steps?: number;
  /** Seed of the data and of the weights. Default 0. */
  readonly seed?: number;
}

/** Three classes in four dimensions, labelled by the largest coordinate of a fixed linear map. */
function makeData(seed: number, n: number): { x: Float32Array; y: Int32Array } {
  const key = rng(seed).fold('data');
  const x = Float32Array.from(key.fold('x').normal(n * 4));
  const w = key.fold('w').normal(4 * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += x[i * 4 + j] * w[j * 3 + c];
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    y[i] = best;
  }
  return { x, y };
}

/**
 * Trains a 4-16-3 tanh network with Adam on 64 synthetic examples and returns the loss of every
 * step. Everything but the backend's name is fixed, so curves from different backends can be
 * compared: the same seed gives bitwise the same data and initial weights on every backend.
 *
 * @example
 * ```ts
 * const losses = await train(await getBackend('tfjs-wasm'));
 * ```
 */
export async function train(backend: Backend, { steps = 100, seed = 0 }: TrainOptions = {}): Promise<number[]> {
  const n = 64;
  const data = makeData(seed, n);
  const x = backend.keep(backend.tensor(data.x, [n, 4]));
  const y = backend.keep(backend.tensor(data.y, [n], 'int32'));
  const model = new Sequential({ hidden: new Dense(4, 16), act: new Tanh(), out: new Dense(16, 3) }).init(backend, { seed });
  const tx = adam(0.02);
  let state = tx.init(model.parameters());
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const [loss, grads] = valueAndGrad((p: Params) => softmaxCrossEntropy(model.apply(p, x), y))(model.parameters());
      const next = step(tx, model.parameters(), grads, state, { inPlace: true });
      model.setParameters(next.params);
      state = next.state;
      losses.push((await loss.read())[0]);
      backend.dispose([loss, grads]);
    }
  } finally {
    backend.dispose([x, y, state]);
    model.dispose();
  }
  return losses;
}

/** {@link train} on the backend registered under `name` (cpu, tfjs-wasm, tfjs-cpu, webgpu, cuda). */
export async function trainOn(name: string, options: TrainOptions = {}): Promise<number[]> {
  return train(await getBackend(name), options);
}
