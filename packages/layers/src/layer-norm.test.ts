import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { ShapeError, type Tensor } from '@downhill/backend';
import { checkGrads, ops, type TensorLike } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import { LayerNorm, type Params } from './index.js';

const read = (t: TensorLike) => Array.from((t as Tensor).backend.readSync(t as Tensor));

describe('LayerNorm', () => {
  it('normalizes each example over its last axis (biased variance), in both modes', () => {
    const b = cpu();
    const ln = new LayerNorm(4).init(b, { seed: 0, dtype: 'float64' });
    ln.setParameters({ gamma: b.tensor([1, 2, 3, 4], [4], 'float64'), beta: b.tensor([0, 0, 1, 1], [4], 'float64') });
    const x = b.tensor([1, 2, 3, 4, 10, 10, 10, 10], [2, 4], 'float64');
    const expected = [1, 2, 3, 4].map((v, i) => ((v - 2.5) / Math.sqrt(1.25 + 1e-5)) * (i + 1) + (i >= 2 ? 1 : 0)).concat([0, 0, 1, 1]);
    for (const training of [true, false]) read(ln.call(x, { training })).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it('normalizes over several trailing axes', () => {
    const b = cpu();
    const ln = new LayerNorm([2, 2], { affine: false }).init(b, { seed: 0, dtype: 'float64' });
    expect(ln.parameterCount()).toBe(0);
    const y = read(ln.call(b.tensor([1, 2, 3, 4], [1, 2, 2], 'float64')));
    expect(y.map((v) => +v.toFixed(6))).toEqual([1, 2, 3, 4].map((v) => +((v - 2.5) / Math.sqrt(1.25 + 1e-5)).toFixed(6)));
  });

  it('has gradients that match finite differences (float64)', async () => {
    const b = cpu();
    const ln = new LayerNorm(5).init(b, { seed: 0, dtype: 'float64' });
    ln.setParameters({
      gamma: b.tensor(Array.from(rng(1).normal(5)), [5], 'float64'),
      beta: b.tensor(Array.from(rng(2).normal(5)), [5], 'float64'),
    });
    const x = b.tensor(Array.from(rng(3).normal(15)), [3, 5], 'float64');
    const r = b.tensor(Array.from(rng(4).normal(15)), [3, 5], 'float64');
    const report = await checkGrads((i: { p: Params; x: TensorLike }) => ops.sum(ops.mul(ln.apply(i.p, i.x), r)), {
      p: ln.parameters(),
      x,
    });
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(5 + 5 + 15);
  });

  it('refuses an input whose trailing shape differs', () => {
    const b = cpu();
    const ln = new LayerNorm(4).init(b, { seed: 0 });
    expect(() => ln.call(b.zeros([2, 3]))).toThrow(ShapeError);
    expect(() => ln.call(b.zeros([2, 3]))).toThrow(/should end with \[4\]/);
  });
});
