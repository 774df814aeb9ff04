// Parameter trees with arrays, as `grad` returns them for `{ layers: [{ w, b }, { w, b }] }`: step
// takes them on the fused and the composed path, pure and in place, and both paths agree with a
// hand computation of Adam's first step (|Δp| = lr for every element with a nonzero gradient).
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { adam } from '../optimizers/adam.js';
import { adamw } from '../optimizers/adamw.js';
import { step } from '../step.js';
import { Optimizer } from '../stateful/optimizer.js';
import type { Params } from '../types.js';

const b = cpu();
const model = (): Params => ({
  layers: [{ w: b.tensor([1, -2], [2], 'float64') }, { w: b.tensor([3, 4, 5], [3], 'float64') }],
  head: b.tensor([0.5], [1], 'float64'),
});
const grads = (): Params => ({
  layers: [{ w: b.tensor([0.1, -0.3], [2], 'float64') }, { w: b.tensor([2, -1, 0.5], [3], 'float64') }],
  head: b.tensor([-4], [1], 'float64'),
});
const leaf = (p: Params, i: number): number[] => [...b.readSync((p as unknown as { layers: { w: Tensor }[] }).layers[i].w)];

describe('array-bearing parameter trees', () => {
  for (const fused of [true, false]) {
    for (const inPlace of [false, true]) {
      it(`adam takes { layers: [{ w }, { w }] } (${fused ? 'fused' : 'composed'}, ${inPlace ? 'in place' : 'pure'}) and steps each element by lr against its gradient's sign`, () => {
        const tx = adam(0.1);
        const params = model();
        const state = tx.init(params);
        const r = step(tx, params, grads(), state, { fused, inPlace });
        expect(r.path).toBe(fused ? 'fused' : 'composed');
        expect(Array.isArray((r.params as unknown as { layers: unknown[] }).layers)).toBe(true);
        // Adam's first step: m̂ = g, v̂ = g², so Δp = −lr·g / (|g| + ε) = −lr·sign(g) up to ε.
        leaf(r.params, 0).forEach((v, i) => expect(v).toBeCloseTo([1 - 0.1, -2 + 0.1][i], 6));
        leaf(r.params, 1).forEach((v, i) => expect(v).toBeCloseTo([3 - 0.1, 4 + 0.1, 5 - 0.1][i], 6));
      });
    }
  }

  it('a stateful Optimizer with masked weight decay trains an array tree by name (layers.1.w decays, layers.0.w does not)', () => {
    let params = model();
    const opt = new Optimizer(adamw(0.1, { weightDecay: 0.5, mask: 'layers.1.*' }), params);
    const zero = (): Params => ({
      layers: [{ w: b.zeros([2], 'float64') }, { w: b.zeros([3], 'float64') }],
      head: b.zeros([1], 'float64'),
    });
    params = opt.step(params, zero());
    // Zero gradients: only decoupled weight decay moves a parameter, p ← p − lr·λ·p.
    expect(leaf(params, 0)).toEqual([1, -2]);
    leaf(params, 1).forEach((v, i) => expect(v).toBeCloseTo([3, 4, 5][i] * (1 - 0.1 * 0.5), 12));
    expect(Object.keys(opt.paramSpecs).sort()).toEqual(['head', 'layers.0.w', 'layers.1.w']);
  });
});
