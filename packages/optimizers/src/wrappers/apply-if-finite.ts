import { DownhillError, UnsupportedError, type Tensor, checkOptions } from '@downhill/backend';
import { checkTrees, zerosLike } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { checkNumber, checkTransformation, cleanOnError, stateRecord } from './internal.js';

/** State of {@link applyIfFinite}. */
export interface ApplyIfFiniteState<S extends OptState = OptState> {
  readonly [key: string]: OptState;
  /** Non-finite steps in a row, up to now (0 after a finite step). */
  readonly notFiniteCount: number;
  /** Whether the last step's gradients were finite. */
  readonly lastFinite: boolean;
  /** Non-finite steps skipped in all. */
  readonly totalNotFinite: number;
  /** The inner transformation's state, untouched by skipped steps. */
  readonly inner: S;
}

/** More non-finite steps in a row than `applyIfFinite` was told to skip. Nothing was changed. */
export class NonFiniteGradientsError extends DownhillError {
  constructor(message: string) {
    super('NON_FINITE_GRADIENTS', message);
  }
}

/**
 * Skips steps whose gradients hold a `NaN` or an infinity (optax's `apply_if_finite`): such a step
 * returns zero updates and leaves the inner state exactly as it was, and counts itself in the
 * state. After `maxConsecutiveErrors` skipped steps in a row, the next non-finite step throws
 * {@link NonFiniteGradientsError} naming the parameters at fault, and changes nothing.
 *
 * ```text
 * finite(g):   u, s' = inner.update(g, s, params);  count ← 0
 * otherwise:   u = 0, s' = s;  count ← count + 1   (an error when count would exceed the limit)
 * ```
 *
 * Deciding needs one number on the host each step: the backend must read synchronously
 * (`capabilities.syncRead`: cpu and TensorFlow.js do; WebGPU does not, and gets an `UnsupportedError`).
 *
 * Update programs: passes them through, after a reduction. Whether the gradients are finite is a
 * reduction read back on the host (`readSync`), so it runs first; then the chosen branch (the inner
 * step, or a skipped step) is traced and fused. A backend without synchronous reads (WebGPU) is
 * refused on both paths: the decision cannot wait for an asynchronous read inside a step.
 *
 * @param inner - The transformation to protect.
 * @param options - Options:
 * @param options.maxConsecutiveErrors - Non-finite steps in a row to skip before throwing (default 5; 0 throws at once).
 * @returns A transformation with state {@link ApplyIfFiniteState}.
 *
 * @example
 * ```ts
 * const tx = applyIfFinite(adam(1e-3), { maxConsecutiveErrors: 3 });
 * ```
 */
export function applyIfFinite<S extends OptState>(
  inner: GradientTransformation<S>,
  options: { maxConsecutiveErrors?: number } = {},
): GradientTransformation<ApplyIfFiniteState<S>> {
  const { maxConsecutiveErrors = 5 } = checkOptions('applyIfFinite', options, { maxConsecutiveErrors: true });
  checkTransformation(inner, 'applyIfFinite');
  checkNumber(maxConsecutiveErrors, 'maxConsecutiveErrors', 'applyIfFinite', { min: 0, integer: true });
  const name = `applyIfFinite(${inner.name ?? '?'})`;
  return {
    name,
    init(params: Params) {
      return { notFiniteCount: 0, lastFinite: true, totalNotFinite: 0, inner: inner.init(params) };
    },
    update(grads: Params, state: ApplyIfFiniteState<S>, params?: Params) {
      const rec = stateRecord(state, ['notFiniteCount', 'lastFinite', 'totalNotFinite', 'inner'], name);
      const rows = checkTrees([grads], { where: name, labels: ['gradient'] });
      if (
        allFinite(
          rows.map(([, [g]]) => g),
          name,
        )
      ) {
        const [u, s] = inner.update(grads, rec.inner as S, params);
        return [u, { notFiniteCount: 0, lastFinite: true, totalNotFinite: rec.totalNotFinite as number, inner: s }];
      }
      const count = (rec.notFiniteCount as number) + 1;
      if (count > maxConsecutiveErrors) {
        const bad = rows.filter(([, [g]]) => !allFinite([g], name)).map(([n]) => `'${n}'`);
        throw new NonFiniteGradientsError(
          `${name}: ${count} steps in a row had non-finite gradients (NaN or ±Infinity), more than maxConsecutiveErrors = ${maxConsecutiveErrors}; non-finite now: ${bad.join(', ')}. Nothing was changed; lower the learning rate or check the loss.`,
        );
      }
      let zeros: Params | undefined;
      return cleanOnError(
        [grads, state, params],
        () => [zeros],
        () => {
          zeros = zerosLike(grads);
          return [
            zeros,
            { notFiniteCount: count, lastFinite: false, totalNotFinite: (rec.totalNotFinite as number) + 1, inner: rec.inner as S },
          ] as [Params, ApplyIfFiniteState<S>];
        },
      );
    },
  };
}

/**
 * Whether every element of every tensor is finite: `Σ x·0` is 0 exactly when all are, NaN
 * otherwise. One synchronous read of one number.
 */
export function allFinite(tensors: readonly Tensor[], where = 'allFinite'): boolean {
  if (tensors.length === 0) return true;
  const b = tensors[0].backend;
  if (!b.capabilities.syncRead) {
    throw new UnsupportedError(
      `${where}: backend '${b.name}' reads back asynchronously, and skipping non-finite steps needs a synchronous read of one number per step; use a backend with syncRead (cpu, tfjs-cpu)`,
    );
  }
  const total = b.scope(() => {
    let acc: Tensor | undefined;
    for (const t of tensors) {
      if (t.dtype !== 'float32' && t.dtype !== 'float64') continue; // integers are always finite
      const s = b.reduce('sum', b.mul(t, 0));
      const s32 = s.dtype === 'float32' ? s : b.cast(s, 'float32');
      acc = acc ? b.add(acc, s32) : s32;
    }
    return acc ?? b.scalar(0);
  });
  try {
    return Number.isFinite(b.readSync(total)[0]);
  } finally {
    total.dispose();
  }
}
