import { ops, type TensorLike } from '@downhill/autograd';
import type { Backend, Tensor } from '@downhill/backend';
import { glorotNormal, zeros, type Rng } from '@downhill/initializers';
import { FEATURES } from './data.js';

/** The MLP's parameters: 196 → hidden (tanh) → 10. */
export interface Params<T = TensorLike> {
  readonly hidden: { readonly kernel: T; readonly bias: T };
  readonly out: { readonly kernel: T; readonly bias: T };
}

/** Glorot-normal kernels and zero biases from `key`. */
export function initParams(backend: Backend, hidden: number, key: Rng): Params<Tensor> {
  const [k1, k2] = key.split(2);
  return {
    hidden: {
      kernel: glorotNormal()(backend, [FEATURES, hidden], { rng: k1, dtype: 'float32' }),
      bias: zeros()(backend, [hidden], { dtype: 'float32' }),
    },
    out: {
      kernel: glorotNormal()(backend, [hidden, 10], { rng: k2, dtype: 'float32' }),
      bias: zeros()(backend, [10], { dtype: 'float32' }),
    },
  };
}

/** The logits of a batch. */
export function forward(p: Params, x: TensorLike): TensorLike {
  return ops.add(ops.matmul(ops.tanh(ops.add(ops.matmul(x, p.hidden.kernel), p.hidden.bias)), p.out.kernel), p.out.bias);
}

/**
 * The squared loss against one-hot targets, `½·mean over examples of ‖f(x) − y‖²`: Cohen et al.
 * found progressive sharpening, and so the edge of stability, clearest with it.
 */
export function squaredLoss(p: Params, x: TensorLike, y: TensorLike): TensorLike {
  return ops.mul(ops.mean(ops.sum(ops.square(ops.sub(forward(p, x), y)), -1)), 0.5);
}
