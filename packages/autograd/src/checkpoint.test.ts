/**
 * `checkpoint`: gradients bit for bit those without it (float32 and float64, first and second
 * order, tree arguments with integer leaves), fewer tensors alive when the backward pass starts,
 * the block recomputed exactly once per backward pass, and typed errors.
 */
import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { checkpoint, customVjp, grad, hessian, ops, type TensorLike } from './index.js';

const b = cpu();
const read = (x: TensorLike) => Array.from(b.readSync(x as Tensor));

let calls = 0;
/** Two tanh layers sharing one weight: six intermediates of [4, 3] per application. */
const block = (h: TensorLike, w: TensorLike): TensorLike => {
  calls++;
  return ops.tanh(ops.matmul(ops.tanh(ops.add(ops.matmul(h, w), 0.1)), w));
};
const saved = checkpoint(block);

const data = (dtype: 'float32' | 'float64') => ({
  x: b.tensor([0.5, -0.2, 0.1, 0.3, 0.9, -0.7, 0.2, 0.4, -0.1, 0.05, -0.6, 0.8], [4, 3], dtype),
  w: b.tensor([0.3, -0.5, 0.2, 0.7, 0.1, -0.4, -0.2, 0.6, 0.5], [3, 3], dtype),
});
const net = (f: (h: TensorLike, w: TensorLike) => TensorLike) => (w: TensorLike, x: TensorLike) => ops.sum(ops.square(f(f(f(x, w), w), w)));

/** Live tensors when the backward pass begins: an identity whose own backward runs first records them. */
let liveAtBackward = 0;
const probe = customVjp(
  (y: TensorLike) => [y, undefined],
  (_, ct) => {
    liveAtBackward = b.memory().tensors;
    return [ct];
  },
);

describe('checkpoint', () => {
  for (const [dtype, tol] of [
    ['float32', 1e-6],
    ['float64', 1e-14],
  ] as const) {
    it(`gives the gradients of the plain function (${dtype}; w's six uses summed per block first, so to rounding)`, () => {
      const { x, w } = data(dtype);
      const plain = read(grad(net(block))(w, x));
      const remat = read(grad(net(saved))(w, x));
      remat.forEach((g, i) => expect(Math.abs(g - plain[i]), `element ${i}`).toBeLessThanOrEqual(tol * (1 + Math.abs(plain[i]))));
    });
  }

  it('gives them bit for bit where each argument is used once', () => {
    const { x, w } = data('float64');
    const once = (h: TensorLike, v: TensorLike) => ops.tanh(ops.add(ops.matmul(h, v), 0.1));
    const f = (g: (h: TensorLike, v: TensorLike) => TensorLike) => (v: TensorLike) => ops.sum(ops.square(g(x, v)));
    expect(read(grad(f(checkpoint(once)))(w))).toEqual(read(grad(f(once))(w)));
  });

  it('holds fewer tensors through the forward pass, and recomputes each block once in the backward pass', () => {
    const { x, w } = data('float32');
    const loss = (f: (h: TensorLike, w: TensorLike) => TensorLike) => (v: TensorLike) => ops.sum(ops.square(probe(f(f(f(x, v), v), v))));
    calls = 0;
    b.dispose(grad(loss(block))(w));
    const plainLive = liveAtBackward;
    expect(calls).toBe(3);
    calls = 0;
    b.dispose(grad(loss(saved))(w));
    const rematLive = liveAtBackward;
    expect(calls).toBe(6); // three forward, three again in the backward pass
    // each plain block keeps its five intermediates (two products, the bias add, the inner tanh, the output)
    // until the backward pass; a checkpointed one keeps its output only
    expect(plainLive - rematLive).toBeGreaterThanOrEqual(3 * 4);
  });

  it('is f outside any gradient: one call, nothing else left behind', () => {
    const { x, w } = data('float64');
    const before = b.memory().tensors;
    calls = 0;
    const y = saved(x, w);
    expect(calls).toBe(1);
    expect(b.memory().tensors - before).toBe(1); // the output only: its intermediates went with the call
    expect(read(y)).toEqual(read(b.scope(() => block(x, w))));
  });

  it('has the plain function’s Hessian (float64)', () => {
    const { x, w } = data('float64');
    const f = (v: TensorLike) => ops.sum(ops.square(saved(saved(x, v), v)));
    const g = (v: TensorLike) => ops.sum(ops.square(block(block(x, v), v)));
    const H1 = read(hessian(f, w) as Tensor);
    const H2 = read(hessian(g, w) as Tensor);
    H1.forEach((h, i) => expect(Math.abs(h - H2[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(H2[i]))));
  });

  it('takes trees, numbers and integer tensors; gradients flow to the float leaves only', () => {
    const { x, w } = data('float64');
    const labels = b.tensor([0, 2, 1, 1], [4], 'int32');
    const head = (p: { w: TensorLike; scale: number }, h: TensorLike, y: TensorLike) =>
      ops.neg(ops.mean(ops.sum(ops.mul(ops.logSoftmax(ops.mul(ops.matmul(h, p.w), p.scale)), ops.oneHot(y, 3, { dtype: 'float64' })), -1)));
    const savedHead = checkpoint(head);
    const plain = grad((p: { w: TensorLike }) => head({ w: p.w, scale: 2 }, x, labels))({ w });
    const remat = grad((p: { w: TensorLike }) => savedHead({ w: p.w, scale: 2 }, x, labels))({ w });
    expect(read(remat.w)).toEqual(read(plain.w));
  });

  it('leaves the live count where it was once the gradient is disposed', () => {
    const { x, w } = data('float32');
    const before = b.memory().tensors;
    b.dispose(grad(net(saved))(w, x));
    expect(b.memory().tensors).toBe(before);
  });

  it('refuses a closure over a traced value, a non-tensor result and a non-function', () => {
    const { x, w } = data('float64');
    expect(() => grad((v: TensorLike) => ops.sum(checkpoint((h: TensorLike) => ops.matmul(h, v))(x)))(w)).toThrow(
      /checkpoint\(f\): its output depends on a value of the enclosing differentiation that is not one of its arguments/,
    );
    expect(() => grad((v: TensorLike) => ops.sum(checkpoint((_: TensorLike) => 3 as never)(v)))(w)).toThrow(InvalidArgumentError);
    expect(() => grad((v: TensorLike) => ops.sum(checkpoint((_: TensorLike) => 3 as never)(v)))(w)).toThrow(
      /f must return a tensor, got number 3/,
    );
    expect(() => checkpoint(3 as never)).toThrow(/checkpoint: expected a function, got number 3/);
  });
});
