import { DTypeError, DisposedTensorError, InvalidArgumentError, ShapeError, Tensor, fmtShape, isFloatDType } from '@downhill/backend';
import { isTensorLike, ops, type TensorLike } from '@downhill/autograd';

/**
 * How per-example losses become the result:
 * - `'mean'` (default): the (weighted) mean, `Σ wᵢℓᵢ / Σ wᵢ` (the plain mean without weights);
 * - `'sum'`: `Σ wᵢℓᵢ`;
 * - `'none'`: the weighted per-example losses `wᵢℓᵢ`, unreduced.
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  /** See {@link Reduction}; default `'mean'`. */
  readonly reduction?: Reduction;
  /**
   * Per-example weights: a float tensor whose shape is a prefix of the unreduced loss's shape
   * (`[batch]`, or the full shape for per-element weights), broadcast over the remaining axes.
   * `'mean'` divides by the sum of the broadcast weights (0 when they sum to 0).
   */
  readonly weights?: TensorLike;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Throws unless `reduction` is known. @internal */
export function checkReduction(reduction: unknown, where: string): asserts reduction is Reduction {
  if (!REDUCTIONS.includes(reduction as Reduction)) {
    throw new InvalidArgumentError(`${where}: reduction must be one of 'mean', 'sum', 'none', got ${JSON.stringify(reduction)}`);
  }
}

/** Throws unless `x` is a float tensor (or traced value). @internal */
/**
 * Refuses a released tensor with the loss's name, before any op would refuse it with its own.
 * @internal
 */
export function checkAlive(x: TensorLike, name: string, where: string): void {
  if (x instanceof Tensor && x.disposed) throw new DisposedTensorError(`${where}: ${name} ${x} was used after it was released`);
}

export function checkFloat(x: unknown, name: string, where: string): asserts x is TensorLike {
  if (!isTensorLike(x)) throw new InvalidArgumentError(`${where}: ${name} must be a tensor, got ${x === null ? 'null' : typeof x}`);
  checkAlive(x, name, where);
  if (!isFloatDType(x.dtype)) throw new DTypeError(`${where}: ${name} ${fmtShape(x.shape)} is ${x.dtype}, expected float32 or float64`);
}

/** Throws unless two tensors share a shape and a dtype, naming both. @internal */
export function checkSame(a: TensorLike, aName: string, b: TensorLike, bName: string, where: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(
      `${where}: ${aName} ${fmtShape(a.shape)} and ${bName} ${fmtShape(b.shape)} differ in shape; they must match exactly (no broadcasting: reshape one)`,
    );
  }
  if (a.dtype !== b.dtype) throw new DTypeError(`${where}: ${aName} is ${a.dtype} but ${bName} is ${b.dtype}; cast one`);
}

/**
 * Applies weights and the reduction to unreduced losses. Checks the options first. `counted`, of
 * the losses' shape, is how much each loss counts in the `'mean'`'s denominator when the losses
 * already carry their own weights (class weights, ignored examples): `Σ wᵢℓᵢ / Σ wᵢcᵢ`.
 * @internal
 */
export function reduceLoss(
  losses: TensorLike,
  { reduction = 'mean', weights }: LossOptions,
  where: string,
  counted?: TensorLike,
): TensorLike {
  checkReduction(reduction, where);
  let weighted = losses;
  let w: TensorLike | undefined;
  if (weights !== undefined) {
    checkFloat(weights, 'weights', where);
    const k = weights.shape.length;
    if (k > losses.shape.length || weights.shape.some((d, i) => d !== losses.shape[i])) {
      throw new ShapeError(
        `${where}: weights ${fmtShape(weights.shape)} must match the leading axes of the per-example losses ${fmtShape(losses.shape)}`,
      );
    }
    if (weights.dtype !== losses.dtype)
      throw new DTypeError(`${where}: weights are ${weights.dtype} but the losses are ${losses.dtype}; cast them`);
    w = k === losses.shape.length ? weights : ops.reshape(weights, [...weights.shape, ...losses.shape.slice(k).map(() => 1)]);
    weighted = ops.mul(losses, w);
  }
  if (reduction === 'none') return weighted;
  const total = ops.sum(weighted);
  if (reduction === 'sum') return total;
  if (counted !== undefined) {
    const denom = ops.sum(w === undefined ? counted : ops.mul(counted, w));
    return ops.div(total, ops.where(ops.equal(denom, 0), 1, denom));
  }
  if (w === undefined) return ops.div(total, Math.max(losses.size, 1));
  const count = losses.size === 0 ? 0 : losses.size / weights!.size;
  const denom = ops.mul(ops.sum(w), count);
  return ops.div(total, ops.where(ops.equal(denom, 0), 1, denom));
}
