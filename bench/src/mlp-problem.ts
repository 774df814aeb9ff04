/**
 * The MLP problem of `mlp.ts` (784-256-10, ReLU, softmax cross-entropy, batch 128, Adam): the
 * weights and batch everyone starts from, and the downhill trainer, shared with `threads.ts`.
 */
import { randomF32, rng } from './util.js';

/** The sizes of the MLP and its batch. */
export const [IN, HIDDEN, OUT, BATCH] = [784, 256, 10, 128];
/** Adam's learning rate. */
export const LR = 1e-3;

/** The MLP's layer widths and batch size. */
export interface MlpSizes {
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
  readonly batch: number;
}

/** The sizes of the benchmark's MLP (784-256-10, batch 128). */
export const MLP_SIZES: MlpSizes = { inputs: IN, hidden: HIDDEN, classes: OUT, batch: BATCH };

/** Same initial weights and data for everyone (the benchmark's sizes unless others are given). */
export function problem({ inputs: IN, hidden: HIDDEN, classes: OUT, batch: BATCH }: MlpSizes = MLP_SIZES) {
  const glorot = (fanIn: number, fanOut: number, seed: number) => randomF32(fanIn * fanOut, seed, Math.sqrt(6 / (fanIn + fanOut)));
  const r = rng(7);
  const x = Float32Array.from({ length: BATCH * IN }, () => (r() + 1) / 2);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % OUT);
  const onehot = new Float32Array(BATCH * OUT);
  labels.forEach((c, i) => (onehot[i * OUT + c] = 1));
  return {
    w1: glorot(IN, HIDDEN, 1),
    b1: new Float32Array(HIDDEN),
    w2: glorot(HIDDEN, OUT, 2),
    b2: new Float32Array(OUT),
    x,
    labels,
    onehot,
  };
}

/** One training step and a way to read the current loss. */
export interface Trainer {
  step: () => unknown;
  loss: () => Promise<number>;
}

/** The MLP on a downhill backend: autograd ops, `valueAndGrad`, then an in-place `step` of Adam (or of `optimizer(LR)`). */
export async function downhillTrainer(
  b: import('@downhill/backend').Backend,
  sizes: MlpSizes = MLP_SIZES,
  optimizer?: (lr: number) => import('@downhill/optimizers').GradientTransformation,
): Promise<Trainer> {
  const { inputs: IN, hidden: HIDDEN, classes: OUT, batch: BATCH } = sizes;
  const { ops, valueAndGrad } = await import('@downhill/autograd');
  const o = await import('@downhill/optimizers');
  type T = import('@downhill/autograd').TensorLike;
  type W = import('@downhill/backend').Tensor;
  type P = { l1: { w: W; b: W }; l2: { w: W; b: W } }; // traced inside valueAndGrad, tensors outside
  const d = problem(sizes);
  let params: P = {
    l1: { w: b.tensor(d.w1, [IN, HIDDEN]), b: b.tensor(d.b1, [HIDDEN]) },
    l2: { w: b.tensor(d.w2, [HIDDEN, OUT]), b: b.tensor(d.b2, [OUT]) },
  };
  const x = b.tensor(d.x, [BATCH, IN]);
  const y = b.tensor(d.labels, [BATCH], 'int32');
  const lossFn = (p: P, xs: T, ys: T): T => {
    const h = ops.relu(ops.add(ops.matmul(xs, p.l1.w), p.l1.b));
    const logits = ops.add(ops.matmul(h, p.l2.w), p.l2.b);
    const logp = ops.logSoftmax(logits);
    return ops.neg(ops.mean(ops.sum(ops.mul(logp, ops.oneHot(ys, OUT, { dtype: 'float32' })), -1)));
  };
  const lossAndGrad = valueAndGrad(lossFn);
  const tx = optimizer ? optimizer(LR) : o.adam(LR);
  let state = tx.init(params);
  let last: import('@downhill/backend').Tensor | undefined;
  return {
    step: () => {
      const [loss, grads] = lossAndGrad(params, x, y);
      const r = o.step(tx, params, grads, state, { inPlace: true });
      params = r.params;
      state = r.state;
      b.dispose(grads);
      last?.dispose();
      last = loss;
    },
    loss: async () => (await last!.read())[0],
  };
}
