/**
 * The parameter trees of the optimizer-step benchmarks: the MLP 784-512-256-10's shapes and random
 * parameters and gradients of given shapes (the same values in every probe, so runs compare).
 */
import type { Backend, Tensor } from '@downhill/backend';
import { randomF32 } from './util.js';

/**
 * The parameter shapes of an MLP 784-512-256-10: three layers, so six tensors (three weight
 * matrices and three biases, 535,818 values).
 */
export const MLP_SHAPES: readonly (readonly number[])[] = [[784, 512], [512], [512, 256], [256], [256, 10], [10]];

/** The number of values in all of `shapes`. */
export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((s, shape) => s + shape.reduce((x, y) => x * y, 1), 0);
}

/**
 * Float32 parameters in [−1, 1) and gradients in [−0.01, 0.01), one leaf `t<i>` per shape, on `b`.
 */
export function randomParamsAndGrads(
  b: Backend,
  shapes: readonly (readonly number[])[],
): { params: Record<string, Tensor>; grads: Record<string, Tensor> } {
  const params: Record<string, Tensor> = {};
  const grads: Record<string, Tensor> = {};
  shapes.forEach((shape, i) => {
    const n = totalSize([shape]);
    params[`t${i}`] = b.tensor(randomF32(n, 1 + i), shape);
    grads[`t${i}`] = b.tensor(randomF32(n, 20 + i, 1e-2), shape);
  });
  return { params, grads };
}
