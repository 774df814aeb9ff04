// The types flow with no cast (issue: "TypeScript without casts"): an unannotated parameter of the
// function `grad` and `valueAndGrad` differentiate is a tree of named parameters, not `any`; the
// tree passed in keeps its shape in the gradients, and through `init`, `step` and the stateful
// `Optimizer`; `model.call` on a plain tensor is a `Tensor`. Values are checked against sums by hand.
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { type NamedTrees, grad, ops, valueAndGrad } from '@downhill/autograd';
import { Optimizer, sgd, step } from '@downhill/optimizers';
import { Dense } from './dense.js';
import { Sequential } from './sequential.js';
import { ReLU } from './activations.js';
import { describe, expect, expectTypeOf, it } from 'vitest';

const b = cpu();

describe('grad and valueAndGrad infer the tree', () => {
  it('an unannotated parameter is a record of named trees (not any), so model.apply takes it', () => {
    const model = new Sequential([new Dense(2, 3), new ReLU(), new Dense(3, 1)]).init(b, { seed: 0, dtype: 'float64' });
    const x = b.tensor([1, -2, 0.5, 3], [2, 2], 'float64');
    const f = valueAndGrad((params) => {
      expectTypeOf(params).toEqualTypeOf<NamedTrees>();
      expectTypeOf(params).not.toBeAny();
      return ops.sum(model.apply(params, x));
    });
    const [value, grads] = f(model.parameters());
    expectTypeOf(value).toEqualTypeOf<Tensor>();
    expectTypeOf(grads).toEqualTypeOf<ReturnType<typeof model.parameters>>();
    const direct = model.call(x);
    expectTypeOf(direct).toEqualTypeOf<Tensor>();
    const rows = b.readSync(direct);
    expect(b.readSync(value)[0]).toBeCloseTo(rows[0] + rows[1], 12);
    b.dispose([x, value, grads, direct]);
    model.dispose();
  });

  it('the tree passed in comes back in the gradients with its own shape, for grad and valueAndGrad', () => {
    const params = { w: b.tensor([1, -2], [2], 'float64'), layers: [{ k: b.tensor([3], [1], 'float64') }] };
    // f(p) = Σ w² + 2·Σ k²: ∂/∂w = 2w, ∂/∂k = 4k.
    const loss = (p: typeof params) => ops.add(ops.sum(ops.square(p.w)), ops.mul(ops.sum(ops.square(p.layers[0].k)), 2));
    const g = grad(loss)(params);
    expectTypeOf(g).toEqualTypeOf<{ w: Tensor; layers: { k: Tensor }[] }>();
    expect([...b.readSync(g.w)]).toEqual([2, -4]);
    expect([...b.readSync(g.layers[0].k)]).toEqual([12]);
    const [v, g2] = valueAndGrad(loss)(params);
    expectTypeOf(g2.layers[0].k).toEqualTypeOf<Tensor>();
    expect(b.readSync(v)[0]).toBe(1 + 4 + 2 * 9);
    // With hasAux the aux comes back typed too.
    const [[v3, aux], g3] = valueAndGrad((p: typeof params) => [loss(p), { w: p.w }] as const, { hasAux: true })(params);
    expectTypeOf(aux.w).toEqualTypeOf<Tensor>();
    expectTypeOf(g3.w).toEqualTypeOf<Tensor>();
    expect([...b.readSync(aux.w)]).toEqual([1, -2]);
    // init, step and the stateful Optimizer keep the tree's type: sgd moves p by −lr·∇f (by hand).
    const tx = sgd(0.5);
    const state = tx.init(params);
    const r = step(tx, params, g, state);
    expectTypeOf(r.params).toEqualTypeOf<{ w: Tensor; layers: { k: Tensor }[] }>();
    expect([...b.readSync(r.params.w)]).toEqual([0, 0]);
    const opt = new Optimizer(sgd(0.5), params);
    const moved = opt.step(params, g2);
    expectTypeOf(moved).toEqualTypeOf<typeof params>();
    expect([...b.readSync(moved.layers[0].k)]).toEqual([3 - 0.5 * 12]);
    b.dispose([params, g, v, g2, v3, aux, g3, r.params, moved]);
    opt.dispose();
  });
});
