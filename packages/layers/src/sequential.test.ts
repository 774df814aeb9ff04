import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { adam, releaseReplaced, sgd, step } from '@downhill/optimizers';
import { Dense, Module, ReLU, Sequential, Tanh, type ForwardContext, type Params } from './index.js';

const mse = (y: TensorLike, t: TensorLike) => ops.mean(ops.square(ops.sub(y, t)));

describe('Dense and Sequential', () => {
  it('computes x·W + b with the initialized values', async () => {
    const b = cpu();
    const layer = new Dense(3, 2).init(b, { seed: 1 });
    const { kernel, bias } = layer.parameters() as { kernel: Tensor; bias: Tensor };
    const w = Array.from(b.readSync(kernel));
    const x = b.tensor([1, 2, 3, -1, 0, 2], [2, 3]);
    const y = Array.from(b.readSync(layer.call(x) as Tensor));
    const expected = [0, 1].flatMap((r) =>
      [0, 1].map((c) => [0, 1, 2].reduce((s, k) => s + [1, 2, 3, -1, 0, 2][r * 3 + k] * w[k * 2 + c], 0)),
    );
    y.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(Array.from(b.readSync(bias))).toEqual([0, 0]);
  });

  it('names nested parameters by dotted path and counts them', () => {
    const b = cpu();
    const m = new Sequential({ hidden: new Dense(4, 8), act: new ReLU(), out: new Dense(8, 3, { useBias: false }) }).init(b, { seed: 0 });
    expect(m.namedParameters().map(([n, t]) => [n, [...t.shape]])).toEqual([
      ['hidden.kernel', [4, 8]],
      ['hidden.bias', [8]],
      ['out.kernel', [8, 3]],
    ]);
    expect(m.parameterCount()).toBe(4 * 8 + 8 + 8 * 3);
    expect(Object.keys(m.parameters())).toEqual(['hidden', 'out']);
    const arr = new Sequential([new Dense(2, 2), new Tanh(), new Dense(2, 1)]);
    expect(Object.keys(arr.parameterShapes())).toEqual(['0.kernel', '0.bias', '2.kernel', '2.bias']);
  });

  it('draws the same weights for the same seed and different ones for another', () => {
    const b = cpu();
    const read = (seed: number) => Array.from(b.readSync(new Dense(3, 3).init(b, { seed }).namedParameters()[0][1]));
    expect(read(7)).toEqual(read(7));
    expect(read(7)).not.toEqual(read(8));
  });

  it('refuses a wrong input width, naming the layer', () => {
    const b = cpu();
    const m = new Sequential({ first: new Dense(4, 2) }).init(b, { seed: 0 });
    expect(() => m.call(b.zeros([5, 3]))).toThrow(ShapeError);
    expect(() => m.call(b.zeros([5, 3]))).toThrow(/Dense 'first'.*\[5, 3\].*4 features/);
  });

  it('refuses an uninitialized model and a parameter tree missing a leaf', () => {
    const b = cpu();
    const m = new Sequential([new Dense(2, 2)]);
    expect(() => m.parameters()).toThrow(/'0\.kernel' has no tensor/);
    m.init(b, { seed: 0 });
    expect(() => m.apply({ 0: { kernel: b.zeros([2, 2]) } }, b.zeros([1, 2]))).toThrow(/'0\.bias'/);
    expect(() => m.apply({ 0: { kernel: b.zeros([3, 2]), bias: b.zeros([2]) } }, b.zeros([1, 2]))).toThrow(ShapeError);
  });

  it('supports custom modules with children and field initializers', () => {
    class Mlp extends Module {
      readonly hidden = this.addModule('hidden', new Dense(2, 4));
      readonly out = this.addModule('out', new Dense(4, 1));
      forward(x: TensorLike, ctx: ForwardContext): TensorLike {
        return ctx.call(this.out, ops.relu(ctx.call(this.hidden, x)));
      }
    }
    const b = cpu();
    const m = new Mlp().init(b, { seed: 3 });
    expect(m.namedParameters().map(([n]) => n)).toEqual(['hidden.kernel', 'hidden.bias', 'out.kernel', 'out.bias']);
    expect(m.call(b.zeros([5, 2])).shape).toEqual([5, 1]);
  });

  it('setParameters checks names and shapes first and changes nothing on failure', () => {
    const b = cpu();
    const m = new Dense(2, 2).init(b, { seed: 0 });
    const before = m.parameters();
    expect(() => m.setParameters({ kernel: b.zeros([2, 2]) })).toThrow(InvalidArgumentError);
    expect(() => m.setParameters({ kernel: b.zeros([2, 3]), bias: b.zeros([2]) })).toThrow(
      /'kernel' has shape \[2, 3\], expected \[2, 2\]/,
    );
    expect(() => m.setParameters({ kernel: b.zeros([2, 2]), bias: b.zeros([2]), extra: b.zeros([1]) })).toThrow(/'extra'/);
    expect(m.parameters()).toEqual(before);
    expect((before.kernel as Tensor).disposed).toBe(false);
  });

  it('trains with valueAndGrad, step and setParameters, keeping memory flat', () => {
    const b = cpu();
    const model = new Sequential([new Dense(2, 8, { kernelInit: 'heNormal' }), new ReLU(), new Dense(8, 1)]).init(b, { seed: 0 });
    const x = b.keep(b.tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]));
    const y = b.keep(b.tensor([0, 1, 1, 0], [4, 1]));
    const tx = adam(0.05);
    let state = tx.init(model.parameters());
    const losses: number[] = [];
    const lossOf = valueAndGrad((p: Params) => mse(model.apply(p, x), y));
    let baseline = 0;
    for (let i = 0; i < 300; i++) {
      const [loss, grads] = lossOf(model.parameters());
      const r = step(tx, model.parameters(), grads, state, { inPlace: true });
      model.setParameters(r.params);
      state = r.state;
      losses.push(b.readSync(loss)[0]);
      b.dispose([loss, grads]);
      if (i === 9) baseline = b.memory().tensors;
    }
    expect(b.memory().tensors).toBe(baseline);
    expect(losses[299]).toBeLessThan(0.01);
    expect(losses[299]).toBeLessThan(losses[0]);
  });

  it('works with a pure (not in-place) step too', () => {
    const b = cpu();
    const model = new Dense(1, 1).init(b, { seed: 0 });
    const x = b.keep(b.tensor([1, 2, 3], [3, 1]));
    const y = b.keep(b.tensor([2, 4, 6], [3, 1]));
    const tx = sgd(0.05, { momentum: 0.9 });
    let state = tx.init(model.parameters());
    let baseline = 0;
    for (let i = 0; i < 200; i++) {
      const [loss, grads] = valueAndGrad((p: Params) => mse(model.apply(p, x), y))(model.parameters());
      const r = step(tx, model.parameters(), grads, state);
      model.setParameters(r.params); // releases the old parameters
      releaseReplaced(state, r.state);
      state = r.state;
      b.dispose([loss, grads]);
      if (i === 4) baseline = b.memory().tensors;
    }
    expect(b.memory().tensors).toBe(baseline);
    expect(b.readSync(model.namedParameters()[0][1])[0]).toBeCloseTo(2, 1);
  });
});
