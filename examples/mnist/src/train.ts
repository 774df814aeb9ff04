import type { Backend, Tensor, TypedArray } from '@downhill/backend';
import { detach, valueAndGrad } from '@downhill/autograd';
import { Batches } from '@downhill/data';
import { rng, type Rng } from '@downhill/initializers';
import type { Params } from '@downhill/layers';
import {
  Optimizer,
  chain,
  clipByGlobalNorm,
  createOptimizer,
  getHyperparams,
  hasScheduleFreeState,
  releaseReplaced,
  scheduleFreeEvalParams,
  type GradientTransformation,
  type HessianEstimate,
} from '@downhill/optimizers';
import { hutchinsonDiagonal } from './hutchinson.js';
import type { Dataset } from './data.js';
import { correctCount, crossEntropy } from './loss.js';
import { buildModel, type ModelChoice } from './model.js';
import type { Sequential } from '@downhill/layers';
import { DEFAULT_OPTIONS } from './lr-defaults.js';
import { makeSchedule, SCHEDULE_FREE_OPTIMIZERS, type ScheduleName } from './schedules.js';

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
  /** `mlp` (default) or `cnn`. */
  readonly model?: 'mlp' | 'cnn';
  readonly hidden: readonly number[];
  /** CNN: filters of the two conv blocks. */
  readonly channels?: readonly number[];
  /** CNN: `max` (default) or `avg` pooling. */
  readonly pool?: 'avg' | 'max';
  readonly batchnorm: boolean;
  readonly dropout: number;
  readonly train: Dataset;
  readonly test: Dataset;
  /** Called after every step and at the end of each epoch. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Continue from a checkpoint: where the run stood, and how to load its weights and optimizer state into the new trainer. */
  readonly resume?: { readonly position: RunPosition; readonly restore: (trainer: Trainer) => void };
  /** Called after every epoch (after the test evaluation) and when stopping: write a checkpoint. */
  readonly onCheckpoint?: (position: RunPosition, trainer: Trainer) => Promise<void>;
  /** Polled after every step: true stops the run after that step (a checkpoint is written first). */
  readonly shouldStop?: () => boolean;
}

/**
 * Where a run stands, as a checkpoint keeps it (plain JSON): with the weights and the optimizer
 * state it is everything needed to continue and end bitwise as the uninterrupted run (the batch
 * order and dropout masks are functions of the seed, the epoch and the step).
 */
export interface RunPosition {
  /** 1-based epoch of the next step. */
  readonly epoch: number;
  /** 0-based step within that epoch of the next step (0: the epoch has not begun). */
  readonly stepInEpoch: number;
  /** Optimizer steps done in all. */
  readonly step: number;
  /** Per-step loss and learning rate so far. */
  readonly steps: { readonly loss: readonly number[]; readonly lr: readonly number[] };
  /** Metrics of the finished epochs. */
  readonly epochs: readonly EpochMetrics[];
  /** The epoch in progress: its sums so far and the seconds it took. */
  readonly partial: { readonly lossSum: number; readonly correct: number; readonly seen: number; readonly seconds: number };
  /** Seconds of training so far, over every session of the run. */
  readonly wallTimeSeconds: number;
}

/** What {@link train} gives when `shouldStop` stopped it: the position its last checkpoint holds. */
export interface Interrupted {
  readonly interrupted: RunPosition;
}

/** What the progress display is told. */
export type ProgressEvent =
  | {
      readonly kind: 'epoch-start';
      readonly epoch: number;
      readonly steps: number /** Steps already done (a resumed epoch). */;
      readonly done: number;
    }
  | {
      readonly kind: 'step';
      readonly epoch: number;
      readonly stepInEpoch: number;
      readonly loss: number;
      readonly accuracy: number;
      readonly lr: number;
      readonly examplesPerSecond: number;
    }
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
    /** The options this job gave the optimizer besides the rate (`DEFAULT_OPTIONS`), where it has any. */
    readonly options?: Readonly<Record<string, string | number | boolean>>;
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

function read(t: Tensor): TypedArray | Promise<TypedArray> {
  return t.backend.capabilities.syncRead ? t.backend.readSync(t) : t.backend.read(t);
}

/** Builds the optimizer: the registered one with its schedule, behind global-norm clipping when asked. */
function makeOptimizer(
  name: string,
  schedule: (step: number) => number,
  clip: number | undefined,
  hessianEstimate: HessianEstimate,
  objective: () => Tensor,
  totalSteps: number | undefined,
): GradientTransformation {
  // Sophia and AdaHessian take a Hessian-diagonal estimate: Hutchinson's, on the current batch;
  // Polyak's step takes the objective's value: the batch loss the step's gradients came with.
  const defaults = DEFAULT_OPTIONS[name] ?? {};
  const tx = createOptimizer(
    name,
    HESSIAN_INPUT.has(name)
      ? { ...defaults, lr: schedule, hessianEstimate }
      : name === 'polyakSgd'
        ? { ...defaults, lr: schedule, value: objective }
        : SCHEDULE_FREE_OPTIMIZERS.has(name) && totalSteps !== undefined
          ? { ...defaults, lr: schedule, warmupSteps: Math.round(SCHEDULE_FREE_WARMUP * totalSteps) }
          : { ...defaults, lr: schedule },
  );
  return clip === undefined ? tx : chain(clipByGlobalNorm(clip), tx);
}

/**
 * The schedule-free methods warm up inside the method (`warmupSteps`, part of Defazio et al.'s
 * rule and of their reference facebookresearch/schedule_free, not a schedule): over the first 5%
 * of the run's steps here, as their examples do.
 */
const SCHEDULE_FREE_WARMUP = 0.05;

/** The built-in optimizers that take a `hessianEstimate`. */
const HESSIAN_INPUT = new Set(['sophia', 'adahessian']);

/** The model, its optimizer and one training step on a batch; what `train` and the backend probe share. */
export interface Trainer {
  readonly model: Sequential;
  readonly optimizer: Optimizer;
  /** One step on a batch (host arrays, `n` rows): returns the batch's mean loss and how many rows were right. */
  step(x: Float32Array, y: Int32Array, n: number, key: Rng): Promise<{ loss: number; correct: number }>;
  /** Releases the model's and the optimizer's tensors. */
  dispose(): void;
}

/**
 * Builds the model (the MLP, or the CNN with `model: 'cnn'`) on `backend` (weights from `seed`), the optimizer (`name` with `schedule`,
 * clipping when asked) and the step: forward in training mode, softmax cross-entropy, gradients
 * by `valueAndGrad`, one optimizer step, BatchNorm statistics stored.
 */
export function createTrainer(
  backend: Backend,
  {
    optimizer,
    schedule,
    clip,
    model: kind,
    hidden,
    channels,
    pool,
    batchnorm,
    dropout,
    seed,
    features,
    totalSteps,
  }: {
    optimizer: string;
    schedule: (step: number) => number;
    clip?: number;
    model?: 'mlp' | 'cnn';
    hidden: readonly number[];
    channels?: readonly number[];
    pool?: 'avg' | 'max';
    batchnorm: boolean;
    dropout: number;
    seed: number;
    features: number;
    /** Steps of the whole run, where known (the schedule-free methods' warmup is a fraction of it). */
    totalSteps?: number;
  },
): Trainer {
  const choice: ModelChoice = { model: kind, hidden, channels, pool, batchnorm, dropout };
  const model = buildModel(choice).init(backend, { seed });
  // The batch of the current step, for the Hessian estimate that Sophia and AdaHessian request.
  let batch: { x: Tensor; y: Tensor; key: Rng } | undefined;
  const hessianEstimate: HessianEstimate = (p, t) => {
    const { x, y, key } = batch!;
    const lossOf = (q: Params) => crossEntropy(model.applyFunctional(q, model.buffers(), x, { training: true, rng: key }).output, y);
    return hutchinsonDiagonal(lossOf, p, key.fold(`hessian ${t}`));
  };
  // The loss of the current step's batch, for polyakSgd's objective value.
  let batchLoss: Tensor | undefined;
  const objective = () => batchLoss!;
  const opt = new Optimizer(makeOptimizer(optimizer, schedule, clip, hessianEstimate, objective, totalSteps), model.parameters(), {
    name: optimizer,
  });
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
      batch = { x, y, key };
      batchLoss = loss;
      model.setParameters(opt.step(model.parameters(), grads));
      batch = undefined;
      batchLoss = undefined;
      if (batchnorm) model.setBuffers(aux.buffers);
      const lossValue = (await read(loss))[0];
      const correct = (await read(aux.correct))[0];
      backend.dispose([x, y, loss, aux.correct, grads]);
      return { loss: lossValue, correct };
    },
    dispose() {
      model.dispose();
      opt.dispose();
    },
  };
}

/**
 * Trains the model once and evaluates it on the test set after every epoch. Deterministic for a
 * seed on a deterministic backend: the weights come from `rng(seed)`, the batches from
 * `Batches` of `@downhill/data` shuffled by `rng(seed).fold('shuffle')` (epoch `e`, numbered from
 * 1 as printed, is ordered by `.fold(e)`), each step's dropout masks from
 * `rng(seed).fold('dropout').fold(step)`. So a run resumed from a checkpoint at any step ends
 * bitwise as the uninterrupted one.
 */
export async function train(options: TrainOptions): Promise<RunResult | Interrupted> {
  const {
    backend,
    optimizer,
    lr,
    schedule,
    epochs,
    batchSize,
    seed,
    clip,
    model: kind,
    hidden,
    channels,
    pool,
    batchnorm,
    dropout,
    train: data,
    test,
    onProgress,
    resume,
    onCheckpoint,
    shouldStop,
  } = options;
  const started = performance.now();
  const root = rng(seed);
  const batches = new Batches({ x: data.x, y: data.y }, { batchSize, key: root.fold('shuffle') });
  const { stepsPerEpoch } = batches;
  const totalSteps = stepsPerEpoch * epochs;
  const sched = makeSchedule(schedule, { lr, totalSteps, stepsPerEpoch });
  const trainer = createTrainer(backend, {
    optimizer,
    schedule: sched,
    clip,
    model: kind,
    hidden,
    channels,
    pool,
    batchnorm,
    dropout,
    seed,
    features: data.features,
    totalSteps,
  });
  const { model } = trainer;
  const { lr: _initialLr, ...hyperparameters } = getHyperparams(trainer.optimizer.state) ?? {};

  const at = resume?.position;
  const steps = { loss: [...(at?.steps.loss ?? [])], lr: [...(at?.steps.lr ?? [])] };
  const epochMetrics: EpochMetrics[] = [...(at?.epochs ?? [])];
  let step = at?.step ?? 0;
  const earlier = at?.wallTimeSeconds ?? 0;
  const position = (epoch: number, stepInEpoch: number, partial: RunPosition['partial']): RunPosition => ({
    epoch,
    stepInEpoch,
    step,
    steps,
    epochs: epochMetrics,
    partial,
    wallTimeSeconds: earlier + (performance.now() - started) / 1000,
  });
  try {
    if (resume) resume.restore(trainer);
    let epoch = at?.epoch ?? 1;
    let lossSum = at?.partial.lossSum ?? 0;
    let correct = at?.partial.correct ?? 0;
    let seen = at?.partial.seen ?? 0;
    let epochStart = performance.now() - 1000 * (at?.partial.seconds ?? 0);
    if (epoch <= epochs) onProgress?.({ kind: 'epoch-start', epoch, steps: stepsPerEpoch, done: at?.stepInEpoch ?? 0 });
    // Epochs are numbered from 1 (as printed); the shuffle of epoch e is the loader's epoch e.
    for (const batch of batches.iterate({ epochs: epochs + 1, from: { epoch, step: at?.stepInEpoch ?? 0 } })) {
      const n = batch.size;
      const { loss: lossValue, correct: correctValue } = await trainer.step(
        batch.columns.x,
        batch.columns.y,
        n,
        root.fold('dropout').fold(step),
      );
      if (!Number.isFinite(lossValue))
        throw new Error(
          `${optimizer}: the loss is ${lossValue} at step ${step} (learning rate ${sched(step)}): training diverged; try a smaller --lr or --clip`,
        );
      steps.loss.push(lossValue);
      steps.lr.push(sched(step));
      step++;
      lossSum += lossValue * n;
      correct += correctValue;
      seen += n;
      onProgress?.({
        kind: 'step',
        epoch,
        stepInEpoch: batch.step + 1,
        loss: lossSum / seen,
        accuracy: correct / seen,
        lr: sched(step - 1),
        examplesPerSecond: seen / ((performance.now() - epochStart) / 1000),
      });
      if (batch.step + 1 < stepsPerEpoch) {
        // Let signal handlers run (the step itself may never yield to the event loop).
        if (shouldStop) await new Promise((r) => setImmediate(r));
        if (shouldStop?.()) {
          const here = position(epoch, batch.step + 1, { lossSum, correct, seen, seconds: (performance.now() - epochStart) / 1000 });
          await onCheckpoint?.(here, trainer);
          return { interrupted: here };
        }
        continue;
      }
      const trainSeconds = (performance.now() - epochStart) / 1000;
      // Schedule-free optimizers train at y and are evaluated at their average x (scheduleFreeEvalParams).
      const state = trainer.optimizer.state;
      const evalParams = hasScheduleFreeState(state) ? scheduleFreeEvalParams(state, model.parameters()) : undefined;
      const evaluation = await evaluate(model, test, evalParams);
      if (evalParams) releaseReplaced(evalParams, model.parameters());
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
      epoch++;
      lossSum = 0;
      correct = 0;
      seen = 0;
      const here = position(epoch, 0, { lossSum, correct, seen, seconds: 0 });
      await onCheckpoint?.(here, trainer);
      if (shouldStop) await new Promise((r) => setImmediate(r));
      if (epoch <= epochs && shouldStop?.()) return { interrupted: here };
      epochStart = performance.now();
      if (epoch <= epochs) onProgress?.({ kind: 'epoch-start', epoch, steps: stepsPerEpoch, done: 0 });
    }
    const last = epochMetrics[epochMetrics.length - 1];
    return {
      optimizer: {
        name: optimizer,
        lr,
        schedule,
        clip: clip ?? null,
        hyperparameters,
        ...(DEFAULT_OPTIONS[optimizer] ? { options: DEFAULT_OPTIONS[optimizer] } : {}),
      },
      steps,
      epochs: epochMetrics,
      testAccuracy: last.testAccuracy,
      testLoss: last.testLoss,
      wallTimeSeconds: earlier + (performance.now() - started) / 1000,
      parameterCount: model.parameterCount(),
    };
  } finally {
    trainer.dispose();
  }
}

/**
 * Test loss and accuracy in evaluation mode (running BatchNorm statistics, no dropout), in chunks
 * of 1000, at `params` (default the model's own: schedule-free optimizers pass their evaluation point).
 */
export async function evaluate(
  model: Sequential,
  data: Dataset,
  params: Params = model.parameters(),
): Promise<{ loss: number; accuracy: number }> {
  const chunk = 1000;
  let lossSum = 0;
  let correct = 0;
  const backend = model.namedParameters()[0][1].backend;
  for (let begin = 0; begin < data.count; begin += chunk) {
    const n = Math.min(chunk, data.count - begin);
    const [loss, right] = backend.scope(() => {
      const x = backend.tensor(data.x.subarray(begin * data.features, (begin + n) * data.features), [n, data.features]);
      const y = backend.tensor(data.y.subarray(begin, begin + n), [n], 'int32');
      const logits = model.apply(params, x, { training: false });
      return [crossEntropy(logits, y), correctCount(logits, y)].map(detach); // concrete tensors: no trace here
    });
    lossSum += (await read(loss))[0] * n;
    correct += (await read(right))[0];
    backend.dispose([loss, right]);
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}
