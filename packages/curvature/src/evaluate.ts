import type { TensorLike } from '@downhill/autograd';
import { InvalidArgumentError } from '@downhill/backend';
import { disposeTree, fromHost, type FlatLayout } from './flat.js';

/**
 * The loss at the flat point `theta`: the point goes to the backend as a tree like the
 * parameters, the loss runs in a memory scope, and its value comes back as a number.
 *
 * @internal
 */
export async function lossAt<P>(loss: (params: P) => TensorLike, theta: Float64Array, layout: FlatLayout, where: string): Promise<number> {
  const point = fromHost<P>(theta, layout);
  try {
    const value = layout.backend.scope(() => loss(point)) as TensorLike;
    if (!value || typeof value !== 'object' || !('size' in value) || value.size !== 1) {
      throw new InvalidArgumentError(
        `${where}: loss must return a scalar tensor, got ${value && typeof value === 'object' && 'shape' in value ? `shape [${(value as unknown as { shape: readonly number[] }).shape.join(', ')}]` : typeof value}`,
      );
    }
    const tensor = value as unknown as { read(): Promise<ArrayLike<number>> };
    const out = (await tensor.read())[0];
    layout.backend.dispose(value as never);
    return out;
  } finally {
    disposeTree(layout.backend, point);
  }
}
