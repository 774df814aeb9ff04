/**
 * The tfjs-layers side of the training-throughput suites (`mlp.ts`, `cnn.ts`): a `tf.sequential`
 * of the suite's layers on tfjs's cpu or wasm backend, its weights set to the values every
 * implementation starts from, compiled with Adam and categorical cross-entropy, one step being
 * `model.trainOnBatch` on the suite's fixed batch.
 */
import { tfjsOn } from './impls.js';
import type { Trainer } from './mlp-problem.js';

/** TensorFlow.js as `tfjsOn` returns it. */
export type Tf = Awaited<ReturnType<typeof tfjsOn>>;

/** A flat float32 array and its shape. */
export interface Shaped {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** What a suite gives to train its model with tfjs-layers. */
export interface LayersProblem {
  /** The model's layers, built with the tfjs the trainer started (the first with its `inputShape`). */
  readonly layers: (tf: Tf) => import('@tensorflow/tfjs').layers.Layer[];
  /** The initial weights in `model.getWeights()` order. */
  readonly weights: readonly Shaped[];
  /** The batch's inputs and one-hot labels. */
  readonly x: Shaped;
  readonly onehot: Shaped;
  /** Adam's learning rate. */
  readonly lr: number;
  /** Runs after the backend started and before the model is built (kernel registrations, checks). */
  readonly prepare?: (tf: Tf) => Promise<void> | void;
}

/** A trainer of `problem`'s model with tfjs-layers on tfjs's `backend`. */
export async function tfjsLayersTrainer(backend: 'cpu' | 'wasm', problem: LayersProblem): Promise<Trainer> {
  const tf = await tfjsOn(backend);
  await problem.prepare?.(tf);
  const model = tf.sequential({ layers: problem.layers(tf) });
  model.setWeights(problem.weights.map((w) => tf.tensor(w.data, [...w.shape])));
  model.compile({ optimizer: tf.train.adam(problem.lr), loss: 'categoricalCrossentropy' });
  const x = tf.tensor(problem.x.data, [...problem.x.shape]);
  const y = tf.tensor(problem.onehot.data, [...problem.onehot.shape]);
  let last = NaN;
  return {
    step: async () => {
      last = (await model.trainOnBatch(x, y)) as number;
    },
    loss: async () => last,
  };
}
