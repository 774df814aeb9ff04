/**
 * `@downhill/autograd`: reverse-mode automatic differentiation over any downhill backend.
 * Traced values record the primitives applied to them on a tape; one vector-Jacobian rule per
 * primitive (an exhaustive table) turns the tape around; the rules use the same differentiable
 * ops, so gradients of gradients, Hessian-vector products and Hessians work. Composite ops
 * (softmax, log-sum-exp, activations, norms) are built from primitives and need no rules.
 * `checkGrads` compares any function's derivatives with finite differences in float64.
 *
 * @packageDocumentation
 */
export * as ops from './ops/index.js';
export { grad, valueAndGrad, type ArgGrads, type GradOptions, type NamedTrees } from './grad.js';
export { vjp, type Pullback } from './vjp.js';
export { hessian, hvp, type Hessian, type LeavesAs } from './higher-order.js';
export { detach, noGrad } from './trace.js';
export { checkpoint } from './checkpoint.js';
export { customVjp, type CustomBackward, type CustomForward, type CustomVjpOptions } from './custom-vjp.js';
export { Traced, isTensorLike, type Operand, type TensorLike } from './traced.js';
export { flattenTree, mapTree, type AsTensors, type Grads, type ParamTree } from './tree.js';
export {
  GradCheckError,
  checkGrads,
  type CheckGradsOptions,
  type GradCheckFailure,
  type GradCheckReport,
} from './check-grads.js';
export { VJP_RULES, type CotangentThunk, type VjpRule } from './rules.js';
export type { ParamsOf } from './primitives.js';
