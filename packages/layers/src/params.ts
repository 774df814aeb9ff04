import type { Params as BackendParams, ParamTree } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';

/**
 * A named parameter tree of backend tensors: nested records keyed by name, such as
 * `{ encoder: { dense1: { kernel, bias } } }`. The dotted path of a leaf (`encoder.dense1.kernel`)
 * is its name everywhere: in errors, in saved weights, in optimizer state. The one tree type of
 * `@downhill/backend`, the same the optimizers and autograd use.
 */
export type Params = BackendParams;

/**
 * A parameter tree whose leaves may also be traced values: what {@link Module.apply} accepts, so
 * the same call works on `model.parameters()` and on the traced tree inside `grad`.
 */
export interface ParamsLike {
  readonly [name: string]: ParamTree<TensorLike>;
}
