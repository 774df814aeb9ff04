import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { releaseReplaced } from '../tree.js';
import { step } from '../step.js';
import type { Params } from '../types.js';
import { multiSteps } from './multi-steps.js';
import { momentumToy, tree, values } from './__fixtures__/toy.js';

const b = cpu();

describe('multiSteps', () => {
  it('emits zeros for k−1 calls, then the inner update of the mean gradient', () => {
    const p = tree(b, { w: [1, 2] });
    const tx = multiSteps(momentumToy(0.5), 3);
    let s = tx.init(p);
    const gs = [
      [1, 2],
      [4, -2],
      [7, 3],
    ];
    const outs: Record<string, number[]>[] = [];
    for (const g of gs) {
      const [u, s2] = tx.update(tree(b, { w: g }), s, p);
      outs.push(values(u));
      if (outs.length < 3) expect(s2.inner).toBe(s.inner); // untouched between inner steps
      s = s2;
    }
    expect(outs[0]).toEqual({ w: [0, 0] });
    expect(outs[1]).toEqual({ w: [0, 0] });
    // mean = [4, 1]; momentum from zero: u = −0.5·mean
    expect(outs[2]).toEqual({ w: [-2, -0.5] });
    expect(s.miniStep).toBe(0);
    expect(s.gradientStep).toBe(1);
    expect(values(s.acc)).toEqual({ w: [0, 0] });
    expect(values((s.inner as { trace: Params }).trace)).toEqual({ w: [4, 1] });
  });

  it('equals the inner transformation on pre-averaged gradients, over several cycles', () => {
    const p = tree(b, { w: [0, 0, 0] });
    const k = 2;
    const acc = multiSteps(momentumToy(0.1, 0.9), k);
    const ref = momentumToy(0.1, 0.9);
    let sa = acc.init(p);
    let sr = ref.init(p);
    const gs = [
      [1, 2, 3],
      [3, 2, 1],
      [-1, 0, 1],
      [5, 5, 5],
      [0.5, 0.25, 1],
      [2, 2, 2],
    ];
    for (let i = 0; i < gs.length; i += k) {
      let last: Params | undefined;
      for (let j = 0; j < k; j++) [last, sa] = acc.update(tree(b, { w: gs[i + j] }), sa, p);
      const mean = gs[i].map((x, m) => x + (gs[i + 1][m] - x) / 2);
      const [ur, sr2] = ref.update(tree(b, { w: mean }), sr, p);
      sr = sr2;
      expect(values(last!)).toEqual(values(ur));
    }
  });

  it('k = 1 is the inner transformation', () => {
    const p = tree(b, { w: [1] });
    const tx = multiSteps(momentumToy(1), 1);
    const [u] = tx.update(tree(b, { w: [3] }), tx.init(p), p);
    expect(values(u)).toEqual({ w: [-3] });
  });

  it('keeps the live tensor count flat over a long run with step()', () => {
    let params = tree(b, { w: [1, 2], v: [3] });
    const tx = multiSteps(momentumToy(0.1), 3);
    let state = tx.init(params);
    const grads = tree(b, { w: [1, 1], v: [1] });
    let count = -1;
    for (let i = 0; i < 12; i++) {
      const r = step(tx, params, grads, state);
      releaseReplaced(params, r.params);
      releaseReplaced(state, r.state);
      params = r.params;
      state = r.state;
      if (i === 2) count = b.memory().tensors;
      if (i > 2 && i % 3 === 2) expect(b.memory().tensors).toBe(count);
    }
    // 4 inner steps of lr 0.1 with momentum 0.5 on gradient 1: 0.1·(1 + 1.5 + 1.75 + 1.875)
    expect(values(params).v[0]).toBeCloseTo(3 - 0.6125, 12);
  });

  it.each([0, 1.5, -1, NaN])('rejects k = %s', (k) => {
    expect(() => multiSteps(momentumToy(1), k)).toThrow(InvalidArgumentError);
  });

  it('rejects mismatched gradients and changes nothing', () => {
    const p = tree(b, { w: [1, 2] });
    const tx = multiSteps(momentumToy(1), 2);
    const s = tx.init(p);
    const bad = tree(b, { w: [1, 2, 3] });
    const n = b.memory().tensors;
    expect(() => tx.update(bad, s, p)).toThrow(/'w'/);
    expect(b.memory().tensors).toBe(n);
    expect(s.miniStep).toBe(0);
  });
});
