/**
 * Differentiable operations: the primitives of the backend interface (each with a rule in the
 * derivative table) and composites built from them (which need no rules of their own). Each
 * accepts backend tensors, traced values and (where it says so) numbers, and records only while a
 * `grad`, `valueAndGrad` or `vjp` traces its operands.
 *
 * @packageDocumentation
 */
export {
  abs,
  add,
  cast,
  ceil,
  cos,
  div,
  equal,
  erf,
  exp,
  expm1,
  floor,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  log1p,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  pow,
  reciprocal,
  round,
  rsqrt,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from './elementwise.js';
export { argmax, argmin, max, min, sum, type ReduceArg, type ReduceOptions } from './reduce.js';
export { broadcastTo, concat, gather, matmul, pad, reshape, scatterAdd, slice, transpose } from './layout.js';
export { sumTo } from './sum-to.js';
export { conv, reduceWindow } from './windowed.js';
export { fullLike, iota, oneHot, onesLike, zerosLike } from './creation.js';
export { elu, gelu, leakyRelu, logSigmoid, relu, sigmoid, silu, softplus } from './activations.js';
export { logSoftmax, logSumExp, mean, softmax, std, variance, type VarianceOptions } from './statistics.js';
export { globalNorm, globalSquaredNorm, l1Norm, l2Norm, treeVdot, vdot } from './norms.js';
export { clip, expandDims, flatten, squeeze, stack } from './shape.js';
