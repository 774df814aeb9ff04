/**
 * hessian over parameter trees, against the Hessian worked out by hand for
 * f(w, M) = Σᵢ cᵢwᵢ² + (Σᵢ wᵢ)(Σ M²) + Σ sin M:
 * H[w][w] = diag(2c), H[w][M][i, j, k] = H[M][w][j, k, i] = 2M_jk,
 * H[M][M][j, k, l, m] = δ(jk, lm)·(2Σw − sin M_jk).
 */
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { hessian, ops, type TensorLike } from './index.js';

const b = cpu();
const read = (x: Tensor) => Array.from(b.readSync(x));
const c = [0.5, -1.5];
const wv = [0.3, -0.7];
const mv = [0.2, -1.1, 0.9, 0.4];

const f = (w: TensorLike, m: TensorLike) =>
  ops.add(
    ops.add(ops.sum(ops.mul(ops.square(w), b.tensor(c, [2], 'float64'))), ops.mul(ops.sum(w), ops.sum(ops.square(m)))),
    ops.sum(ops.sin(m)),
  );

const close = (got: number[], want: number[], what: string) => {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `${what}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-12));
};

function expected() {
  const sw = wv[0] + wv[1];
  const ww = [2 * c[0], 0, 0, 2 * c[1]];
  const wm = wv.flatMap(() => mv.map((m) => 2 * m)); // [i, j, k]
  const mw = mv.flatMap((m) => wv.map(() => 2 * m)); // [j, k, i]
  const mm = mv.flatMap((m, a) => mv.map((_, z) => (a === z ? 2 * sw - Math.sin(m) : 0)));
  return { ww, wm, mw, mm };
}

describe('hessian over a parameter tree', () => {
  it('a record: blocks H[a][b] of shape [...a.shape, ...b.shape], by hand', () => {
    const params = { w: b.tensor(wv, [2], 'float64'), m: b.tensor(mv, [2, 2], 'float64') };
    const h = hessian((p) => f(p.w, p.m), params);
    expectTypeOf(h).toEqualTypeOf<{ w: { w: Tensor; m: Tensor }; m: { w: Tensor; m: Tensor } }>();
    const e = expected();
    expect([h.w.w.shape, h.w.m.shape, h.m.w.shape, h.m.m.shape]).toEqual([
      [2, 2],
      [2, 2, 2],
      [2, 2, 2],
      [2, 2, 2, 2],
    ]);
    close(read(h.w.w), e.ww, 'H[w][w]');
    close(read(h.w.m), e.wm, 'H[w][m]');
    close(read(h.m.w), e.mw, 'H[m][w]');
    close(read(h.m.m), e.mm, 'H[m][m]');
  });

  it('arrays in the tree (layers.0.w, layers.1.m), the same blocks', () => {
    const params = { layers: [{ w: b.tensor(wv, [2], 'float64') }, { m: b.tensor(mv, [2, 2], 'float64') }] as const };
    const h = hessian((p) => f(p.layers[0].w, p.layers[1].m), params);
    const e = expected();
    close(read(h.layers[0].w.layers[1].m), e.wm, 'H[layers.0.w][layers.1.m]');
    close(read(h.layers[1].m.layers[1].m), e.mm, 'H[layers.1.m][layers.1.m]');
    close(read(h.layers[1].m.layers[0].w), e.mw, 'H[layers.1.m][layers.0.w]');
  });

  it('one tensor still gives one tensor', () => {
    const h = hessian((x) => ops.sum(ops.pow(x, 3)), b.tensor([1, 2], [2], 'float64'));
    expectTypeOf(h).toEqualTypeOf<Tensor>();
    expect(read(h)).toEqual([6, 0, 0, 12]);
  });

  it('keeps no intermediate tensors alive', () => {
    const params = { w: b.tensor(wv, [2], 'float64'), m: b.tensor(mv, [2, 2], 'float64') };
    const before = b.memory().tensors;
    const h = hessian((p) => f(p.w, p.m), params);
    expect(b.memory().tensors - before).toBe(4);
    b.dispose(h);
  });

  it('refuses a tree with no tensors, saying what came', () => {
    expect(() => hessian(() => b.tensor([0], [], 'float64'), { a: 1 })).toThrow(/hessian: expected a tensor or a tree of tensors/);
  });
});
