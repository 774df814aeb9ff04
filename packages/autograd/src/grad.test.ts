import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { detach, grad, hessian, hvp, noGrad, ops, valueAndGrad, vjp, type TensorLike } from './index.js';

const b = cpu();
const t = (data: number[], shape?: number[]) => b.tensor(data, shape ?? [data.length], 'float64');
const read = (x: TensorLike) => Array.from(b.readSync(x as Tensor));

describe('grad', () => {
  it('differentiates a tree of parameters and keeps its structure', () => {
    const x = t([1, 2, 3, 4], [2, 2]);
    const f = (p: { w: TensorLike; nested: { b: TensorLike } }) => ops.sum(ops.add(ops.mul(p.w, p.w), ops.mul(p.nested.b, 3)));
    const g = grad(f)({ w: x, nested: { b: t([5, 6]) } });
    expect(read(g.w)).toEqual([2, 4, 6, 8]);
    // b [2] broadcasts over 2 rows: 3 per use, 2 uses each.
    expect(g.nested.b.shape).toEqual([2]);
    expect(read(g.nested.b)).toEqual([6, 6]);
  });

  it('returns the value with valueAndGrad and aux with hasAux', () => {
    const x = t([3]);
    const [[v, aux], g] = valueAndGrad((p: TensorLike) => [ops.sum(ops.square(p)), { doubled: ops.mul(p, 2) }] as const, { hasAux: true })(
      x,
    );
    expect(read(v)).toEqual([9]);
    expect(read(aux.doubled)).toEqual([6]);
    expect(read(g)).toEqual([6]);
  });

  it('differentiates with respect to argnums and wrt', () => {
    const f = (a: TensorLike, c: TensorLike) => ops.sum(ops.mul(a, c));
    const [ga, gc] = grad(f, { argnums: [0, 1] })(t([2]), t([5]));
    expect([read(ga), read(gc)]).toEqual([[5], [2]]);
    const g1 = grad(f, { argnums: 1 })(t([2]), t([5]));
    expect(read(g1)).toEqual([2]);
    const gw = grad((p: { a: TensorLike; c: TensorLike }) => ops.sum(ops.mul(p.a, p.c)), { wrt: ['c'] })({ a: t([2]), c: t([5]) });
    expect(Object.keys(gw)).toEqual(['c']);
    expect(read(gw.c!)).toEqual([2]);
  });

  it('gives zeros to unused parameters', () => {
    const g = grad((p: { u: TensorLike; v: TensorLike }) => ops.sum(p.u))({ u: t([1, 2]), v: t([1, 2, 3]) });
    expect(read(g.v)).toEqual([0, 0, 0]);
  });

  it('computes second derivatives with grad of grad', () => {
    // f(x) = x³ → f'' = 6x
    const d2 = grad((x: TensorLike) => ops.sum(grad((y: TensorLike) => ops.sum(ops.pow(y, 3)))(x)))(t([2]));
    expect(read(d2)).toEqual([12]);
  });

  it('keeps nested levels apart (no perturbation confusion)', () => {
    // d/dx [x · d/dy (x·y)] = d/dx [x·x] = 2x = 10 at x = 5.
    const d = grad((x: TensorLike) => ops.sum(ops.mul(x, grad((y: TensorLike) => ops.sum(ops.mul(x, y)))(t([3])))))(t([5]));
    expect(read(d)).toEqual([10]);
    const d2 = grad((x: TensorLike) => ops.sum(ops.mul(x, grad((y: TensorLike) => ops.sum(ops.mul(y, x)))(t([3])))))(t([5]));
    expect(read(d2)).toEqual([10]);
  });

  it('computes hvp and hessian', () => {
    const f = (p: { x: TensorLike }) => ops.sum(ops.mul(ops.pow(p.x, 3), t([1, 2])));
    const hv = hvp(f, { x: t([1, 3]) }, { x: t([1, 1]) });
    // H = diag(6x·c) = diag(6, 36)
    expect(read(hv.x)).toEqual([6, 36]);
    const h = hessian((x) => ops.sum(ops.mul(ops.pow(x, 3), t([1, 2]))), t([1, 3]));
    expect(h.shape).toEqual([2, 2]);
    expect(read(h)).toEqual([6, 0, 0, 36]);
  });

  it('stops gradients with detach and noGrad', () => {
    const g = grad((x: TensorLike) => ops.sum(ops.mul(x, detach(x))))(t([3]));
    expect(read(g)).toEqual([3]);
    const g2 = grad((x: TensorLike) =>
      ops.sum(
        ops.add(
          ops.square(x),
          noGrad(() => ops.square(x)),
        ),
      ),
    )(t([3]));
    expect(read(g2)).toEqual([6]);
  });

  it('returns vjp pullbacks for non-scalar outputs', () => {
    const [y, pullback] = vjp((x: TensorLike) => ops.mul(x, x), t([1, 2, 3]));
    expect(read(y)).toEqual([1, 4, 9]);
    expect(read(pullback(t([1, 1, 2])))).toEqual([2, 4, 12]);
    expect(read(pullback(t([0, 1, 0])))).toEqual([0, 4, 0]);
    pullback.dispose();
  });
});
