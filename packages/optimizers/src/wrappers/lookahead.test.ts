import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { applyUpdates } from '../apply-updates.js';
import { lookahead } from './lookahead.js';
import { scaleToy, tree, values } from './__fixtures__/toy.js';

const b = cpu();

describe('lookahead', () => {
  it('takes k fast steps, then moves the slow weights α of the way and restarts the fast ones there', () => {
    let p = tree(b, { w: [0, 10] });
    const tx = lookahead(scaleToy(-1), { syncPeriod: 2, slowStepSize: 0.5 });
    let s = tx.init(p);
    expect(values(s.slow)).toEqual({ w: [0, 10] });
    const g = tree(b, { w: [1, 2] });
    const seen: Record<string, number[]>[] = [];
    for (let i = 0; i < 4; i++) {
      const [u, s2] = tx.update(g, s, p);
      p = applyUpdates(p, u);
      s = s2;
      seen.push({ ...values(p), slow: values(s.slow).w });
    }
    // step 1: fast [-1, 8]; step 2: fast would be [-2, 6], slow ← 0.5·([0, 10] + [-2, 6]) = [-1, 8], fast ← slow
    expect(seen[0]).toEqual({ w: [-1, 8], slow: [0, 10] });
    expect(seen[1]).toEqual({ w: [-1, 8], slow: [-1, 8] });
    expect(seen[2]).toEqual({ w: [-2, 6], slow: [-1, 8] });
    expect(seen[3]).toEqual({ w: [-2, 6], slow: [-2, 6] });
    expect(s.stepsSinceSync).toBe(0);
  });

  it('copies the slow weights: they do not share storage with the parameters', () => {
    const p = tree(b, { w: [1, 2] });
    const s = lookahead(scaleToy(-1)).init(p);
    (p.w as Tensor).dispose();
    expect(values(s.slow)).toEqual({ w: [1, 2] });
  });

  it('re-initialises the fast state after a synchronisation with resetState', () => {
    const p = tree(b, { w: [1] });
    const tx = lookahead(scaleToy(-1), { syncPeriod: 1, resetState: true });
    const [, s] = tx.update(tree(b, { w: [1] }), tx.init(p), p);
    expect(s.fast).toEqual({ count: 0 });
  });

  it.each([
    [{ syncPeriod: 0 }, /syncPeriod/],
    [{ syncPeriod: 2.5 }, /syncPeriod/],
    [{ slowStepSize: 0 }, /slowStepSize/],
    [{ slowStepSize: 1.5 }, /slowStepSize/],
  ])('rejects %j', (opts, message) => {
    expect(() => lookahead(scaleToy(1), opts)).toThrow(message);
  });

  it('needs the parameters in update', () => {
    const p = tree(b, { w: [1] });
    const tx = lookahead(scaleToy(-1));
    expect(() => tx.update(tree(b, { w: [1] }), tx.init(p))).toThrow(InvalidArgumentError);
  });
});
