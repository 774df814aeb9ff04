import type { DType, Tensor } from '@downhill/backend';
import { mapTensors } from '../program/map-tensors.js';
import type { GradientTransformation, HostStepContext, OptState, Params } from '../types.js';
import { checkTransformation, cleanOnError, releaseConsumed } from './internal.js';

/** The smallest positive normal number of each float dtype: below it, a value is subnormal. */
const SMALLEST_NORMAL: Partial<Record<DType, number>> = { float32: 2 ** -126, float64: 2 ** -1022 };

/**
 * Sets every subnormal element of the inner transformation's float state to zero after each step:
 * what a CPU's flush-to-zero mode does for the optimizer's moments (PyTorch's
 * `torch.set_flush_denormal(True)`; XLA, under JAX and TensorFlow, runs CPUs in that mode always).
 * WebAssembly has no such mode, so the wrapper writes it into the update program: three more
 * elementwise ops per state tensor (`|s| < smallest normal ? 0 : s`), fused with the rest.
 *
 * Why: where a parameter's gradient becomes exactly zero (a dead ReLU unit, a memorised batch),
 * Adam's first moment decays by `b1` each step into the subnormal range, and there rounding keeps
 * it: `0.9 · 4·2⁻¹⁴⁹` rounds back to `4·2⁻¹⁴⁹`, so it never reaches zero. Every later step then
 * does arithmetic on subnormal numbers, which many CPUs (x86 among them) run many times slower
 * than on normal ones. In the MLP 784-256-10 benchmark (one batch, 1000 steps, 17% of the first
 * layer's first moments stuck there) Adam's update program took about 0.42 ms a step instead of
 * 0.14 ms on backend-cpu.
 *
 * The state is the inner transformation's, unchanged in layout (a checkpoint of one loads into the
 * other). Normal values pass unchanged, bit for bit; only values of magnitude below 2⁻¹²⁶ (float32)
 * or 2⁻¹⁰²² (float64) change, by less than that: under Adam a step's update then differs from
 * plain Adam's by at most about `lr · 2⁻¹²⁶ / ((1 − b1ᵗ) · ε)` (1e-33 at lr 1e-3, ε 1e-8, after the
 * first steps), far below what float32 parameters resolve. Integer state is left alone.
 *
 * Update programs: passes them through, with the flush appended to each state output; the steady
 * fast path too (`hostStep`, where the inner transformation has one).
 *
 * @param inner - The transformation whose state to keep out of the subnormal range.
 * @returns A transformation with the inner transformation's state.
 *
 * @example
 * ```ts
 * const tx = flushSubnormals(adam(1e-3));
 * let state = tx.init(params);
 * ({ params, state } = step(tx, params, grads, state, { inPlace: true }));
 * ```
 */
export function flushSubnormals<S extends OptState>(inner: GradientTransformation<S>): GradientTransformation<S> {
  checkTransformation(inner, 'flushSubnormals');
  const name = `flushSubnormals(${inner.name ?? '?'})`;
  const hostStep = inner.hostStep;
  return {
    name,
    init: (params: Params) => inner.init(params),
    update(grads: Params, state: S, params?: Params) {
      let innerState: S | undefined;
      let u: Params | undefined;
      let flushed: S | undefined;
      return cleanOnError(
        [grads, state, params],
        () => [u, innerState, flushed],
        () => {
          [u, innerState] = inner.update(grads, state, params);
          const done = new Map<Tensor, Tensor>(); // a tensor held in two places stays one
          flushed = mapTensors(innerState, (t) => done.get(t) ?? done.set(t, flush(t)).get(t)!);
          releaseConsumed(innerState, flushed, state, u, grads, params);
          return [u, flushed] as [Params, S];
        },
      );
    },
    ...(hostStep
      ? {
          hostStep(state: S, context: HostStepContext): S | undefined {
            const next = hostStep.call(inner, state, context);
            if (next === undefined) return undefined;
            // the numbers `flush` passes, in the order `update` walks the state, once per tensor
            const done = new Set<Tensor>();
            mapTensors(next, (t) => {
              const tiny = SMALLEST_NORMAL[t.dtype];
              if (tiny !== undefined && !done.has(t)) context.literals.push(tiny, 0);
              done.add(t);
              return t;
            });
            return next;
          },
        }
      : {}),
  };
}

/** `s` with its subnormal elements set to zero (non-float tensors come back as they are). */
function flush(s: Tensor): Tensor {
  const tiny = SMALLEST_NORMAL[s.dtype];
  if (tiny === undefined) return s;
  const b = s.backend;
  return b.where(b.compare('less', b.unary('abs', s), tiny), 0, s);
}
