import { InvalidArgumentError, Tensor, checkOptions } from '@downhill/backend';
import { checkTrees, mapTree, mapTrees, unflatten, zerosLike } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { alias, checkNumber, cleanOnError, stateRecord } from './internal.js';

/** State of {@link paramsEma}. `kind` lets {@link emaParams} find it inside any composed state. */
export interface ParamsEmaState {
  readonly [key: string]: OptState;
  /** Marks this state as a {@link paramsEma} state. */
  readonly kind: 'paramsEma';
  /** Updates seen. */
  readonly count: number;
  /** The decay it was made with (read by {@link emaParams} for the bias correction). */
  readonly decay: number;
  /** Whether {@link emaParams} divides by `1 − decayᵗ`. */
  readonly debias: boolean;
  /** The running average of the parameters after each update. */
  readonly ema: Params;
}

/**
 * An exponential moving average of the parameters, for evaluation (Polyak averaging; the "EMA
 * weights" of many training recipes). It changes nothing in the updates: chain it LAST, so it sees
 * the final updates, and read the averaged parameters with {@link emaParams}.
 *
 * ```text
 * p' = p + u                        (the parameters after this update)
 * emaₜ = decay·emaₜ₋₁ + (1 − decay)·p'
 * emaParams = emaₜ / (1 − decayᵗ)   with debias (ema₀ = 0)
 * emaParams = emaₜ                  without (ema₀ = the initial parameters)
 * ```
 *
 * `update` needs `params`.
 *
 * Update programs: fused with the rest of the chain. The average's update is elementwise math over
 * the parameter, the incoming update and the average, recorded into the same program.
 *
 * @param decay - The weight of the past, in [0, 1) (0.999 is common).
 * @param options - Options:
 * @param options.debias - Start from zero and correct the bias (default true), or start from the initial parameters.
 * @returns A transformation that passes updates through and keeps {@link ParamsEmaState}.
 *
 * @example
 * ```ts
 * const tx = chain(adam(1e-3), paramsEma(0.999));
 * // ... train with step(tx, ...) ...
 * const evalParams = emaParams(state); // new tensors, yours to release
 * ```
 *
 * Polyak and Juditsky, "Acceleration of Stochastic Approximation by Averaging" (1992).
 */
export function paramsEma(decay: number, options: { debias?: boolean } = {}): GradientTransformation<ParamsEmaState> {
  const { debias = true } = checkOptions('paramsEma', options, { debias: true });
  checkNumber(decay, 'decay', 'paramsEma', { min: 0 });
  if (decay >= 1) throw new InvalidArgumentError(`paramsEma: decay must be in [0, 1), got ${decay}`);
  const name = `paramsEma(${decay})`;
  return {
    name,
    init(params: Params) {
      const ema = debias ? zerosLike(params) : mapTree(params, (p) => p.backend.mul(p, 1), name);
      return { kind: 'paramsEma', count: 0, decay, debias, ema };
    },
    update(grads: Params, state: ParamsEmaState, params?: Params) {
      const rec = stateRecord(state, ['kind', 'count', 'ema'], name);
      if (params === undefined) throw new InvalidArgumentError(`${name}: update needs the parameters; call update(grads, state, params)`);
      const rows = checkTrees([params, grads], { where: name, labels: ['parameter', 'update'], dtype: false });
      let ema: Params | undefined;
      let passed: Params | undefined;
      return cleanOnError(
        [grads, state, params],
        () => [ema, passed],
        () => {
          ema = mapTrees(
            [rec.ema as Params, params, grads],
            ([e, p, u]) => {
              const b = e.backend;
              const next = b.add(p, u.dtype === p.dtype ? u : b.cast(u, p.dtype));
              return b.add(b.mul(e, decay), b.mul(next, 1 - decay));
            },
            { where: name, labels: ["average 'ema'", 'parameter', 'update'], dtype: false },
          );
          passed = unflatten(
            rows.map(([n, [, u]]) => [n, alias(u)] as const),
            grads,
          );
          return [passed, { kind: 'paramsEma', count: (rec.count as number) + 1, decay, debias, ema }] as [Params, ParamsEmaState];
        },
      );
    },
  };
}

/**
 * The averaged parameters kept by {@link paramsEma}, found anywhere inside a (composed) state:
 * new tensors, yours to release. Before the first update it returns the initial average (zeros
 * with `debias`, the initial parameters without).
 *
 * @throws InvalidArgumentError when the state holds no `paramsEma` state.
 *
 * @example
 * ```ts
 * const evalParams = emaParams(opt.state);
 * ```
 */
export function emaParams(state: OptState): Params {
  const found = findEma(state);
  if (!found)
    throw new InvalidArgumentError('emaParams: this state holds no paramsEma state; chain paramsEma(decay) last in the transformation');
  const { ema, count, decay, debias } = found;
  const correction = debias && count > 0 ? 1 - decay ** count : 1;
  return mapTree(ema, (e) => (correction === 1 ? e.backend.mul(e, 1) : e.backend.div(e, correction)), 'emaParams');
}

function findEma(state: OptState): ParamsEmaState | undefined {
  if (state === null || typeof state !== 'object' || state instanceof Tensor) return undefined;
  if (Array.isArray(state)) {
    for (const s of state) {
      const f = findEma(s);
      if (f) return f;
    }
    return undefined;
  }
  const rec = state as Record<string, OptState>;
  if (rec.kind === 'paramsEma' && typeof rec.count === 'number' && rec.ema !== null && typeof rec.ema === 'object')
    return rec as ParamsEmaState;
  for (const v of Object.values(rec)) {
    const f = findEma(v);
    if (f) return f;
  }
  return undefined;
}
