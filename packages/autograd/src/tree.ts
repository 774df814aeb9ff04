import type { ParamTree as BackendParamTree, Tensor } from '@downhill/backend';
import type { TensorLike } from './traced.js';

// The tree functions (flattenTree, mapTree, sameStructure, isBranch, joinPath) are the one tree
// module of @downhill/backend; this file holds only autograd's types over it.
export { flattenTree, isBranch, joinPath, mapTree, sameStructure } from '@downhill/backend';

/**
 * A named parameter tree: tensors (or traced values) in nested records and arrays, such as
 * `{ dense1: { kernel, bias }, dense2: { kernel, bias } }`. Leaves are addressed by dotted paths
 * (`dense1.kernel`, `layers.0.bias`).
 */
export type ParamTree<T = TensorLike> = BackendParamTree<T>;

/**
 * The gradient tree of a parameter tree: the same keys and nesting, with a `Tensor` for each
 * tensor leaf. (Inside an enclosing differentiation, such as the inner `grad` of `grad(grad(f))`,
 * the leaves are traced values of the enclosing trace: pass them to `ops`, not to backend methods.)
 */
export type Grads<T> = AsTensors<T>;

/**
 * A tree with every tensor-like leaf typed as a backend `Tensor`: what `grad`, `valueAndGrad` and
 * `vjp` return at the top level (inside an enclosing differentiation the leaves are traced values).
 */
export type AsTensors<T> = T extends TensorLike
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: AsTensors<T[K]> }
    : T extends object
      ? string extends keyof T
        ? T extends ParamTree<Tensor>
          ? T // an open record of tensor trees (Params): already tensors; mapping it would not end
          : { -readonly [K in keyof T]: AsTensors<T[K]> }
        : { -readonly [K in keyof T]: AsTensors<T[K]> }
      : T;
