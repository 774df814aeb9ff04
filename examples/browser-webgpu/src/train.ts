import type { Backend, Tensor } from '@downhill/backend';
import { adam, step, type OptState, type StepResult } from '@downhill/optimizers';

/** Options of {@link train}. */
export interface TrainOptions {
  /** Optimization steps. */
  readonly steps?: number;
  /** Hidden units of the one hidden layer. */
  readonly hidden?: number;
  /** Adam's learning rate. */
  readonly lr?: number;
  /** Training points on `[-π, π]`. */
  readonly points?: number;
  /** Read the losses back every this many steps, in one transfer (each read waits for the device). */
  readonly readEvery?: number;
  /** Called with each step's loss, in order, as the losses are read back. */
  readonly onLoss?: (step: number, loss: number, path: StepResult['path']) => void | Promise<void>;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The loss before each step. */
  readonly losses: number[];
  /** Which path the optimizer took: Adam's update program run fused by the backend, or composed primitives. */
  readonly path: StepResult['path'];
}

/** A small seeded generator (mulberry32), so every run starts from the same weights. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The network's parameters: one hidden layer. */
export type MlpParams = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };

/**
 * Mean squared error of a one-hidden-layer tanh network and its gradients, by hand
 * (backpropagation written out):
 *
 * ```text
 * h = tanh(x·W1 + b1),  ŷ = h·W2 + b2,  L = mean((ŷ − y)²)
 * ∂ŷ = 2(ŷ − y)/N;  ∂W2 = hᵀ∂ŷ;  ∂b2 = Σ∂ŷ;  ∂z = (∂ŷ·W2ᵀ)⊙(1 − h²);  ∂W1 = xᵀ∂z;  ∂b1 = Σ∂z
 * ```
 */
export function lossAndGrads(b: Backend, x: Tensor, y: Tensor, p: MlpParams): { loss: Tensor; grads: MlpParams } {
  return b.scope(() => {
    const { w1, b1, w2, b2 } = p;
    const n = x.shape[0];
    const h = b.unary('tanh', b.add(b.matmul(x, w1), b1));
    const r = b.sub(b.add(b.matmul(h, w2), b2), y);
    const loss = b.div(b.reduce('sum', b.mul(r, r)), n);
    const dy = b.mul(r, 2 / n);
    const dz = b.mul(b.matmul(dy, w2, { transposeB: true }), b.sub(1, b.mul(h, h)));
    return {
      loss,
      grads: {
        w1: b.matmul(x, dz, { transposeA: true }),
        b1: b.reduce('sum', dz, 0),
        w2: b.matmul(h, dy, { transposeA: true }),
        b2: b.reduce('sum', dy, 0),
      },
    };
  });
}

/**
 * Fits `y = sin(2x)` on `[-π, π]` with a one-hidden-layer tanh network and Adam, on whatever
 * backend it is given. Losses stay on the device and are read back `readEvery` steps at a time:
 * each read waits for the GPU to finish, so reading every step would serialise the work.
 *
 * @param b - The backend (WebGPU in the page, CPU when WebGPU is absent).
 * @param options - Steps, width, learning rate, data size and a loss callback.
 * @returns The losses and the optimizer's path (`fused` on backends that compile programs).
 * @example
 * ```ts
 * const { losses } = await train(cpu(), { steps: 100 });
 * ```
 */
export async function train(
  b: Backend,
  { steps = 300, hidden = 16, lr = 0.03, points = 64, readEvery = 10, onLoss }: TrainOptions = {},
): Promise<TrainResult> {
  const rand = seeded(42);
  const xs = Array.from({ length: points }, (_, i) => -Math.PI + (2 * Math.PI * i) / (points - 1));
  const x = b.tensor(xs, [points, 1]);
  const y = b.tensor(
    xs.map((v) => Math.sin(2 * v)),
    [points, 1],
  );
  const init = (n: number, scale: number) => Array.from({ length: n }, () => scale * (2 * rand() - 1));
  let params: MlpParams = {
    w1: b.tensor(init(hidden, 1.5), [1, hidden]),
    b1: b.tensor(init(hidden, 1.5), [hidden]),
    w2: b.tensor(init(hidden, 1 / Math.sqrt(hidden)), [hidden, 1]),
    b2: b.zeros([1]),
  };
  const tx = adam(lr);
  let state: OptState = tx.init(params);
  const losses: number[] = [];
  let path: StepResult['path'] = 'composed';
  let pending: Tensor[] = [];
  const flush = async () => {
    const all = b.scope(() => b.concat(pending.map((l) => b.reshape(l, [1]))));
    b.dispose(pending);
    pending = [];
    const values = await all.read();
    all.dispose();
    for (const v of values) {
      losses.push(v);
      await onLoss?.(losses.length - 1, v, path);
    }
  };
  try {
    for (let s = 0; s < steps; s++) {
      const { loss, grads } = lossAndGrads(b, x, y, params);
      pending.push(loss);
      const r: StepResult<OptState, MlpParams> = step(tx, params, grads, state, { inPlace: true });
      ({ params, state, path } = r);
      b.dispose(grads);
      if (pending.length >= readEvery || s === steps - 1) await flush();
    }
  } finally {
    b.dispose([x, y, params, state, pending]);
  }
  return { losses, path };
}
