import type { Backend, Tensor } from '@downhill/backend';
import { detach, valueAndGrad } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import type { Params } from '@downhill/layers';
import { softmaxCrossEntropy } from '@downhill/losses';
import { Optimizer, adamw } from '@downhill/optimizers';
import { warmupCosineDecay } from '@downhill/schedulers';
import { encodeBatch, type NamesData } from './data.js';
import { CharTransformer } from './model.js';

/** Settings of a training run. */
export interface TrainOptions {
  readonly backend: Backend;
  readonly data: NamesData;
  readonly epochs: number;
  readonly batchSize: number;
  /** Peak learning rate of AdamW (warmup over 5% of the steps, then a cosine to a hundredth). */
  readonly lr: number;
  readonly weightDecay: number;
  readonly seed: number;
  readonly dim: number;
  readonly layers: number;
  readonly heads: number;
  readonly dropout: number;
  /** Called after every step and after every epoch's validation. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** What the progress display is told. */
export type ProgressEvent =
  | { readonly kind: 'step'; readonly epoch: number; readonly step: number; readonly stepsPerEpoch: number; readonly loss: number }
  | { readonly kind: 'epoch'; readonly metrics: EpochMetrics };

/** One epoch's figures, in nats per character. */
export interface EpochMetrics {
  readonly epoch: number;
  /** Mean training loss over the epoch's steps, weighted by characters (dropout on). */
  readonly trainLoss: number;
  /** Validation loss, evaluation mode, every character of every held-out name. */
  readonly validationLoss: number;
  readonly seconds: number;
}

/** What a run gives: the trained model (the caller disposes it) and the curves. */
export interface TrainResult {
  readonly model: CharTransformer;
  /** Per step: the batch's loss in nats per character. */
  readonly stepLosses: number[];
  readonly epochs: EpochMetrics[];
  readonly parameterCount: number;
  readonly seconds: number;
}

const read = (t: Tensor) => t.backend.readSync(t)[0];

/** The sum of the losses over every character of `names` (evaluation mode), and how many characters. */
export function evaluate(model: CharTransformer, backend: Backend, data: NamesData, names: readonly string[]): number {
  let nll = 0;
  let count = 0;
  for (let i = 0; i < names.length; i += 512) {
    const batch = encodeBatch(names.slice(i, i + 512), data.vocabulary, { round: 4, limit: data.blockSize });
    const sum = backend.scope(() => {
      const x = backend.tensor(batch.inputs, [batch.n, batch.t], 'int32');
      const y = backend.tensor(batch.targets, [batch.n, batch.t], 'int32');
      const w = backend.tensor(batch.mask, [batch.n, batch.t]);
      const logits = model.apply(model.parameters(), x, { training: false });
      return detach(softmaxCrossEntropy(logits, y, { weights: w, reduction: 'sum' })); // no trace here: the tensor itself
    });
    nll += read(sum);
    sum.dispose();
    count += batch.count;
  }
  return nll / count;
}

/**
 * Trains the character model with AdamW on shuffled minibatches of names (each batch padded to
 * its longest name; the padding carries zero weight in the loss), evaluating the validation loss
 * after every epoch. Deterministic for a seed: weights from `rng(seed)`, epoch `e`'s order from
 * `rng(seed).fold('shuffle').fold(e)`, step `s`'s dropout from `rng(seed).fold('dropout').fold(s)`.
 */
export function train(options: TrainOptions): TrainResult {
  const { backend, data, epochs, batchSize, lr, weightDecay, seed, dim, layers, heads, dropout, onProgress } = options;
  const started = performance.now();
  const model = new CharTransformer({ vocab: data.vocabulary.chars.length, blockSize: data.blockSize, dim, layers, heads, dropout });
  model.init(backend, { seed });
  const stepsPerEpoch = Math.ceil(data.train.length / batchSize);
  const total = stepsPerEpoch * epochs;
  const schedule = warmupCosineDecay(lr, { warmupSteps: Math.max(1, Math.round(0.05 * total)), decaySteps: total, end: lr / 100 });
  // No weight decay on biases, LayerNorm parameters and embeddings (as in GPT-2 and nanoGPT).
  const decayed = (name: string) => name.endsWith('kernel') && !name.startsWith('tokens') && !name.startsWith('positions');
  const opt = new Optimizer(adamw(schedule, { weightDecay, mask: decayed }), model.parameters(), { name: 'adamw' });
  const lossAndGrad = valueAndGrad((p: Params, x: Tensor, y: Tensor, w: Tensor, key: ReturnType<typeof rng>) =>
    softmaxCrossEntropy(model.apply(p, x, { training: true, rng: key }), y, { weights: w }),
  );
  const root = rng(seed);
  const stepLosses: number[] = [];
  const epochMetrics: EpochMetrics[] = [];
  let step = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const order = [...data.train];
      const u = root.fold('shuffle').fold(epoch).uniform(order.length);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(u[i] * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let lossSum = 0;
      let chars = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const batch = encodeBatch(order.slice(s * batchSize, (s + 1) * batchSize), data.vocabulary, { round: 4, limit: data.blockSize });
        const x = backend.tensor(batch.inputs, [batch.n, batch.t], 'int32');
        const y = backend.tensor(batch.targets, [batch.n, batch.t], 'int32');
        const w = backend.tensor(batch.mask, [batch.n, batch.t]);
        const [loss, grads] = lossAndGrad(model.parameters(), x, y, w, root.fold('dropout').fold(step));
        model.setParameters(opt.step(model.parameters(), grads));
        const value = read(loss);
        backend.dispose([x, y, w, loss, grads]);
        if (!Number.isFinite(value)) throw new Error(`names: the loss is ${value} at step ${step}; try a smaller --lr`);
        stepLosses.push(value);
        lossSum += value * batch.count;
        chars += batch.count;
        step++;
        onProgress?.({ kind: 'step', epoch, step: s + 1, stepsPerEpoch, loss: lossSum / chars });
      }
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / chars,
        validationLoss: evaluate(model, backend, data, data.validation),
        seconds: (performance.now() - t0) / 1000,
      };
      epochMetrics.push(metrics);
      onProgress?.({ kind: 'epoch', metrics });
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
  return { model, stepLosses, epochs: epochMetrics, parameterCount: model.parameterCount(), seconds: (performance.now() - started) / 1000 };
}
