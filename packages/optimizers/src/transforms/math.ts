import type { Tensor } from '@downhill/backend';

/**
 * Small tensor helpers shared by the transformations. Each takes and returns backend tensors and
 * is called inside the per-parameter scopes of `mapTrees`, so intermediates are released there.
 */

/** A new handle on the same storage (no copy): how a transformation returns an update unchanged. */
export function alias(t: Tensor): Tensor {
  return t.backend.reshape(t, t.shape);
}

/** The exponential moving average `decay·old + (1 − decay)·x`. */
export function ema(old: Tensor, x: Tensor, decay: number): Tensor {
  const b = x.backend;
  return b.add(b.mul(old, decay), b.mul(x, 1 - decay));
}

/** The Euclidean norm of a whole tensor, as a rank-0 tensor. */
export function norm(t: Tensor): Tensor {
  const b = t.backend;
  return b.unary('sqrt', b.reduce('sum', b.unary('square', t)));
}

/** The root mean square of a whole tensor, as a rank-0 tensor (0 for an empty tensor). */
export function rms(t: Tensor): Tensor {
  const b = t.backend;
  return b.unary('sqrt', b.div(b.reduce('sum', b.unary('square', t)), Math.max(t.size, 1)));
}

/** The mean over one axis (dropped). */
export function meanAxis(t: Tensor, axis: number, keepDims = false): Tensor {
  const b = t.backend;
  return b.div(b.reduce('sum', t, axis, keepDims), t.shape[axis]);
}

/** `t` with a size-1 axis inserted at `axis`. */
export function expandDims(t: Tensor, axis: number): Tensor {
  const shape = [...t.shape];
  shape.splice(axis, 0, 1);
  return t.backend.reshape(t, shape);
}
