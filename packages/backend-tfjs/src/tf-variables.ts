import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidArgumentError,
  ShapeError,
  Tensor,
  describeValue,
  flattenTree,
  mapTree,
  type Backend,
  type ParamTree,
} from '@downhill/backend';
import { fromTf, toTf } from './interop.js';

/** A tree (records and arrays) of TensorFlow.js tensors or variables, such as `tf.variableGrads(...).grads`. */
export type TfTree<T extends tf.Tensor = tf.Tensor> = T | readonly TfTree<T>[] | { readonly [name: string]: TfTree<T> };

/** The downhill tree of the same structure as a tree of tf tensors. */
export type FromTfTree<T> = T extends tf.Tensor
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: FromTfTree<T[K]> }
    : { -readonly [K in keyof T]: FromTfTree<T[K]> };

/**
 * A downhill parameter tree from a tree of TensorFlow.js tensors or variables (for example
 * `tf.variableGrads(f).grads`, or your `{ name: tf.Variable }` record), with the same structure
 * and dotted names. No data is copied: each leaf is {@link fromTf} of the tf tensor, a snapshot
 * of its value now (a variable assigned later does not change it).
 *
 * @param backend - A backend made by `tfjs()` or `createTfjsBackend`, on the tfjs backend the tensors live on.
 * @param tree - tf tensors in records and arrays.
 * @returns The downhill tensors (in the innermost open scope), the caller's to dispose.
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(() => loss(vars));
 * const g = fromTfTree(backend, grads);
 * ```
 */
export function fromTfTree<T extends TfTree>(backend: Backend, tree: T): FromTfTree<T> {
  for (const [path, leaf] of flattenTree(tree)) {
    if (!(leaf instanceof tf.Tensor))
      throw new InvalidArgumentError(`fromTfTree: '${path || '(root)'}' is ${describeValue(leaf)}, expected a tf.Tensor`);
  }
  return mapTree(tree, (leaf) => fromTf(backend, leaf as tf.Tensor)) as FromTfTree<T>;
}

/**
 * Writes a downhill parameter tree into TensorFlow.js variables of the same names
 * (`variable.assign`), the last step of a tfjs training loop driven by a downhill optimizer:
 * `tf.variableGrads` → {@link fromTfTree} → `step` → `assignToTf`. No data is copied: each variable
 * takes a reference to the downhill tensor's buffer (tfjs tensors are immutable, so the two never
 * diverge); disposing the downhill tensors afterwards is safe.
 *
 * Checks every name, shape and dtype before assigning anything, so a failed call leaves every
 * variable as it was.
 *
 * @param variables - `tf.Variable`s in records and arrays.
 * @param params - Downhill tensors (on a tfjs backend) with the same dotted names and shapes.
 * @throws InvalidArgumentError for a missing or extra name, ShapeError for a shape or dtype mismatch.
 * @example
 * ```ts
 * const { params: next, state: s } = step(tx, fromTfTree(backend, vars), fromTfTree(backend, grads), state);
 * assignToTf(vars, next);
 * ```
 */
export function assignToTf(variables: TfTree<tf.Variable>, params: ParamTree): void {
  const given = new Map(flattenTree(params));
  const rows: [tf.Variable, Tensor][] = [];
  for (const [path, v] of flattenTree(variables)) {
    const name = path || '(root)';
    if (!(v instanceof tf.Variable)) throw new InvalidArgumentError(`assignToTf: '${name}' is ${describeValue(v)}, expected a tf.Variable`);
    const p = given.get(path);
    given.delete(path);
    if (!(p instanceof Tensor))
      throw new InvalidArgumentError(
        `assignToTf: the parameters have ${describeValue(p)} at '${name}', expected a tensor for that variable`,
      );
    if (p.shape.length !== v.shape.length || p.shape.some((d, i) => d !== v.shape[i]) || p.dtype !== v.dtype) {
      throw new ShapeError(
        `assignToTf: '${name}' is [${p.shape.join(', ')}] ${p.dtype} but its variable is [${v.shape.join(', ')}] ${v.dtype}`,
      );
    }
    rows.push([v, p]);
  }
  if (given.size)
    throw new InvalidArgumentError(
      `assignToTf: the parameters have ${[...given.keys()].map((n) => `'${n}'`).join(', ')}, which no variable has`,
    );
  for (const [v, p] of rows) {
    const t = toTf(p);
    v.assign(t);
    t.dispose();
  }
}
