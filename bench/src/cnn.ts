/**
 * Child program: training throughput of the MNIST example's CNN (`pnpm start --model cnn`) for one
 * implementation, in steps per second: 28×28×1 → conv 3×3 SAME 32, ReLU, 2×2 average pooling →
 * conv 3×3 SAME 64, ReLU, 2×2 average pooling → flatten → dense 128, ReLU → dense 10, softmax
 * cross-entropy, Adam (lr 1e-3), batch 64. Every implementation starts from the same weights
 * (uniform, fan-in scaled, fixed seed) and trains on the same fixed synthetic batch (inputs in
 * [0, 1), labels i mod 10); a step is forward, backward and the optimizer update. The loss must fall
 * over the run, or the result is reported as an error.
 *
 *   downhill:    `valueAndGrad` of a loss written from autograd ops (ops.conv, ops.reduceWindow,
 *                matmul, relu, logSoftmax), then `step(adam, ..., { inPlace: true })`; the same
 *                computation as the example's `Conv2D` / `AvgPool` layers.
 *   tfjs-layers: `model.trainOnBatch` of a compiled `tf.sequential` (conv2d, averagePooling2d,
 *                flatten, dense; categorical cross-entropy), its weights set to the same values.
 *                On wasm, whose tfjs 4.22 backend has no `Conv2DBackpropFilter` kernel, the bench
 *                registers one built from the wasm backend's Transpose and Conv2D kernels and checks
 *                it against tfjs-cpu's before timing (`tfjs-wasm-conv-filter.ts`).
 */
import { childConfig, emit, measure, randomF32, rng } from './util.js';
import { downhillBackend, isDownhill, type ImplId } from './impls.js';
import type { Trainer } from './mlp-problem.js';
import { tfjsLayersTrainer, type Tf } from './tfjs-layers-trainer.js';
import { checkWasmConv2DBackpropFilter, registerWasmConv2DBackpropFilter } from './tfjs-wasm-conv-filter.js';

export interface CnnConfig {
  readonly impl: ImplId;
  readonly budgetMs: number;
}

const [C1, C2, DENSE, OUT, BATCH] = [32, 64, 128, 10, 64];
const LR = 1e-3;

/** Weight shapes in the channels-last layout both sides use (HWIO kernels, [in, out] dense). */
const SHAPES = {
  k1: [3, 3, 1, C1],
  b1: [C1],
  k2: [3, 3, C1, C2],
  b2: [C2],
  w3: [7 * 7 * C2, DENSE],
  b3: [DENSE],
  w4: [DENSE, OUT],
  b4: [OUT],
} as const;
type Name = keyof typeof SHAPES;

/** Same initial weights and data for everyone. */
function problem() {
  const fanIn = (s: readonly number[]) => s.slice(0, -1).reduce((a, v) => a * v, 1);
  const weights = Object.fromEntries(
    (Object.keys(SHAPES) as Name[]).map((k, i) => {
      const s = SHAPES[k];
      const n = s.reduce((a, v) => a * v, 1);
      return [k, s.length === 1 ? new Float32Array(n) : randomF32(n, i + 1, Math.sqrt(6 / fanIn(s)))];
    }),
  ) as Record<Name, Float32Array>;
  const r = rng(7);
  const x = Float32Array.from({ length: BATCH * 784 }, () => (r() + 1) / 2);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % OUT);
  const onehot = new Float32Array(BATCH * OUT);
  labels.forEach((c, i) => (onehot[i * OUT + c] = 1));
  return { weights, x, labels, onehot };
}

async function downhillTrainer(impl: ImplId): Promise<Trainer> {
  const b = await downhillBackend(impl);
  const { ops, valueAndGrad } = await import('@downhill/autograd');
  const o = await import('@downhill/optimizers');
  type T = import('@downhill/autograd').TensorLike;
  const d = problem();
  let params = Object.fromEntries((Object.keys(SHAPES) as Name[]).map((k) => [k, b.tensor(d.weights[k], [...SHAPES[k]])])) as Record<
    Name,
    T
  >;
  const x = b.tensor(d.x, [BATCH, 28, 28, 1]);
  const y = b.tensor(d.labels, [BATCH], 'int32');
  const pool = (h: T) => ops.mul(ops.reduceWindow('sum', h, { windowShape: [1, 2, 2, 1], strides: [1, 2, 2, 1] }), 0.25);
  const block = (h: T, k: T, bias: T) => pool(ops.relu(ops.add(ops.conv(h, k, { padding: 'SAME' }), bias)));
  const lossFn = (p: Record<Name, T>, xs: T, ys: T): T => {
    const h = ops.reshape(block(block(xs, p.k1, p.b1), p.k2, p.b2), [BATCH, 7 * 7 * C2]);
    const logits = ops.add(ops.matmul(ops.relu(ops.add(ops.matmul(h, p.w3), p.b3)), p.w4), p.b4);
    return ops.neg(ops.mean(ops.sum(ops.mul(ops.logSoftmax(logits), ops.oneHot(ys, OUT, { dtype: 'float32' })), -1)));
  };
  const lossAndGrad = valueAndGrad(lossFn);
  const tx = o.adam(LR);
  let state = tx.init(params as never);
  let last: import('@downhill/backend').Tensor | undefined;
  return {
    step: () => {
      const [loss, grads] = lossAndGrad(params, x, y);
      const r = o.step(tx, params as never, grads as never, state, { inPlace: true });
      params = r.params as unknown as Record<Name, T>;
      state = r.state;
      b.dispose(grads as never);
      last?.dispose();
      last = loss;
    },
    loss: async () => (await last!.read())[0],
  };
}

/** The CNN for tfjs-layers: conv2d, averagePooling2d, flatten, dense; the same weights and batch as everyone. */
function layersProblem() {
  const d = problem();
  return {
    // tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter: filled in from its own Transpose and
    // Conv2D kernels (tfjs-wasm-conv-filter.ts) and checked against tfjs-cpu's before timing.
    prepare: async (tf: Tf) => {
      if (tf.getBackend() !== 'wasm') return;
      registerWasmConv2DBackpropFilter(tf);
      await checkWasmConv2DBackpropFilter(tf);
    },
    layers: (tf: Tf) => [
      tf.layers.conv2d({ filters: C1, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: C2, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: DENSE, activation: 'relu' }),
      tf.layers.dense({ units: OUT, activation: 'softmax' }),
    ],
    weights: (Object.keys(SHAPES) as Name[]).map((k) => ({ data: d.weights[k], shape: SHAPES[k] })),
    x: { data: d.x, shape: [BATCH, 28, 28, 1] },
    onehot: { data: d.onehot, shape: [BATCH, OUT] },
    lr: LR,
  };
}

async function main(): Promise<void> {
  const cfg = childConfig<CnnConfig>();
  try {
    if (!isDownhill(cfg.impl) && !cfg.impl.startsWith('tfjs-layers'))
      throw new Error(`the cnn suite runs downhill and tfjs-layers, not ${cfg.impl}`);
    const trainer = isDownhill(cfg.impl)
      ? await downhillTrainer(cfg.impl)
      : await tfjsLayersTrainer(cfg.impl.endsWith('cpu') ? 'cpu' : 'wasm', layersProblem());
    await trainer.step();
    const first = await trainer.loss();
    // a step of seconds (TensorFlow.js's cpu backend: about 34 s) gets two timed runs and no more
    // warm-up, so that the child stays well inside the parent's 300 s limit on a busy machine
    const t0 = performance.now();
    await trainer.step();
    const slow = performance.now() - t0 > 5000;
    const timing = await measure(
      trainer.step,
      slow ? { warmup: 0, minReps: 2, maxReps: 2 } : { warmup: 1, minReps: 5, maxReps: 200, budgetMs: cfg.budgetMs },
    );
    const lastLoss = await trainer.loss();
    if (!(lastLoss < first)) throw new Error(`the loss did not fall (${first} then ${lastLoss})`);
    emit({
      suite: 'cnn',
      impl: cfg.impl,
      stepsPerSecond: 1000 / timing.median,
      examplesPerSecond: (1000 / timing.median) * BATCH,
      ...timing,
      lossFirst: first,
      lossLast: lastLoss,
    });
  } catch (e) {
    emit({ suite: 'cnn', impl: cfg.impl, error: (e as Error).message });
  }
}

await main();
