import { hvp, type TensorLike } from '@downhill/autograd';
import { InvalidArgumentError } from '@downhill/backend';
import { disposeTree, fromHost, layoutOf, toHost, type FlatLayout } from './flat.js';

/** A scalar loss of a parameter tree: built from `@downhill/autograd`'s `ops`, so it can be differentiated twice. */
export type LossFn<P> = (params: P) => TensorLike;

/** The Hessian as a matrix-free operator on flat float64 host vectors. @internal */
export interface HessianOperator {
  readonly layout: FlatLayout;
  /** `H·v`: one Hessian-vector product on the backend, in the parameters' dtype. */
  apply(v: Float64Array): Promise<Float64Array>;
  /** How many products so far. */
  readonly calls: number;
}

/**
 * The Hessian of `loss` at `params` as an operator: each product sends `v` to the backend as a
 * tree like `params`, runs autograd's `hvp` there, and reads the result back in float64.
 *
 * @internal
 */
export function hessianOperator<P>(loss: LossFn<P>, params: P, where: string): HessianOperator {
  checkLoss(loss, where);
  const layout = layoutOf(params, where);
  let calls = 0;
  return {
    layout,
    get calls() {
      return calls;
    },
    async apply(v) {
      const direction = fromHost<P>(v, layout);
      let product: unknown;
      try {
        product = hvp(loss, params, direction as never);
        calls++;
        return await toHost(product, layout);
      } finally {
        disposeTree(layout.backend, direction);
        if (product !== undefined) disposeTree(layout.backend, product);
      }
    },
  };
}

/** Checks that `loss` is a function. @internal */
export function checkLoss(loss: unknown, where: string): void {
  if (typeof loss !== 'function') {
    throw new InvalidArgumentError(
      `${where}: loss must be a function of the parameter tree returning a scalar tensor, got ${loss === null ? 'null' : typeof loss}`,
    );
  }
}
