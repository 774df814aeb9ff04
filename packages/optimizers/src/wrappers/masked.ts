import { checkTrees, flatten, unflatten } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { alias, checkTransformation, cleanOnError, pick, stateRecord } from './internal.js';
import { selectByMask, type Mask } from '../mask.js';

/** State of {@link masked}: the inner transformation's state, for the selected parameters only. */
export interface MaskedState<S extends OptState = OptState> {
  readonly [key: string]: OptState;
  /** The state of the wrapped transformation, over the selected parameters. */
  readonly inner: S;
}

/**
 * Applies a transformation to the selected parameters only; the others' updates pass through
 * unchanged (optax's `masked`). The usual use is a weight-decay mask: decay the kernels, not the
 * biases and norms.
 *
 * ```text
 * uᵢ = inner(g)ᵢ   if mask(nameᵢ)
 * uᵢ = gᵢ          otherwise
 * ```
 *
 * The inner transformation sees a tree of the selected parameters only (names unchanged), in
 * `init` and in `update`, so its state holds nothing for the others.
 *
 * Update programs: passes them through. Under `step`'s tracing the inner transformation's
 * elementwise math on the selected parameters is recorded like any other, and the unselected
 * parameters' updates pass unchanged, so a masked chain is still one fused pass per parameter
 * (parameters inside and outside the mask get different programs).
 *
 * @param inner - The transformation to apply to the selected parameters.
 * @param mask - A glob or RegExp on dotted names, a predicate `(name, tensor) => boolean`, a list
 *   of these (any may match), or a tree of booleans shaped like the parameters (see {@link Mask}).
 * @returns A transformation with state `{ inner }`.
 * @throws InvalidArgumentError when a mask tree misses or invents a parameter (named in the message).
 *
 * @example
 * ```ts
 * const tx = chain(scaleByAdam(), masked(addDecayedWeights(1e-2), '**.kernel'), scaleByLearningRate(1e-3));
 * ```
 *
 * See Loshchilov and Hutter, "Decoupled Weight Decay Regularization" (2019), on why biases and
 * norms are usually left undecayed.
 */
export function masked<S extends OptState>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> {
  checkTransformation(inner, 'masked');
  const name = `masked(${inner.name ?? '?'})`;
  return {
    name,
    init(params: Params) {
      const leaves = flatten(params, name);
      const selected = selectByMask(mask, leaves, name);
      return { inner: inner.init(pick(leaves, selected)) };
    },
    update(grads: Params, state: MaskedState<S>, params?: Params) {
      const rec = stateRecord(state, ['inner'], name);
      const rows =
        params === undefined
          ? checkTrees([grads], { where: name, labels: ['gradient'] })
          : checkTrees([params, grads], { where: name, labels: ['parameter', 'gradient'] });
      const gradLeaves = rows.map(([n, ts]) => [n, ts[ts.length - 1]] as const);
      const selected = selectByMask(
        mask,
        rows.map(([n, ts]) => [n, ts[0]] as const),
        name,
      );
      const subParams =
        params === undefined
          ? undefined
          : pick(
              rows.map(([n, ts]) => [n, ts[0]] as const),
              selected,
            );
      let innerUpdates: Params | undefined;
      let innerState: S | undefined;
      let passed: [string, ReturnType<typeof alias>][] = [];
      return cleanOnError(
        [grads, state, params],
        () => [innerUpdates, innerState as OptState, unflatten(passed, grads)],
        () => {
          [innerUpdates, innerState] = inner.update(pick(gradLeaves, selected), rec.inner as S, subParams);
          passed = gradLeaves.filter(([n]) => !selected.has(n)).map(([n, g]) => [n, alias(g)]);
          const merged = unflatten([...flatten(innerUpdates, `${name} (inner updates)`), ...passed], grads);
          return [merged, { inner: innerState }] as [Params, MaskedState<S>];
        },
      );
    },
  };
}
