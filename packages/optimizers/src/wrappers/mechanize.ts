import { checkOptions, InvalidArgumentError, type Tensor } from '@downhill/backend';
import { needParams } from '../transforms/needs-params.js';
import { checkTrees, flatten, mapTreesN, stateNumber } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { checkNumber, checkTransformation, cleanOnError, releaseConsumed, stateRecord } from './internal.js';

/** The state of {@link mechanize}: the wrapped state, the reference point and the tuner's vectors (one entry per beta). */
export type MechanizeState<S extends OptState = OptState> = {
  /** Updates made so far (the reference point is taken at the first). */
  readonly count: number;
  /** The wrapped transformation's state. */
  readonly inner: S;
  /** The reference point `x_ref`: the parameters at the first update (zeros before it). */
  readonly ref: Params;
  /** The scales `s`, one per beta (a rank-1 tensor; `null` for an empty tree); the step is `x_ref + Σs·Δ`. */
  readonly s: Tensor | null;
  /** The decaying maxima `m` of `|h|` (the paper's m; starts at 1e-6). */
  readonly maxProduct: Tensor | null;
  /** The decaying sums `v` of `h²`. */
  readonly sumSquares: Tensor | null;
  /** The rewards `r` (clipped at 0). */
  readonly reward: Tensor | null;
  /** The sum `Δ` of the wrapped optimizer's steps (with `storeDelta`, the default; `null` without). */
  readonly delta: Params | null;
};

/** Options of {@link mechanize}. */
export interface MechanizeOptions {
  /** The tuner's weight decay `λ` (the paper's; default 0.01, not the wrapped optimizer's decay). */
  readonly sDecay?: number;
  /** The betas of the tuners run in parallel (default 0.9, 0.99, …, 0.999999: six). */
  readonly betas?: readonly number[];
  /** The initial wealth `s_init` (default 1e-8). */
  readonly sInit?: number;
  /** Added to denominators (default 1e-8). */
  readonly eps?: number;
  /**
   * Keep `Δ`, the sum of the wrapped optimizer's steps, in the state (default true: one more slot
   * per parameter entry), rather than recompute it as `(x − x_ref)/(Σs + ε)` (the authors'
   * `store_delta=False`). In float32 the recomputation loses the first steps, whose scale
   * `Σs ≈ s_init` is far below the parameters' rounding (`x_ref + 1e-8·u` rounds to `x_ref`), so
   * `h` stays 0 and the scale never grows: Mechanic around AdamW stayed at chance on MNIST.
   */
  readonly storeDelta?: boolean;
}

const DEFAULT_BETAS = [0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999] as const;

function vectorOf(state: Record<string, OptState>, key: string, n: number, where: string): Tensor {
  const v = state[key] as unknown as Tensor | null;
  if (!v || typeof v !== 'object' || !('shape' in v) || v.shape.length !== 1 || v.shape[0] !== n || v.disposed)
    throw new InvalidArgumentError(
      `${where}: state '${key}' must be a live rank-1 tensor of ${n} entries (one per beta); was this state made by this wrapper's init?`,
    );
  return v;
}

/**
 * Mechanic (Cutkosky, Defazio and Mehta 2023): a learning-rate tuner around any transformation. It
 * keeps the wrapped optimizer's steps summed in `Δ` and learns, online, the scale `s` at which to
 * apply them: `x = x_ref + s·Δ`, `s` the sum of several tuners with different betas.
 *
 * ```text
 * u = tx.update(g)                                (a step: added to the parameters)
 * Δ_prev = Δ   (stored; with storeDelta false recomputed as (x − x_ref)/(Σs + ε))
 * h = ⟨Δ_prev, g + λ·Σs·‖g‖/(‖x + u‖ + ε)·(x + u)⟩   (norms and the product over the whole tree)
 * m ← max(β·m, |h|),   v ← β²·v + h²,   r ← max(0, β·r − s·h)
 * s ← (s_init/n·m + r) / (√v + ε)                (per beta; n betas)
 * Δ ← Δ_prev + u,   x ← x_ref + max(Σs, 0)·Δ
 * ```
 *
 * Reductions first: the two norms and the product `h` are reductions over every parameter; the
 * tuner's vectors are rank-1 tensors of one entry per beta, so nothing is read back to the host;
 * the new parameters are elementwise, one program per parameter. State: the wrapped state plus
 * `x_ref` and `Δ` (two slots per parameter entry) and four vectors; `storeDelta: false` recomputes
 * `Δ` from `x − x_ref` instead (the authors' default `store_delta=False`, one slot less), which in
 * float32 loses the first steps, made at a scale `Σs ≈ s_init` below the parameters' rounding.
 *
 * Conventions: as the authors' PyTorch `mechanize` (s starts at 0, `m` at 1e-6, `s_init` 1e-8, six
 * betas, λ 0.01, the reference point the parameters at the first step, the decay term on the
 * parameters after the wrapped step). optax's `contrib.mechanize` differs: `s` starts at `s_init`
 * (default 1e-6), `h` is clipped to `±m`, `m ← max(β·m, |h| + ε)`, the decay term is on the
 * parameters before the step. PyTorch and Keras have none. Wrap a normalized-step optimizer (LARS,
 * LAMB) at your own risk, say the authors.
 *
 * @param tx - The transformation to tune (any optimizer; its rate is best left at 1 or a schedule of peak 1 for Adam-like steps, as optax advises).
 * @param options - See {@link MechanizeOptions}.
 * @returns A transformation whose state is a {@link MechanizeState}; it needs `params` in `update`.
 *
 * @example
 * ```ts
 * const tx = mechanize(adamw(1e-3, { weightDecay: 0.01 }));
 * ```
 *
 * Cutkosky, Defazio and Mehta, 2023, "Mechanic: A Learning Rate Tuner" (https://arxiv.org/abs/2306.00144),
 * Algorithm 1; reference code optimizedlearning/mechanic, `src/mechanic_pytorch/mechanic.py`.
 */
export function mechanize<S extends OptState>(
  tx: GradientTransformation<S>,
  options: MechanizeOptions = {},
): GradientTransformation<MechanizeState<S>> {
  const where = 'mechanize';
  const {
    sDecay = 0.01,
    betas = DEFAULT_BETAS,
    sInit = 1e-8,
    eps = 1e-8,
    storeDelta = true,
  } = checkOptions(where, options, { sDecay: true, betas: true, sInit: true, eps: true, storeDelta: true });
  if (typeof storeDelta !== 'boolean') throw new InvalidArgumentError(`${where}: storeDelta must be a boolean, got ${String(storeDelta)}`);
  checkTransformation(tx, where);
  checkNumber(sDecay, 'sDecay', where, { min: 0 });
  checkNumber(sInit, 'sInit', where, { min: 0 });
  checkNumber(eps, 'eps', where, { min: 0 });
  if (!Array.isArray(betas) || betas.length === 0 || !betas.every((x) => typeof x === 'number' && x >= 0 && x < 1))
    throw new InvalidArgumentError(`${where}: betas must be a non-empty array of numbers in [0, 1), got ${JSON.stringify(betas)}`);
  const n = betas.length;
  const name = `mechanize(${tx.name ?? '?'})`;
  const keys = ['count', 'inner', 'ref', 's', 'maxProduct', 'sumSquares', 'reward', 'delta'];
  return {
    name,
    init(params) {
      const leaves = flatten(params, name);
      let inner: S | undefined;
      let made: Record<string, Tensor | null> = {};
      let ref: Params | undefined;
      let delta: Params | null | undefined;
      return cleanOnError(
        [params],
        () => [inner as OptState, ref, made as OptState, delta ?? undefined],
        () => {
          inner = tx.init(params);
          const first = leaves[0]?.[1];
          const vec = (v: number) => (first ? first.backend.full([n], v, first.dtype) : null);
          made = { s: vec(0), maxProduct: vec(1e-6), sumSquares: vec(0), reward: vec(0) };
          ref = mapTreesN(1, [params], ([p]) => [p.backend.zeros(p.shape, p.dtype)], { where: name })[0];
          delta = storeDelta ? mapTreesN(1, [params], ([p]) => [p.backend.zeros(p.shape, p.dtype)], { where: name })[0] : null;
          return { count: 0, inner, ref, ...made, delta } as MechanizeState<S>;
        },
      );
    },
    update(grads, state, params) {
      const ps = needParams(params, name);
      const rec = stateRecord(state, keys, name);
      const count = stateNumber(state, 'count', name);
      const leaves = flatten(grads, name);
      if (leaves.length === 0) {
        const [u, inner] = tx.update(grads, rec.inner as S, ps);
        return [u, { ...(state as MechanizeState<S>), count: count + 1, inner }];
      }
      const b = leaves[0][1].backend;
      const dtype = leaves[0][1].dtype;
      const s = vectorOf(rec, 's', n, name);
      const m = vectorOf(rec, 'maxProduct', n, name);
      const v = vectorOf(rec, 'sumSquares', n, name);
      const r = vectorOf(rec, 'reward', n, name);
      checkTrees([grads, ps, rec.ref as Params], { where: name, labels: ['gradient', 'parameter', "state 'ref'"] });
      let u: Params | undefined;
      let inner: S | undefined;
      let tuned: Tensor[] | undefined;
      let out: Params[] | undefined;
      return cleanOnError(
        [grads, state, ps],
        () => [u, inner as OptState, tuned as unknown as OptState, out as unknown as OptState],
        () => {
          [u, inner] = tx.update(grads, rec.inner as S, ps);
          const ref = count === 0 ? ps : (rec.ref as Params);
          const stored = storeDelta ? (rec.delta as Params | null) : null;
          if (storeDelta && (stored === null || typeof stored !== 'object'))
            throw new InvalidArgumentError(
              `${name}: state 'delta' must be a tree of tensors with storeDelta; was this state made by this wrapper's init?`,
            );
          const rows = checkTrees(stored ? [grads, ps, ref, u, stored] : [grads, ps, ref, u], {
            where: name,
            labels: ['gradient', 'parameter', "state 'ref'", 'update', "state 'delta'"],
            dtype: false,
          });
          const cast = (t: Tensor) => (t.dtype === dtype ? t : b.cast(t, dtype));
          // Reductions over the whole tree: ‖g‖, ‖x + u‖, and h = ⟨Δ_prev, g + decay⟩.
          tuned = b.scope(() => {
            const sSum = b.reduce('sum', s);
            const denom = b.add(sSum, eps);
            let g2: Tensor | undefined;
            let p2: Tensor | undefined;
            for (const [, [g, p, , du]] of rows) {
              const after = b.add(p, cast(du));
              const a = b.reduce('sum', b.unary('square', g));
              const c = b.reduce('sum', b.unary('square', after));
              g2 = g2 ? b.add(g2, a) : a;
              p2 = p2 ? b.add(p2, c) : c;
            }
            const k = b.div(b.mul(b.mul(sSum, b.unary('sqrt', g2!)), sDecay), b.add(b.unary('sqrt', p2!), eps));
            let h: Tensor | undefined;
            for (const [, [g, p, x0, du, d]] of rows) {
              const deltaPrev = d ?? b.div(b.sub(p, x0), denom);
              const term = b.reduce('sum', b.mul(deltaPrev, b.add(g, b.mul(b.add(p, cast(du)), k))));
              h = h ? b.add(h, term) : term;
            }
            const bs = b.tensor(betas, [n], dtype);
            const m2 = b.binary('maximum', b.mul(bs, m), b.unary('abs', h!));
            const v2 = b.add(b.mul(b.mul(bs, bs), v), b.unary('square', h!));
            const r2 = b.binary('maximum', b.sub(b.mul(bs, r), b.mul(s, h!)), 0);
            const s2 = b.div(b.add(b.mul(m2, sInit / n), r2), b.add(b.unary('sqrt', v2), eps));
            const scale = b.binary('maximum', b.reduce('sum', s2), 0);
            return [s2, m2, v2, r2, scale, denom];
          });
          const [s2, m2, v2, r2, scale, denom] = tuned;
          // The new parameters x_ref + Σs·(Δ_prev + u), returned as a step from x; and the reference kept.
          out = mapTreesN(
            stored ? 2 : 1,
            stored ? [ps, ref, u, stored] : [ps, ref, u],
            ([p, x0, du, d]) => {
              const delta = b.add(d ?? b.div(b.sub(p, x0), denom), cast(du));
              const step = b.sub(b.add(x0, b.mul(delta, scale)), p);
              return d ? [step, delta] : [step];
            },
            { where: name, labels: ['parameter', "state 'ref'", 'update', "state 'delta'"], dtype: false },
          );
          const updates = out[0];
          const newDelta = stored ? out[1] : null;
          // The reference point: a copy of the parameters at the first update (not their storage), then kept.
          const newRef = count === 0 ? mapTreesN(1, [ps], ([p]) => [p.backend.mul(p, 1)], { where: name })[0] : (rec.ref as Params);
          out.push(newRef);
          scale.dispose();
          denom.dispose();
          releaseConsumed(u, updates, inner as OptState, grads, ps, state);
          return [
            updates,
            { count: count + 1, inner: inner as S, ref: newRef, s: s2, maxProduct: m2, sumSquares: v2, reward: r2, delta: newDelta },
          ];
        },
      );
    },
  };
}
