// One parameter-tree module for autograd, the optimizers and the layers: every tree `grad` returns
// (records and arrays at any depth) is one `step`, `applyUpdates` and `Optimizer` take, and the
// tree keeps its type through them (no casts).
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { grad, ops, valueAndGrad } from '@downhill/autograd';
import { Optimizer, adam, applyUpdates, sgd, step } from '@downhill/optimizers';
import { Dense } from './dense.js';
import { describe, expect, expectTypeOf, it } from 'vitest';

const b = cpu();

describe('array-bearing trees from grad through the optimizers', () => {
  // f(p) = ½ Σ_layers Σ w² + Σ (scale·s)²: ∂f/∂w = w, ∂f/∂s = 2·scale²·s, computed by hand below.
  const make = () => ({
    layers: [{ w: b.tensor([1, -2], [2], 'float64') }, { w: b.tensor([3, 0.5, -1], [3], 'float64') }],
    head: [b.tensor([4], [1], 'float64')],
  });
  const f = (p: ReturnType<typeof make>) =>
    ops.add(
      ops.mul(ops.add(ops.sum(ops.square(p.layers[0].w)), ops.sum(ops.square(p.layers[1].w))), 0.5),
      ops.sum(ops.square(ops.mul(p.head[0], 3))),
    );

  it('grad returns the arrays, and step takes them (sgd: p − lr·∇f, by hand)', () => {
    const params = make();
    const grads = grad(f)(params);
    expect(Array.isArray(grads.layers) && Array.isArray(grads.head)).toBe(true);
    const tx = sgd(0.1);
    const r = step(tx, params, grads, tx.init(params));
    expectTypeOf(r.params.layers[1].w).toEqualTypeOf<Tensor>();
    expect(Array.isArray(r.params.layers)).toBe(true);
    expect([...b.readSync(r.params.layers[0].w)]).toEqual([1 - 0.1 * 1, -2 - 0.1 * -2]);
    expect([...b.readSync(r.params.layers[1].w)]).toEqual([3 - 0.3, 0.5 - 0.05, -1 + 0.1]);
    expect(b.readSync(r.params.head[0])[0]).toBeCloseTo(4 - 0.1 * 2 * 9 * 4, 12);
  });

  it('adam through valueAndGrad, applyUpdates and the stateful Optimizer, in place, keeps the structure', () => {
    let params = make();
    const opt = new Optimizer(adam(0.1), params);
    const [loss, grads] = valueAndGrad(f)(params);
    expectTypeOf(loss).toEqualTypeOf<Tensor>();
    expectTypeOf(grads.layers[0].w).toEqualTypeOf<Tensor>();
    params = opt.step(params, grads);
    expectTypeOf(params.head[0]).toEqualTypeOf<Tensor>();
    // Adam's first step moves every coordinate by lr·sign(g) (up to ε): by hand.
    expect([...b.readSync(params.layers[1].w)].map((v) => +v.toFixed(6))).toEqual([2.9, 0.4, -0.9]);
    const [updates] = adam(0.1).update(grads, adam(0.1).init(params), params);
    const moved = applyUpdates(params, updates);
    expectTypeOf(moved.layers[0].w).toEqualTypeOf<Tensor>();
    expect(Array.isArray(moved.layers)).toBe(true);
    expect([...b.readSync(moved.layers[0].w)].map((v) => +v.toFixed(6))).toEqual([0.8, -1.8]);
    b.dispose([loss, grads, params, moved, updates]);
    opt.dispose();
  });
});

describe('layers on plain tensors', () => {
  it('call returns a Tensor (typed so: read and dispose need no cast), with the values of x·W + b by hand', () => {
    const layer = new Dense(2, 1).init(b, { seed: 0, dtype: 'float64' });
    const { kernel, bias } = layer.parameters();
    const x = b.tensor([1, 2, -1, 0.5], [2, 2], 'float64');
    const y = layer.call(x);
    expectTypeOf(y).toEqualTypeOf<Tensor>();
    const [k, c] = [b.readSync(kernel as Tensor), b.readSync(bias as Tensor)];
    expect([...b.readSync(y)]).toEqual([1 * k[0] + 2 * k[1] + c[0], -1 * k[0] + 0.5 * k[1] + c[0]]);
    b.dispose([x, y]);
  });
});
