import type { Backend, Tensor, TypedArray } from '@downhill/backend';
import { valueAndGrad, type TensorLike } from '@downhill/autograd';
import { rng, type Rng } from '@downhill/initializers';
import type { Params } from '@downhill/layers';
import { Optimizer, chain, clipByGlobalNorm, createOptimizer, getHyperparams, type GradientTransformation } from '@downhill/optimizers';
import type { Dataset } from './data.js';
import { correctCount, crossEntropy } from './loss.js';
import { mlp } from './model.js';
import { makeSchedule, type ScheduleName } from './schedules.js';

/** One training run's settings. */
export interface TrainOptions {
  readonly backend: Backend;
  /** A registered optimizer name. */
  readonly optimizer: string;
  /** Peak learning rate. */
  readonly lr: number;
  readonly schedule: ScheduleName;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Global-norm clipping threshold, or undefined. */
  readonly clip?: number;
  readonly hidden: readonly number[];
  readonly batchnorm: boolean;
  readonly dropout: number;
  readonly train: Dataset;
  readonly test: Dataset;
  /** Called after every step and at the end of each epoch. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** What the progress display is told. */
export type ProgressEvent =
  | { readonly kind: 'epoch-start'; readonly epoch: number; readonly steps: number }
  | { readonly kind: 'step'; readonly epoch: number; readonly stepInEpoch: number; readonly loss: number; readonly accuracy: number; readonly lr: number; readonly examplesPerSecond: number }
  | { readonly kind: 'epoch-end'; readonly metrics: EpochMetrics };

/** Metrics of one epoch. */
export interface EpochMetrics {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training loss over the epoch's steps (the model changing as it goes). */
  readonly trainLoss: number;
  /** Training accuracy over the epoch, counted on each batch before its step (as Keras reports it). */
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Seconds the epoch took, test evaluation included. */
  readonly wallTimeSeconds: number;
  readonly examplesPerSecond: number;
  /** Live tensors on the backend at the end of the epoch (flat across epochs: nothing leaks). */
  readonly liveTensors: number;
}

/** What one run gives. */
export interface RunResult {
  readonly optimizer: {
    readonly name: string;
    /** The peak learning rate and the schedule that shapes it. */
    readonly lr: number;
    readonly schedule: ScheduleName;
    /** Gradient clipping by global norm, or null. */
    readonly clip: number | null;
    /** The optimizer's other hyperparameters, as its state holds them at the start. */
    readonly hyperparameters: Record<string, number>;
  };
  /** Per optimizer step: the mean loss of the batch and the learning rate used. */
  readonly steps: { readonly loss: number[]; readonly lr: number[] };
  readonly epochs: EpochMetrics[];
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly wallTimeSeconds: number;
  /** Trainable scalars. */
  readonly parameterCount: number;
}

/** The visiting order of one epoch: a Fisher-Yates shuffle driven by the run's key. */
export function epochOrder(count: number, key: Rng): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const u = key.uniform(count);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

function read(t: Tensor): TypedArray | Promise<TypedArray> {
  return t.backend.capabilities.syncRead ? t.backend.readSync(t) : t.backend.read(t);
}

/** Builds the optimizer: the registered one with its schedule, behind global-norm clipping when asked. */
function makeOptimizer(name: string, schedule: (step: number) => number, clip: number | undefined): GradientTransformation {
  const tx = createOptimizer(name, { lr: schedule });
  return clip === undefined ? tx : chain(clipByGlobalNorm(clip), tx);
}

/** The model, its optimizer and one training step on a batch; what `train` and the backend probe share. */
export interface Trainer {
  readonly model: ReturnType<typeof mlp>;
  readonly optimizer: Optimizer;
  /** One step on a batch (host arrays, `n` rows): returns the batch's mean loss and how many rows were right. */
  step(x: Float32Array, y: Int32Array, n: number, key: Rng): Promise<{ loss: number; correct: number }>;
  /** Releases the model's and the optimizer's tensors. */
  dispose(): void;
}

/**
 * Builds the MLP on `backend` (weights from `seed`), the optimizer (`name` with `schedule`,
 * clipping when asked) and the step: forward in training mode, softmax cross-entropy, gradients
 * by `valueAndGrad`, one optimizer step, BatchNorm statistics stored.
 */
export function createTrainer(
  backend: Backend,
  { optimizer, schedule, clip, hidden, batchnorm, dropout, seed, features }: { optimizer: string; schedule: (step: number) => number; clip?: number; hidden: readonly number[]; batchnorm: boolean; dropout: number; seed: number; features: number },
): Trainer {
  const model = mlp({ inputs: features, hidden, classes: 10, batchnorm, dropout }).init(backend, { seed });
  const opt = new Optimizer(makeOptimizer(optimizer, schedule, clip), model.parameters(), { name: optimizer });
  const lossAndGrad = valueAndGrad(
    (p: Params, x: Tensor, y: Tensor, buffers: Params, key: Rng) => {
      const { output, buffers: next } = model.applyFunctional(p, buffers, x, { training: true, rng: key });
      return [crossEntropy(output, y), { buffers: next, correct: correctCount(output, y) }] as const;
    },
    { hasAux: true },
  );
  return {
    model,
    optimizer: opt,
    async step(xs, ys, n, key) {
      const x = backend.tensor(xs.length === n * features ? xs : xs.subarray(0, n * features), [n, features]);
      const y = backend.tensor(ys.length === n ? ys : ys.subarray(0, n), [n], 'int32');
      const [[loss, aux], grads] = lossAndGrad(model.parameters(), x, y, model.buffers(), key);
      model.setParameters(opt.step(model.parameters(), grads as Params));
      if (batchnorm) model.setBuffers(aux.buffers as Params);
      const lossValue = (await read(loss))[0];
      const correct = (await read(aux.correct as Tensor))[0];
      backend.dispose([x, y, loss, aux.correct as Tensor, grads as never]);
      return { loss: lossValue, correct };
    },
    dispose() {
      model.dispose();
      opt.dispose();
    },
  };
}

/**
 * Trains the MLP once and evaluates it on the test set after every epoch. Deterministic for a
 * seed on a deterministic backend: the weights come from `rng(seed)`, each epoch's order from
 * `rng(seed).fold('shuffle').fold(epoch)`, each step's dropout masks from
 * `rng(seed).fold('dropout').fold(step)`.
 */
export async function train(options: TrainOptions): Promise<RunResult> {
  const { backend, optimizer, lr, schedule, epochs, batchSize, seed, clip, hidden, batchnorm, dropout, train: data, test, onProgress } = options;
  const started = performance.now();
  const root = rng(seed);
  const stepsPerEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const sched = makeSchedule(schedule, { lr, totalSteps, stepsPerEpoch });
  const trainer = createTrainer(backend, { optimizer, schedule: sched, clip, hidden, batchnorm, dropout, seed, features: data.features });
  const { model } = trainer;
  const { lr: _initialLr, ...hyperparameters } = getHyperparams(trainer.optimizer.state) ?? {};

  const steps = { loss: [] as number[], lr: [] as number[] };
  const epochMetrics: EpochMetrics[] = [];
  const xBatch = new Float32Array(batchSize * data.features);
  const yBatch = new Int32Array(batchSize);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      const order = epochOrder(data.count, root.fold('shuffle').fold(epoch));
      onProgress?.({ kind: 'epoch-start', epoch, steps: stepsPerEpoch });
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let s = 0; s < stepsPerEpoch; s++, step++) {
        const begin = s * batchSize;
        const n = Math.min(batchSize, data.count - begin);
        for (let i = 0; i < n; i++) {
          const row = order[begin + i];
          xBatch.set(data.x.subarray(row * data.features, (row + 1) * data.features), i * data.features);
          yBatch[i] = data.y[row];
        }
        const { loss: lossValue, correct: correctValue } = await trainer.step(xBatch, yBatch, n, root.fold('dropout').fold(step));
        if (!Number.isFinite(lossValue)) throw new Error(`${optimizer}: the loss is ${lossValue} at step ${step} (learning rate ${sched(step)}): training diverged; try a smaller --lr or --clip`);
        steps.loss.push(lossValue);
        steps.lr.push(sched(step));
        lossSum += lossValue * n;
        correct += correctValue;
        seen += n;
        onProgress?.({
          kind: 'step',
          epoch,
          stepInEpoch: s + 1,
          loss: lossSum / seen,
          accuracy: correct / seen,
          lr: sched(step),
          examplesPerSecond: seen / ((performance.now() - epochStart) / 1000),
        });
      }
      const trainSeconds = (performance.now() - epochStart) / 1000;
      const evaluation = await evaluate(model, test);
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testLoss: evaluation.loss,
        testAccuracy: evaluation.accuracy,
        wallTimeSeconds: (performance.now() - epochStart) / 1000,
        examplesPerSecond: seen / trainSeconds,
        liveTensors: backend.memory().tensors,
      };
      epochMetrics.push(metrics);
      onProgress?.({ kind: 'epoch-end', metrics });
    }
  } finally {
    trainer.dispose();
  }
  const last = epochMetrics[epochMetrics.length - 1];
  return {
    optimizer: { name: optimizer, lr, schedule, clip: clip ?? null, hyperparameters },
    steps,
    epochs: epochMetrics,
    testAccuracy: last.testAccuracy,
    testLoss: last.testLoss,
    wallTimeSeconds: (performance.now() - started) / 1000,
    parameterCount: model.parameterCount(),
  };
}

/** Test loss and accuracy in evaluation mode (running BatchNorm statistics, no dropout), in chunks of 1000. */
export async function evaluate(model: ReturnType<typeof mlp>, data: Dataset): Promise<{ loss: number; accuracy: number }> {
  const chunk = 1000;
  let lossSum = 0;
  let correct = 0;
  const backend = model.namedParameters()[0][1].backend;
  for (let begin = 0; begin < data.count; begin += chunk) {
    const n = Math.min(chunk, data.count - begin);
    const [loss, right] = backend.scope(() => {
      const x = backend.tensor(data.x.subarray(begin * data.features, (begin + n) * data.features), [n, data.features]);
      const y = backend.tensor(data.y.subarray(begin, begin + n), [n], 'int32');
      const logits = model.apply(model.parameters(), x, { training: false }) as TensorLike;
      return [crossEntropy(logits, y), correctCount(logits, y)] as Tensor[];
    });
    lossSum += (await read(loss))[0] * n;
    correct += (await read(right))[0];
    backend.dispose([loss, right]);
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}
