import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { broadcastShapes } from '@downhill/backend';
import { cpu } from './index.js';
import { atBroadcast, randomData, ravel, unravel } from './test-helpers.js';

const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });

/** Two shapes that broadcast together: each axis of the pair is (d, d), (1, d) or (d, 1), ranks may differ. */
const broadcastPairArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 })), { maxLength: 4 })
  .chain((axes) => fc.tuple(fc.constant(axes), fc.integer({ min: 0, max: axes.length }), fc.integer({ min: 0, max: axes.length })))
  .map(([axes, dropA, dropB]) => {
    const a = axes.map(([d, k]) => (k === 1 ? 1 : d));
    const b = axes.map(([d, k]) => (k === 2 ? 1 : d));
    return [a.slice(dropA), b.slice(dropB)] as [number[], number[]];
  });

describe('properties on random shapes', () => {
  it('binary ops broadcast like the naive index map', () => {
    fc.assert(
      fc.property(
        broadcastPairArb,
        fc.constantFrom('add', 'sub', 'mul', 'maximum') as fc.Arbitrary<'add' | 'sub' | 'mul' | 'maximum'>,
        ([as, bs], op) => {
          const b = cpu();
          const da = randomData(size(as), 1);
          const db = randomData(size(bs), 2);
          const y = b.binary(op, b.tensor(da, as, 'float64'), b.tensor(db, bs, 'float64'));
          const out = broadcastShapes(as, bs);
          expect(y.shape).toEqual(out);
          const f = {
            add: (p: number, q: number) => p + q,
            sub: (p: number, q: number) => p - q,
            mul: (p: number, q: number) => p * q,
            maximum: Math.max,
          }[op];
          const want = Array.from({ length: size(out) }, (_, i) =>
            f(atBroadcast(da, as, unravel(i, out)), atBroadcast(db, bs, unravel(i, out))),
          );
          expect([...b.readSync(y)]).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('transpose matches the index map and its inverse restores the input', () => {
    const arb = shapeArb.chain((shape) =>
      fc.tuple(fc.constant(shape), fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length })),
    );
    fc.assert(
      fc.property(arb, ([shape, perm]) => {
        const b = cpu();
        const data = randomData(size(shape), 3);
        const x = b.tensor(data, shape, 'float64');
        const y = b.transpose(x, perm);
        const outShape = perm.map((p) => shape[p]);
        const want = Array.from({ length: size(outShape) }, (_, f) => {
          const oi = unravel(f, outShape);
          const ii: number[] = [];
          perm.forEach((p, i) => (ii[p] = oi[i]));
          return data[ravel(ii, shape)];
        });
        expect([...b.readSync(y)]).toEqual(want);
        const inv: number[] = [];
        perm.forEach((p, i) => (inv[p] = i));
        expect([...b.readSync(b.transpose(y, inv))]).toEqual(data);
      }),
      { numRuns: 150 },
    );
  });

  it('a sum over several axes equals sums over one axis at a time; max is the max of the parts', () => {
    const arb = shapeArb
      .filter((s) => s.length > 0)
      .chain((shape) => fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()], { minLength: 1 })));
    fc.assert(
      fc.property(arb, ([shape, axes]) => {
        const b = cpu();
        const x = b.tensor(randomData(size(shape), 4), shape, 'float64');
        const all = b.reduce('sum', x, axes, true);
        let step = x;
        for (const a of axes) step = b.reduce('sum', step, a, true);
        const got = b.readSync(all);
        const want = b.readSync(step);
        expect(all.shape).toEqual(step.shape);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 12);
        if (axes.every((a) => shape[a] > 0)) {
          let m = x;
          for (const a of axes) m = b.reduce('max', m, a, true);
          expect([...b.readSync(b.reduce('max', x, axes, true))]).toEqual([...b.readSync(m)]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('slice of a pad gives back the input; concat of slices gives back the whole', () => {
    const arb = shapeArb
      .filter((s) => s.length > 0)
      .chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: shape.length, maxLength: shape.length }),
          fc.nat(shape.length - 1),
        ),
      );
    fc.assert(
      fc.property(arb, ([shape, pads, axis]) => {
        const b = cpu();
        const data = randomData(size(shape), 5);
        const x = b.tensor(data, shape, 'float64');
        const p = b.pad(x, pads, 7);
        expect([
          ...b.readSync(
            b.slice(
              p,
              pads.map(([lo]) => lo),
              shape,
            ),
          ),
        ]).toEqual(data);
        const cut = Math.floor(shape[axis] / 2);
        const left = b.slice(
          x,
          shape.map(() => 0),
          shape.map((d, i) => (i === axis ? cut : d)),
        );
        const right = b.slice(
          x,
          shape.map((_, i) => (i === axis ? cut : 0)),
          shape.map((d, i) => (i === axis ? d - cut : d)),
        );
        expect([...b.readSync(b.concat([left, right], axis))]).toEqual(data);
      }),
      { numRuns: 150 },
    );
  });

  it('scatterAdd is the adjoint of gather: ⟨gather(x), u⟩ = ⟨x, scatterAdd(u)⟩', () => {
    const arb = shapeArb
      .filter((s) => s.length > 0 && s.every((d) => d > 0))
      .chain((shape) =>
        fc
          .tuple(fc.constant(shape), fc.nat(shape.length - 1))
          .chain(([s, axis]) => fc.tuple(fc.constant(s), fc.constant(axis), fc.array(fc.nat(s[axis] - 1), { maxLength: 6 }))),
      );
    fc.assert(
      fc.property(arb, ([shape, axis, idx]) => {
        const b = cpu();
        const x = b.tensor(randomData(size(shape), 6), shape, 'float64');
        const i = b.tensor(idx, [idx.length], 'int32');
        const gx = b.gather(x, i, axis);
        const u = b.tensor(randomData(gx.size, 7), gx.shape, 'float64');
        const lhs = b.readSync(b.reduce('sum', b.mul(gx, u)))[0];
        const rhs = b.readSync(b.reduce('sum', b.mul(x, b.scatterAdd(u, i, axis, shape[axis]))))[0];
        expect(lhs).toBeCloseTo(rhs, 12);
      }),
      { numRuns: 150 },
    );
  });
});
