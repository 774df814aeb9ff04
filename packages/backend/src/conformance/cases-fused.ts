import { expect } from 'vitest';
import type { Backend } from '../backend.js';
import { UnsupportedError } from '../errors.js';
import { fusedStateCount, type FusedHyperparameters, type FusedUpdateKind } from '../fused.js';
import type { Tensor } from '../tensor.js';
import { hashString, mulberry32, uniformData, type CheckCase, type CheckContext, type FloatDType } from './case.js';
import { assertClose } from './compare.js';
import { expectNoLeak } from './cases-contract.js';

/**
 * One optimizer update composed from primitives: the semantics of {@link FusedUpdateKind}, used
 * as the reference for fused kernels. Returns new tensors; the inputs are left as they were.
 *
 * @param backend - Where to compute.
 * @param kind - `sgd`, `adam` or `rmsprop`.
 * @param param - The parameter `p`.
 * @param grad - Its gradient `g`.
 * @param state - The state tensors in the order `fusedUpdate` takes them.
 * @param hyper - The hyperparameters of `kind`.
 * @returns The new parameter and state.
 * @example
 * ```ts
 * const { param, state } = composedFusedUpdate(cpu(), 'sgd', p, g, [], { lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0 });
 * ```
 */
export function composedFusedUpdate<K extends FusedUpdateKind>(
  backend: Backend,
  kind: K,
  param: Tensor,
  grad: Tensor,
  state: readonly Tensor[],
  hyper: FusedHyperparameters[K],
): { param: Tensor; state: Tensor[] } {
  const b = backend;
  return b.scope(() => {
    if (kind === 'sgd') {
      const h = hyper as FusedHyperparameters['sgd'];
      const g = h.weightDecay !== 0 ? b.add(grad, b.mul(param, h.weightDecay)) : grad;
      if (h.momentum === 0) return { param: b.sub(param, b.mul(g, h.lr)), state: [] };
      const buf = b.add(b.mul(state[0], h.momentum), b.mul(g, 1 - h.dampening));
      const d = h.nesterov ? b.add(g, b.mul(buf, h.momentum)) : buf;
      return { param: b.sub(param, b.mul(d, h.lr)), state: [buf] };
    }
    if (kind === 'adam') {
      const h = hyper as FusedHyperparameters['adam'];
      const m = b.add(b.mul(state[0], h.b1), b.mul(grad, 1 - h.b1));
      const v = b.add(b.mul(state[1], h.b2), b.mul(b.unary('square', grad), 1 - h.b2));
      const mHat = b.div(m, 1 - h.b1 ** h.step);
      const vHat = b.div(v, 1 - h.b2 ** h.step);
      let u = b.div(mHat, b.add(b.unary('sqrt', b.add(vHat, h.epsRoot)), h.eps));
      if (h.weightDecay !== 0) u = b.add(u, b.mul(param, h.weightDecay));
      return { param: b.sub(param, b.mul(u, h.lr)), state: [m, v] };
    }
    const h = hyper as FusedHyperparameters['rmsprop'];
    const out: Tensor[] = [];
    let k = 0;
    const nu = b.add(b.mul(state[k++], h.decay), b.mul(b.unary('square', grad), 1 - h.decay));
    out.push(nu);
    let s = nu;
    if (h.centered) {
      const mg = b.add(b.mul(state[k++], h.decay), b.mul(grad, 1 - h.decay));
      out.push(mg);
      s = b.sub(nu, b.unary('square', mg));
    }
    let u = h.epsInSqrt ? b.div(grad, b.unary('sqrt', b.add(s, h.eps))) : b.div(grad, b.add(b.unary('sqrt', s), h.eps));
    if (h.momentum !== 0) {
      u = b.add(b.mul(state[k++], h.momentum), u);
      out.push(u);
    }
    return { param: b.sub(param, b.mul(u, h.lr)), state: out };
  });
}

const SGD = (o: Partial<FusedHyperparameters['sgd']>): FusedHyperparameters['sgd'] => ({ lr: 0.1, momentum: 0, dampening: 0, nesterov: 0, weightDecay: 0, ...o });
const ADAM = (o: Partial<FusedHyperparameters['adam']>): FusedHyperparameters['adam'] => ({ lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0, step: 1, ...o });
const RMS = (o: Partial<FusedHyperparameters['rmsprop']>): FusedHyperparameters['rmsprop'] => ({ lr: 0.01, decay: 0.9, eps: 1e-8, epsInSqrt: 0, centered: 0, momentum: 0, ...o });

/** `[kind, label, hyperparameters]`: the configurations every declared fused kind is checked in. */
const FUSED_CONFIGS: readonly (readonly [FusedUpdateKind, string, FusedHyperparameters[FusedUpdateKind]])[] = [
  ['sgd', 'plain', SGD({})],
  ['sgd', 'momentum', SGD({ momentum: 0.9 })],
  ['sgd', 'momentum, dampening, weight decay', SGD({ momentum: 0.8, dampening: 0.1, weightDecay: 0.01 })],
  ['sgd', 'nesterov', SGD({ momentum: 0.9, nesterov: 1 })],
  ['adam', 'defaults', ADAM({})],
  ['adam', 'weight decay and epsRoot', ADAM({ lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-8, weightDecay: 0.01 })],
  ['rmsprop', 'plain', RMS({})],
  ['rmsprop', 'centered', RMS({ centered: 1, eps: 1e-4 })],
  ['rmsprop', 'momentum, eps inside the root', RMS({ momentum: 0.9, epsInSqrt: 1 })],
  ['rmsprop', 'centered and momentum', RMS({ centered: 1, momentum: 0.5, eps: 1e-4 })],
];

const STEPS = 4;
const SHAPE = [3, 4];

/** `STEPS` updates on `b`, fused or composed; returns the final param and state as host arrays. */
async function runSteps(
  b: Backend,
  dt: FloatDType,
  kind: FusedUpdateKind,
  hyper: FusedHyperparameters[FusedUpdateKind],
  seed: number,
  how: 'fused' | 'inPlace' | 'composed',
): Promise<ArrayLike<number>[]> {
  const rand = mulberry32(seed);
  let param = b.tensor(uniformData(rand, 12, -1, 1), SHAPE, dt);
  let state = Array.from({ length: fusedStateCount(kind, hyper) }, () => b.zeros(SHAPE, dt));
  for (let step = 1; step <= STEPS; step++) {
    const grad = b.tensor(uniformData(rand, 12, -1, 1), SHAPE, dt);
    const h = kind === 'adam' ? { ...hyper, step } : hyper;
    let r: { param: Tensor; state: Tensor[] };
    if (how === 'composed') r = composedFusedUpdate(b, kind, param, grad, state, h);
    else {
      const before = how === 'fused' && step === 1 ? await b.read(param) : undefined;
      r = b.fusedUpdate(kind, { param, grad, state }, h, { inPlace: how === 'inPlace' });
      if (before) expect([...(await b.read(param))], 'fusedUpdate without inPlace leaves its input as it was').toEqual([...before]);
      if (how === 'inPlace') {
        expect(r.param, 'an in-place update returns the input handle').toBe(param);
        r.state.forEach((s, i) => expect(s).toBe(state[i]));
      }
    }
    for (const t of [param, ...state]) if (t !== r.param && !r.state.includes(t)) t.dispose();
    grad.dispose();
    param = r.param;
    state = r.state;
  }
  const out = await Promise.all([param, ...state].map((t) => b.read(t)));
  b.dispose([param, state]);
  return out;
}

/**
 * The fused updates: each declared kind, several steps, compared with the same math composed
 * from primitives on the reference in float64 (and in place where the backend offers it). A kind
 * the backend does not declare must be refused with `UnsupportedError`.
 */
export function fusedCases(): CheckCase[] {
  return FUSED_CONFIGS.map(([kind, label, hyper]) => {
    const id = `fused/${kind}/${label}`;
    return {
      id,
      perDType: true,
      check: (ctx: CheckContext, dt: FloatDType) =>
        expectNoLeak(ctx, id, async () => {
          const b = ctx.backend;
          if (!b.capabilities.fusedUpdates.includes(kind)) {
            const p = b.zeros(SHAPE, dt);
            const state = Array.from({ length: fusedStateCount(kind, hyper) }, () => b.zeros(SHAPE, dt));
            expect(() => b.fusedUpdate(kind, { param: p, grad: p, state }, hyper)).toThrow(UnsupportedError);
            b.dispose([p, state]);
            return;
          }
          const seed = hashString(id);
          const want = await runSteps(ctx.reference, 'float64', kind, hyper, seed, 'composed');
          const modes: ('fused' | 'inPlace')[] = b.capabilities.inPlace ? ['fused', 'inPlace'] : ['fused'];
          const tol = { rtol: ctx.tolerance[dt].rtol * 4, atol: ctx.tolerance[dt].atol * 4 };
          for (const mode of modes) {
            const got = await runSteps(b, dt, kind, hyper, seed, mode);
            got.forEach((g, i) => assertClose(g, want[i], dt, tol, `${id} (${mode}) ${i === 0 ? 'param' : `state[${i - 1}]`} after ${STEPS} steps`, SHAPE));
          }
        }),
    };
  });
}
