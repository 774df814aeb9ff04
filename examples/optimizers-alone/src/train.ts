/**
 * A training loop of your own, with `@downhill/optimizers` alone: logistic regression whose
 * gradients are computed by hand (no autograd), Adam with a schedule written inline, and a
 * checkpoint saved and restored mid-run.
 */
import type { Backend, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { Optimizer, adam, deserializeState, serializeState, type Params } from '@downhill/optimizers';
import { makeData, random } from './data.js';

/** Options of {@link train}. */
export interface TrainOptions {
  readonly steps?: number;
  readonly batchSize?: number;
  readonly peakLr?: number;
  /** Called every `logEvery` steps with the step, the full-data loss and the learning rate in force. */
  readonly log?: (step: number, loss: number, lr: number) => void;
  readonly logEvery?: number;
  readonly backend?: Backend;
}

/** The parameters of the model: `p = σ(x·w + b)`. */
type Model = Params & { w: Tensor; b: Tensor };

/**
 * The mean binary cross-entropy of the model on (x, y), and its gradient, by hand:
 *
 * ```text
 * z = x·w + b,   loss = mean( softplus(z) − y·z )           (softplus(z) = max(z, 0) + log(1 + e^−|z|))
 * ∂loss/∂w = xᵀ (σ(z) − y) / n,   ∂loss/∂b = mean(σ(z) − y)
 * ```
 */
export function lossAndGrads(k: Backend, params: Model, x: Tensor, y: Tensor): { loss: Tensor; grads: Model } {
  return k.scope(() => {
    const n = x.shape[0];
    const z = k.add(k.matmul(x, params.w), params.b); // [n, 1]
    const softplus = k.add(k.binary('maximum', z, 0), k.unary('log1p', k.unary('exp', k.unary('neg', k.unary('abs', z)))));
    const loss = k.div(k.reduce('sum', k.sub(softplus, k.mul(y, z))), n);
    const sigma = k.unary('reciprocal', k.add(k.unary('exp', k.unary('neg', z)), 1));
    const err = k.sub(sigma, y); // [n, 1]
    const w = k.div(k.matmul(x, err, { transposeA: true }), n); // [d, 1]
    const b = k.reshape(k.div(k.reduce('sum', err), n), [1]);
    return { loss, grads: { w, b } };
  });
}

/** Trains, and returns the full-data loss at the start and at the end (and at each log point). */
export async function train(
  options: TrainOptions = {},
): Promise<{ initialLoss: number; finalLoss: number; history: number[]; accuracy: number }> {
  const { steps = 300, batchSize = 64, peakLr = 0.5, log, logEvery = 25 } = options;
  const k = options.backend ?? cpu();
  const n = 512;
  const d = 8;
  const data = makeData(n, d);
  const xAll = k.tensor(data.x, [n, d]);
  const yAll = k.tensor(data.y, [n, 1]);

  // The learning-rate schedule, inline: linear warm-up for 20 steps, then cosine decay to 10 %.
  const warmup = 20;
  const schedule = (t: number) =>
    t < warmup
      ? (peakLr * (t + 1)) / warmup
      : peakLr * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (t - warmup)) / Math.max(1, steps - warmup))));

  let params: Model = { w: k.zeros([d, 1]), b: k.zeros([1]) };
  let opt = new Optimizer(adam(schedule), params);

  const fullLoss = async () => {
    const { loss, grads } = lossAndGrads(k, params, xAll, yAll);
    k.dispose([grads.w, grads.b]);
    const [v] = await loss.read();
    loss.dispose();
    return v;
  };

  const rand = random(11);
  const history: number[] = [];
  const initialLoss = await fullLoss();
  history.push(initialLoss);
  for (let t = 0; t < steps; t++) {
    // A minibatch, sampled with replacement.
    const rows = Array.from({ length: batchSize }, () => Math.floor(rand() * n));
    const { x, y } = k.scope(() => {
      const idx = k.tensor(rows, [batchSize], 'int32');
      return { x: k.gather(xAll, idx), y: k.gather(yAll, idx) };
    });
    const { loss, grads } = lossAndGrads(k, params, x, y);
    params = opt.step(params, grads) as Model; // consumes the old params; grads stay ours
    k.dispose([x, y, loss, grads.w, grads.b]);

    if (t === Math.floor(steps / 2)) {
      // Checkpoint mid-run and carry on from the restored optimizer, as after a restart.
      const saved = serializeState(await opt.stateDict());
      opt.dispose();
      opt = new Optimizer(adam(schedule), params);
      opt.loadStateDict(deserializeState(saved));
    }
    if ((t + 1) % logEvery === 0 || t === steps - 1) {
      const l = await fullLoss();
      history.push(l);
      log?.(t + 1, l, opt.hyperparams.lr);
    }
  }
  const finalLoss = history[history.length - 1];

  const correct = await (async () => {
    const p = k.scope(() => k.compare('greater', k.add(k.matmul(xAll, params.w), params.b), 0));
    const yp = await p.read();
    const yt = await yAll.read();
    p.dispose();
    let c = 0;
    for (let i = 0; i < n; i++) c += (yp[i] ? 1 : 0) === yt[i] ? 1 : 0;
    return c;
  })();
  k.dispose([xAll, yAll, params.w, params.b]);
  opt.dispose();
  return { initialLoss, finalLoss, history, accuracy: correct / n };
}
