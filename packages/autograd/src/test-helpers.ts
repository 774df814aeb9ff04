/** Helpers shared by the tests of this package (not published). */
import {
  convParams,
  reduceWindowParams,
  sizeOf,
  windowTaps,
  type ConvOptions,
  type Padding,
  type ReduceWindowOptions,
} from '@downhill/backend';
import fc from 'fast-check';
import { expect } from 'vitest';

type Shape = number[];
interface Sample {
  inputs: Record<string, { shape: Shape; data: number[] }>;
  extra: Record<string, unknown>;
}

const values = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });

/** Whether `f` runs without throwing (a configuration the shape rules accept). */
function accepted(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

const paddingArb = (d: number): fc.Arbitrary<Padding> =>
  fc.oneof(
    fc.constantFrom<Padding>('VALID', 'SAME'),
    fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), { minLength: d, maxLength: d }),
  );

const perAxisArb = (d: number, max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: d, maxLength: d });

/**
 * Random convolutions small enough for finite differences: 1-D or 2-D, batch 1–2, feature groups
 * or batch groups 1–2, 1–2 channels per group, windows 1–3, strides 1–3, input and kernel dilation
 * 1–2, VALID, SAME or explicit padding in [−1, 2]; only configurations the shape rules accept.
 */
export function convCase(): fc.Arbitrary<Sample> {
  return fc
    .record({
      d: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      batchGroups: fc.boolean(),
      perGroupIn: fc.integer({ min: 1, max: 2 }),
      perGroupOut: fc.integer({ min: 1, max: 2 }),
      batch: fc.integer({ min: 1, max: 2 }),
    })
    .chain(({ d, groups, batchGroups, perGroupIn, perGroupOut, batch }) =>
      fc
        .record({
          spatial: fc.array(fc.integer({ min: 1, max: d === 1 ? 7 : 5 }), { minLength: d, maxLength: d }),
          window: perAxisArb(d, 3),
          strides: perAxisArb(d, 3),
          lhsDilation: perAxisArb(d, 2),
          rhsDilation: perAxisArb(d, 2),
          padding: paddingArb(d),
        })
        .map(({ spatial, window, ...geometry }) => {
          const B = batchGroups ? groups : 1;
          const G = batchGroups ? 1 : groups;
          const options: ConvOptions = { ...geometry, featureGroupCount: G, batchGroupCount: B };
          const lhs = [batch * B, ...spatial, G * perGroupIn];
          const rhs = [...window, perGroupIn, groups * perGroupOut];
          return { lhs, rhs, options };
        }),
    )
    .filter(({ lhs, rhs, options }) => accepted(() => convParams(lhs, rhs, options, 'test')))
    .filter(({ lhs, rhs }) => sizeOf(lhs) <= 40 && sizeOf(rhs) <= 40)
    .chain(({ lhs, rhs, options }) =>
      fc.tuple(values(sizeOf(lhs)), values(sizeOf(rhs))).map(([a, b]) => ({
        inputs: { lhs: { shape: lhs, data: a }, rhs: { shape: rhs, data: b } },
        extra: { options },
      })),
    );
}

/**
 * Random windowed sums and maxima over tensors of rank 1–3 (sides 1–4): windows 1–3 per axis,
 * strides 1–2, base and window dilation 1–2, VALID, SAME or explicit padding in [−1, 2]. Values are
 * distinct (0.1 apart, so no ties) and every window of a max holds an element (none is −∞).
 */
export function reduceWindowCase(): fc.Arbitrary<Sample> {
  return fc
    .integer({ min: 1, max: 3 })
    .chain((r) =>
      fc.record({
        op: fc.constantFrom('sum', 'max'),
        shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: r, maxLength: r }),
        windowShape: perAxisArb(r, 3),
        strides: perAxisArb(r, 2),
        baseDilation: perAxisArb(r, 2),
        windowDilation: perAxisArb(r, 2),
        padding: paddingArb(r),
      }),
    )
    .filter(({ shape }) => sizeOf(shape) <= 24)
    .filter(({ shape, op, ...options }) => {
      if (!accepted(() => reduceWindowParams(shape, options, 'test'))) return false;
      if (op === 'sum') return true;
      const { params, outShape } = reduceWindowParams(shape, options, 'test');
      const taps = windowTaps(shape, params.windowShape, outShape, params);
      const kw = sizeOf(params.windowShape);
      const P = sizeOf(shape);
      for (let q = 0; q < sizeOf(outShape); q++) if (!taps.subarray(q * kw, (q + 1) * kw).some((t) => t < P)) return false;
      return true;
    })
    .chain(({ shape, op, ...options }) =>
      fc.uniqueArray(fc.integer({ min: -20, max: 20 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }).map((xs) => ({
        inputs: { x: { shape, data: xs.map((v) => v / 10 + 0.003) } },
        extra: { op, options: options as ReduceWindowOptions },
      })),
    );
}

/** Expects `actual` to equal `expected` element by element within `tol` relative (`tol·(1 + |expected|)`). */
export function expectClose(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) =>
    expect(Math.abs(a - expected[i]), `element ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i]))),
  );
}
