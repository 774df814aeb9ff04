// flushSubnormals: the inner state with subnormal elements set to zero, normal ones bit for bit;
// the same on the fused and composed paths; the steady fast path kept.
import { InvalidArgumentError, type Backend, type DType, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { adam } from '../optimizers/adam.js';
import { sgd } from '../optimizers/sgd.js';
import { stepCacheStats } from '../program/fused-step.js';
import { step } from '../step.js';
import { FUSED_TOLERANCE, checkFusedAgreement } from '../testing/fused-agreement.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { flushSubnormals } from './flush-subnormals.js';

const b: Backend = cpu();
const F32_MIN = 2 ** -126; // smallest normal float32
const F64_MIN = 2 ** -1022;

type AdamState = { inner: [{ count: number; mu: Record<string, Tensor>; nu: Record<string, Tensor> }, unknown] };

/** Runs `tx` from parameters `w`, one step per row of `grads`; returns the paths, the parameters and Adam's moments and count. */
function run(tx: GradientTransformation<any>, dtype: DType, w: number[], grads: number[][], fused: boolean, inPlace: boolean) {
  let params: Params = { w: b.tensor(w, [w.length], dtype) };
  let state: OptState = tx.init(params);
  const paths: string[] = [];
  for (const g of grads) {
    const gt = { w: b.tensor(g, [g.length], dtype) };
    const r = step(tx, params, gt, state, { fused, inPlace });
    paths.push(r.path);
    params = r.params;
    state = r.state;
  }
  const [adamState] = (state as AdamState).inner;
  return {
    paths,
    w: Array.from(b.readSync(params.w as Tensor)),
    m: Array.from(b.readSync(adamState.mu.w)),
    v: Array.from(b.readSync(adamState.nu.w)),
    count: adamState.count,
  };
}

const isSubnormal = (x: number, min: number) => x !== 0 && Math.abs(x) < min;

describe('flushSubnormals', () => {
  // One gradient of 1e-30 then zeros: Adam's first moment decays by 0.9 a step into the
  // subnormal range (float32: from 1e-31 below 2⁻¹²⁶ ≈ 1.2e-38 after about 70 steps) and, without
  // the wrapper, sticks there; the second moment (1e-63) is subnormal or zero from the first step.
  const grads = [[1e-30, -1e-30, 0.5], ...Array.from({ length: 240 }, () => [0, 0, 0.5])];

  it.each([
    [false, false],
    [true, false],
    [true, true],
  ])('float32 Adam (fused %s, in place %s): plain Adam keeps subnormal moments for good, the wrapper zeroes them', (fused, inPlace) => {
    const plain = run(adam(1e-3), 'float32', [1, 2, 3], grads, fused, inPlace);
    const flushed = run(flushSubnormals(adam(1e-3)), 'float32', [1, 2, 3], grads, fused, inPlace);
    expect(flushed.paths.every((p) => p === (fused ? 'fused' : 'composed'))).toBe(true);
    // plain Adam: the first moments of the first two elements stay subnormal, never reaching zero
    expect(plain.m.slice(0, 2).every((x) => isSubnormal(x, F32_MIN))).toBe(true);
    // the wrapper: zero; and no subnormal anywhere in its state
    expect(flushed.m.slice(0, 2)).toEqual([0, 0]);
    expect([...flushed.m, ...flushed.v].some((x) => isSubnormal(x, F32_MIN))).toBe(false);
    // the third element, whose values are all normal, is bit for bit plain Adam's
    expect([flushed.w[2], flushed.m[2], flushed.v[2]]).toEqual([plain.w[2], plain.m[2], plain.v[2]]);
    expect(flushed.count).toBe(grads.length);
    // the parameters differ by far less than float32 resolves
    expect(flushed.w.slice(0, 2)).toEqual(plain.w.slice(0, 2));
  });

  it('float64: flushes below 2⁻¹⁰²² only, keeping values that are subnormal in float32', () => {
    const g = [
      [1e-300, 1e-160, 0.5],
      [0, 0, 0.5],
    ];
    const plain = run(adam(1e-3), 'float64', [1, 2, 3], g, true, true);
    const flushed = run(flushSubnormals(adam(1e-3)), 'float64', [1, 2, 3], g, true, true);
    // v after step 1: 0.001 · 1e-600 (zero: below float64's range) and 0.001 · 1e-320 (subnormal)
    expect(isSubnormal(plain.v[1], F64_MIN)).toBe(true);
    expect(flushed.v[1]).toBe(0);
    // m = 0.1·0.9·1e-300 and 0.09·1e-160 are normal in float64 (though far below float32's range): kept
    expect(flushed.m).toEqual(plain.m);
    expect(flushed.m[0]).toBeCloseTo(9e-302, 310);
  });

  it.each(['float32', 'float64'] as const)('fused equals composed (the kit check), %s', async (dtype) => {
    const r = await checkFusedAgreement(b, () => flushSubnormals(adam(1e-2, { weightDecay: 0.1 })), dtype, 4);
    expect(r.paths).toEqual(['fused', 'fused', 'fused', 'fused']);
    expect(r.hostMismatches).toEqual([]);
    expect(r.worst).toBeLessThanOrEqual(FUSED_TOLERANCE[dtype]);
  });

  it('keeps the steady fast path: steps after the second skip update', () => {
    const before = stepCacheStats();
    const tx = flushSubnormals(adam(1e-2));
    let params: Params = { a: b.tensor([1, 2, 3], [3]), c: b.tensor([4, 5], [2]) };
    let state = tx.init(params);
    for (let t = 0; t < 6; t++) {
      const g = { a: b.tensor([0.1 * t, -0.2, 0.3], [3]), c: b.tensor([0.5, -0.5 * t], [2]) };
      ({ params, state } = step(tx, params, g, state, { inPlace: true }));
      b.dispose(g);
    }
    const after = stepCacheStats();
    // step 1 traced, step 2 a checked replay, steps 3 to 6 steady
    expect(after.steady - before.steady).toBe(4);
    expect(after.traces - before.traces).toBe(1);
  });

  it("has the inner state's layout, and leaves the update of a transformation without float state unflushed", () => {
    const p = { w: b.tensor([1, 2], [2]) };
    const inner = adam(1e-3);
    expect(Object.keys(flushSubnormals(inner).init(p) as object)).toEqual(Object.keys(inner.init(p) as object));
    const g = { w: b.tensor([1e-40, 1], [2]) };
    const [u, s] = flushSubnormals(sgd(0.1)).update(g, flushSubnormals(sgd(0.1)).init(p), p);
    const [plainU, plainS] = sgd(0.1).update(g, sgd(0.1).init(p), p);
    // plain SGD has no float state: the update itself is not flushed (−0.1 · 1e-40 stays subnormal)
    const got = Array.from(b.readSync((u as Record<string, Tensor>).w));
    expect(got).toEqual(Array.from(b.readSync((plainU as Record<string, Tensor>).w)));
    expect(isSubnormal(got[0], F32_MIN)).toBe(true);
    expect(s).toEqual(plainS);
  });

  it('keeps a tensor held in two places of the state one tensor', () => {
    const p = { w: b.tensor([1, 2], [2]) };
    // a toy transformation whose state holds its one tensor twice
    const twice: GradientTransformation<{ a: Tensor; b: Tensor }> = {
      init: () => {
        const t = b.tensor([1e-40, 3], [2]);
        return { a: t, b: t };
      },
      update: (g, s) => {
        const t = b.mul(s.a, 1);
        return [{ w: b.mul((g as Record<string, Tensor>).w, 1) }, { a: t, b: t }];
      },
    };
    const tx = flushSubnormals(twice);
    const [, s] = tx.update({ w: b.tensor([1, 1], [2]) }, tx.init(p), p);
    expect(s.a).toBe(s.b);
    expect(Array.from(b.readSync(s.a))).toEqual([0, 3]);
  });

  it('rejects what is not a transformation', () => {
    expect(() => flushSubnormals({} as never)).toThrow(InvalidArgumentError);
    expect(() => flushSubnormals(null as never)).toThrow(/flushSubnormals: expected a gradient transformation/);
  });
});
