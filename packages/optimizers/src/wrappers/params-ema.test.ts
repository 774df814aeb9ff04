import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { applyUpdates } from '../apply-updates.js';
import { chain } from '../chain.js';
import type { Params } from '../types.js';
import { emaParams, paramsEma } from './params-ema.js';
import { scaleToy, tree, values } from './__fixtures__/toy.js';

const b = cpu();

function run(debias: boolean) {
  let p: Params = tree(b, { w: [4] });
  const tx = chain(scaleToy(-1), paramsEma(0.5, { debias }));
  let s = tx.init(p);
  const history: number[] = [];
  for (const g of [1, 2, 1]) {
    const [u, s2] = tx.update(tree(b, { w: [g] }), s, p);
    p = applyUpdates(p, u);
    s = s2;
    history.push(values(emaParams(s)).w[0]);
  }
  return { p, s, history };
}

describe('paramsEma', () => {
  it('passes the updates through unchanged', () => {
    const { p } = run(true);
    expect(values(p)).toEqual({ w: [0] }); // 4 − 1 − 2 − 1
  });

  it('averages the parameters after each update, debiased', () => {
    // params after each update: 3, 1, 0; ema from 0: 1.5, 1.25, 0.625; ÷ (1 − 0.5ᵗ): 3, 5/3, 5/7
    const { history } = run(true);
    expect(history[0]).toBeCloseTo(3, 14);
    expect(history[1]).toBeCloseTo(1.25 / 0.75, 14);
    expect(history[2]).toBeCloseTo(0.625 / 0.875, 14);
  });

  it('starts from the initial parameters without debiasing', () => {
    // ema from 4: 3.5, 2.25, 1.125
    expect(run(false).history).toEqual([3.5, 2.25, 1.125]);
  });

  it('emaParams returns new tensors and says so when there is no EMA in the state', () => {
    const { s } = run(true);
    const a = emaParams(s);
    const c = emaParams(s);
    expect(a.w).not.toBe(c.w);
    expect(() => emaParams([{ count: 1 }])).toThrow(/no paramsEma state/);
  });

  it.each([1, -0.1, NaN])('rejects decay %s', (d) => {
    expect(() => paramsEma(d)).toThrow(InvalidArgumentError);
  });

  it('needs the parameters in update', () => {
    const p = tree(b, { w: [1] });
    const tx = paramsEma(0.9);
    expect(() => tx.update(tree(b, { w: [1] }), tx.init(p))).toThrow(/needs the parameters/);
  });
});
