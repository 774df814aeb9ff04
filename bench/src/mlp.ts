/**
 * Child program: training throughput of an MLP 784-256-10 (ReLU, softmax cross-entropy), batch
 * 128, Adam (lr 1e-3), in steps per second, for one implementation. Every implementation starts
 * from the same weights (uniform Glorot, fixed seed) and trains on the same fixed synthetic batch
 * (inputs in [0, 1), labels i mod 10); a step is forward, backward and the optimizer update, and the
 * timed loop reads nothing back except where a framework needs a wait to finish its work (jax-js).
 * The loss must fall over the run, or the result is reported as an error.
 *
 *   downhill:    `valueAndGrad` of a loss written from autograd ops (matmul, add, relu, logSoftmax,
 *                oneHot), then `step(adam, ..., { inPlace: true })`.
 *   tfjs core:   `tf.variableGrads(loss)` then `tf.train.adam.applyGradients`.
 *   tfjs-layers: `model.trainOnBatch` of a compiled `tf.sequential` (dense relu, dense softmax,
 *                categorical cross-entropy).
 *   jax-js:      one `jit`-compiled function doing `valueAndGrad` and the Adam update.
 */
import { childConfig, emit, measure, warmUp } from './util.js';
import { downhillBackend, isDownhill, jaxWasm, tfjsOn, type ImplId } from './impls.js';
import { BATCH, HIDDEN, IN, LR, OUT, downhillTrainer, problem, type Trainer } from './mlp-problem.js';
import { tfjsLayersTrainer } from './tfjs-layers-trainer.js';

/** The MLP for tfjs-layers: dense relu, dense softmax, the same weights and batch as everyone. */
function layersProblem() {
  const d = problem();
  return {
    layers: (tf: import('./tfjs-layers-trainer.js').Tf) => [
      tf.layers.dense({ units: HIDDEN, activation: 'relu', inputShape: [IN] }),
      tf.layers.dense({ units: OUT, activation: 'softmax' }),
    ],
    weights: [
      { data: d.w1, shape: [IN, HIDDEN] },
      { data: d.b1, shape: [HIDDEN] },
      { data: d.w2, shape: [HIDDEN, OUT] },
      { data: d.b2, shape: [OUT] },
    ],
    x: { data: d.x, shape: [BATCH, IN] },
    onehot: { data: d.onehot, shape: [BATCH, OUT] },
    lr: LR,
  };
}

export interface MlpConfig {
  readonly impl: ImplId;
  readonly budgetMs: number;
}

async function tfjsCoreTrainer(backend: 'cpu' | 'wasm'): Promise<Trainer> {
  const tf = await tfjsOn(backend);
  const d = problem();
  const w1 = tf.variable(tf.tensor2d(d.w1, [IN, HIDDEN]));
  const b1 = tf.variable(tf.tensor1d(d.b1));
  const w2 = tf.variable(tf.tensor2d(d.w2, [HIDDEN, OUT]));
  const b2 = tf.variable(tf.tensor1d(d.b2));
  const x = tf.tensor2d(d.x, [BATCH, IN]);
  const y = tf.tensor2d(d.onehot, [BATCH, OUT]);
  const opt = tf.train.adam(LR);
  let lossValue: import('@tensorflow/tfjs').Scalar | undefined;
  const f = () => tf.losses.softmaxCrossEntropy(y, tf.relu(x.matMul(w1).add(b1)).matMul(w2).add(b2)) as import('@tensorflow/tfjs').Scalar;
  return {
    step: () => {
      const { value, grads } = tf.variableGrads(f);
      opt.applyGradients(grads as never);
      tf.dispose(grads);
      lossValue?.dispose();
      lossValue = value;
    },
    loss: async () => (await lossValue!.data())[0],
  };
}

async function jaxTrainer(): Promise<Trainer> {
  const jax = await jaxWasm();
  const { numpy: np, nn, jit, valueAndGrad, blockUntilReady, tree } = jax;
  type A = InstanceType<typeof jax.Array>;
  type P = { w1: A; b1: A; w2: A; b2: A };
  const d = problem();
  let params: P = {
    w1: np.array(d.w1).reshape([IN, HIDDEN]),
    b1: np.array(d.b1),
    w2: np.array(d.w2).reshape([HIDDEN, OUT]),
    b2: np.array(d.b2),
  };
  const zeros = (p: P): P => tree.map((a: A) => np.zerosLike(a), p) as P;
  let m = zeros(tree.map((a: A) => a.ref, params) as P);
  let v = zeros(tree.map((a: A) => a.ref, params) as P);
  const x: A = np.array(d.x).reshape([BATCH, IN]);
  const y: A = np.array(d.onehot).reshape([BATCH, OUT]);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  // Ownership follows jax-js: arguments are consumed; `.ref` marks a further use.
  const lossFn = (p: P, xs: A, ys: A): A => {
    const h = nn.relu(np.matmul(xs, p.w1).add(p.b1));
    const logits = np.matmul(h, p.w2).add(p.b2);
    return nn
      .logSoftmax(logits)
      .mul(ys)
      .sum()
      .mul(-1 / BATCH);
  };
  const train = jit((p: P, mm: P, vv: P, xs: A, ys: A, ic1: A, ic2: A) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.map((a: A) => a.ref, p) as P, xs, ys) as [A, P];
    const keys = ['w1', 'b1', 'w2', 'b2'] as const;
    const np2 = {} as P;
    const nm = {} as P;
    const nv = {} as P;
    for (const k of keys) {
      const gk = g[k];
      const mk = mm[k].mul(b1).add(gk.ref.mul(1 - b1));
      const vk = vv[k].mul(b2).add(gk.ref.mul(gk).mul(1 - b2));
      np2[k] = p[k].sub(
        mk.ref
          .mul(ic1.ref)
          .div(np.sqrt(vk.ref.mul(ic2.ref)).add(eps))
          .mul(LR),
      );
      nm[k] = mk;
      nv[k] = vk;
    }
    ic1.dispose();
    ic2.dispose();
    return [np2, nm, nv, loss];
  });
  let t = 0;
  let last: A | undefined;
  return {
    step: async () => {
      t++;
      const out = train(params, m, v, x.ref, y.ref, np.array(1 / (1 - b1 ** t)), np.array(1 / (1 - b2 ** t))) as unknown as [P, P, P, A];
      [params, m, v] = out;
      last?.dispose();
      last = out[3];
      await blockUntilReady(out);
    },
    loss: async () => (await last!.ref.data())[0],
  };
}

async function main(): Promise<void> {
  const cfg = childConfig<MlpConfig>();
  try {
    const trainer = isDownhill(cfg.impl)
      ? await downhillTrainer(await downhillBackend(cfg.impl))
      : cfg.impl === 'jax-js-wasm'
        ? await jaxTrainer()
        : cfg.impl.startsWith('tfjs-layers')
          ? await tfjsLayersTrainer(cfg.impl.endsWith('cpu') ? 'cpu' : 'wasm', layersProblem())
          : await tfjsCoreTrainer(cfg.impl.endsWith('cpu') ? 'cpu' : 'wasm');
    await trainer.step();
    const first = await trainer.loss();
    const t0 = performance.now();
    await trainer.step();
    const slow = performance.now() - t0 > 150;
    // warm-up: the same wall time for every implementation, to time each in its steady state
    if (!slow) await warmUp(trainer.step);
    const timing = await measure(
      trainer.step,
      slow
        ? { warmup: 0, minReps: 3, maxReps: 20, budgetMs: cfg.budgetMs }
        : { warmup: 0, minReps: 10, maxReps: 3000, budgetMs: cfg.budgetMs },
    );
    const lastLoss = await trainer.loss();
    if (!(lastLoss < first)) throw new Error(`the loss did not fall (${first} then ${lastLoss})`);
    emit({ suite: 'mlp', impl: cfg.impl, stepsPerSecond: 1000 / timing.median, ...timing, lossFirst: first, lossLast: lastLoss });
  } catch (e) {
    emit({ suite: 'mlp', impl: cfg.impl, error: (e as Error).message });
  }
}

await main();
