import { UnsupportedError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import type { Params } from '../types.js';
import { NonFiniteGradientsError, allFinite, applyIfFinite } from './apply-if-finite.js';
import { momentumToy, tree, values } from './__fixtures__/toy.js';

const b = cpu();

describe('applyIfFinite', () => {
  it.each([
    ['NaN', NaN],
    ['+Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('skips a step whose gradient holds %s: zero updates, inner state untouched, counted', (_, bad) => {
    const p = tree(b, { a: [1, 2], b: [3] });
    const tx = applyIfFinite(momentumToy(1), { maxConsecutiveErrors: 2 });
    const s0 = tx.init(p);
    const [u1, s1] = tx.update(tree(b, { a: [1, 1], b: [1] }), s0, p);
    expect(values(u1)).toEqual({ a: [-1, -1], b: [-1] });
    const [u2, s2] = tx.update(tree(b, { a: [1, bad], b: [1] }), s1, p);
    expect(values(u2)).toEqual({ a: [0, 0], b: [0] });
    expect(s2.inner).toBe(s1.inner);
    expect(s2).toMatchObject({ notFiniteCount: 1, lastFinite: false, totalNotFinite: 1 });
    const [u3, s3] = tx.update(tree(b, { a: [2, 2], b: [2] }), s2, p);
    // momentum 0.5 continues from the state before the skipped step: m = 0.5·1 + 2
    expect(values(u3)).toEqual({ a: [-2.5, -2.5], b: [-2.5] });
    expect(s3).toMatchObject({ notFiniteCount: 0, lastFinite: true, totalNotFinite: 1 });
  });

  it('throws a typed error after maxConsecutiveErrors skipped steps, naming the parameters, and changes nothing', () => {
    const p = tree(b, { a: [1], b: [3] });
    const tx = applyIfFinite(momentumToy(1), { maxConsecutiveErrors: 2 });
    let s = tx.init(p);
    const nan = tree(b, { a: [1], b: [NaN] });
    for (let i = 0; i < 2; i++) [, s] = tx.update(nan, s, p);
    expect(s.notFiniteCount).toBe(2);
    const n = b.memory().tensors;
    let err: unknown;
    try {
      tx.update(nan, s, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteGradientsError);
    expect((err as Error).message).toMatch(/3 steps in a row.*maxConsecutiveErrors = 2.*'b'/);
    expect((err as Error).message).not.toMatch(/'a'/);
    expect(b.memory().tensors).toBe(n);
    expect(s.notFiniteCount).toBe(2);
    expect(values((s.inner as { trace: Params }).trace)).toEqual({ a: [0], b: [0] });
  });

  it('maxConsecutiveErrors = 0 throws on the first non-finite step', () => {
    const p = tree(b, { a: [1] });
    const tx = applyIfFinite(momentumToy(1), { maxConsecutiveErrors: 0 });
    expect(() => tx.update(tree(b, { a: [NaN] }), tx.init(p), p)).toThrow(NonFiniteGradientsError);
  });

  it('allFinite checks every tensor, float32 and float64', () => {
    expect(allFinite([b.tensor([1, 2], [2], 'float32'), b.tensor([3], [1], 'float64')])).toBe(true);
    expect(allFinite([b.tensor([1, 2], [2], 'float32'), b.tensor([Infinity], [1], 'float64')])).toBe(false);
    expect(allFinite([b.tensor([1e300, -1e300], [2], 'float64')])).toBe(true);
    expect(allFinite([])).toBe(true);
  });

  it('says why on a backend without synchronous reads', () => {
    const t = b.tensor([1]);
    const fake = { ...b, name: 'async', capabilities: { ...b.capabilities, syncRead: false } };
    Object.defineProperty(t, 'backend', { value: fake });
    expect(() => allFinite([t])).toThrow(UnsupportedError);
    expect(() => allFinite([t])).toThrow(/synchronous read/);
  });
});
