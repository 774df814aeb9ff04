import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { filterNormalizedDirections, trajectoryDirections } from './directions.js';
import { lossAlongLine } from './loss-line.js';
import { lossPlane, projectOntoPlane } from './loss-plane.js';
import { quadratic, readTree, smallModel, withSpectrum } from './test-helpers.js';

const b = cpu();
const n = 10;
const A = withSpectrum([0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10], 4);
/** ½·θᵀAθ on the host, the closed form the grids are checked against. */
const f = (t: number[]) => {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += t[i] * A[i * n + j] * t[j];
  return s / 2;
};
const tree = (v: number[]) => ({ a: b.tensor(v.slice(0, 4), [2, 2], 'float64'), b: b.tensor(v.slice(4), [6], 'float64') });

describe('loss along lines and planes', () => {
  it('lossAlongLine gives the loss at (1 − α)·θ₀ + α·θ₁ of a quadratic (Goodfellow et al.)', async () => {
    const q = quadratic(b, A, n);
    const from = await readTree(q.params as never);
    const toV = from.map((v, i) => 0.3 * v + (i % 3) - 1);
    const got = await lossAlongLine(q.loss, q.params, tree(toV), { points: 9, range: [-0.5, 1.5] });
    expect(got.alphas).toEqual([-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    got.alphas.forEach((a, k) => expect(got.losses[k]).toBeCloseTo(f(from.map((v, i) => (1 - a) * v + a * toV[i])), 10));
    const exact = await lossAlongLine(q.loss, q.params, tree(toV), { alphas: [0, 1] });
    expect(exact.losses[1]).toBeCloseTo(f(toV), 12);
  });

  it('lossPlane gives the loss at θ + x·d₁ + y·d₂ on its grid, and projectOntoPlane recovers the coordinates', async () => {
    const q = quadratic(b, A, n);
    const c = await readTree(q.params as never);
    const d1 = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const d2 = Array.from({ length: n }, (_, i) => Math.cos(2 * i));
    const plane = await lossPlane(q.loss, q.params, {
      directions: [tree(d1), tree(d2)],
      xRange: [-1, 2],
      yRange: [-0.5, 0.5],
      resolution: 5,
    });
    expect(plane.x).toEqual([-1, -0.25, 0.5, 1.25, 2]);
    expect(plane.y).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    plane.y.forEach((y, j) =>
      plane.x.forEach((x, i) => expect(plane.loss[j][i]).toBeCloseTo(f(c.map((v, k) => v + x * d1[k] + y * d2[k])), 10)),
    );
    const points = [
      [0.3, -0.2],
      [1.5, 0.4],
      [-1, 0],
    ].map(([x, y]) => tree(c.map((v, k) => v + x * d1[k] + y * d2[k])));
    const coords = await projectOntoPlane(points, q.params, [tree(d1), tree(d2)]);
    expect(coords.map((p) => [p.x, p.y])).toEqual(
      [
        [0.3, -0.2],
        [1.5, 0.4],
        [-1, 0],
      ].map((xy) => xy.map((v) => expect.closeTo(v, 10))),
    );
    await expect(projectOntoPlane(points, q.params, [tree(d1), tree(d1)])).rejects.toThrow(/parallel/);
  });

  it('filter-normalized directions have the norm of each filter of the parameters and leave biases out (Li et al.)', async () => {
    const model = smallModel(b, 'float64');
    const [d1, d2] = await filterNormalizedDirections(model.params, { seed: 4 });
    for (const d of [d1, d2]) {
      for (const name of ['w1', 'w2'] as const) {
        const w = model.params[name];
        const [rows, cols] = w.shape;
        const wv = await w.read();
        const dv = await (d[name] as Tensor).read();
        for (let j = 0; j < cols; j++) {
          let nw = 0;
          let nd = 0;
          for (let i = 0; i < rows; i++) {
            nw += wv[i * cols + j] ** 2;
            nd += dv[i * cols + j] ** 2;
          }
          expect(Math.sqrt(nd)).toBeCloseTo(Math.sqrt(nw), 12);
        }
      }
      expect(Array.from(await (d.b1 as Tensor).read())).toEqual([0, 0, 0, 0]);
    }
    expect(Array.from(await (d1.w1 as Tensor).read())).not.toEqual(Array.from(await (d2.w1 as Tensor).read()));
    // Random directions by default in lossPlane: the centre of the grid is the loss at the parameters.
    const plane = await lossPlane(model.loss, model.params, { resolution: 3, seed: 4 });
    expect(plane.loss[1][1]).toBeCloseTo((await (model.loss(model.params) as Tensor).read())[0], 12);
    expect(await readTree(plane.directions[0] as never)).toEqual(await readTree(d1 as never));
  });

  it('trajectoryDirections finds the plane a path moves in', async () => {
    // A path in the plane spanned by u and v around c: the directions span the same plane.
    const c = Array.from({ length: n }, (_, i) => i * 0.1);
    const u = Array.from({ length: n }, (_, i) => (i < 5 ? 1 : 0));
    const v = Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1));
    const path = Array.from({ length: 12 }, (_, t) => tree(c.map((x, k) => x + 3 * Math.exp(-t / 4) * u[k] + Math.sin(t) * 0.5 * v[k])));
    const { directions, explained } = await trajectoryDirections(path, { center: tree(c) });
    expect(explained[0] + explained[1]).toBeCloseTo(1, 10);
    expect(explained[0]).toBeGreaterThan(explained[1]);
    const coords = await projectOntoPlane(path, tree(c), directions);
    // Every point is reproduced from its two coordinates.
    const [e1, e2] = await Promise.all(directions.map((d) => readTree(d as never)));
    for (let t = 0; t < path.length; t++) {
      const want = await readTree(path[t] as never);
      want.forEach((w, k) => expect(c[k] + coords[t].x * e1[k] + coords[t].y * e2[k]).toBeCloseTo(w, 9));
    }
  });
});
