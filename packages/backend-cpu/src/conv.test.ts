/**
 * backend-cpu's convolution (im2col onto the GEMM, the grouped batched product, the direct
 * depthwise loop) and windowed reduction on random configurations larger than the conformance
 * suite's (channels to 24, so float32 patches live in the WebAssembly heap and groups of 8 or more
 * channels take the batched product), against the conformance suite's float64 reference.
 */
import { convParams, reduceWindowParams, type ConvOptions, type Padding, type ReduceWindowOptions } from '@downhill/backend';
import { referenceBackend } from '@downhill/backend/conformance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpu } from './index.js';
import { expectClose, randomData } from './test-helpers.js';

const backend = cpu();
const reference = referenceBackend();
const accepted = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};
const padding = (d: number): fc.Arbitrary<Padding> =>
  fc.oneof(
    fc.constantFrom<Padding>('VALID', 'SAME'),
    fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), { minLength: d, maxLength: d }),
  );
const axes = (d: number, max: number) => fc.array(fc.integer({ min: 1, max }), { minLength: d, maxLength: d });

const convArb = fc
  .record({
    d: fc.integer({ min: 1, max: 2 }),
    groups: fc.constantFrom(1, 1, 2, 3),
    perIn: fc.constantFrom(1, 3, 8),
    perOut: fc.integer({ min: 1, max: 8 }),
  })
  .chain(({ d, groups, perIn, perOut }) =>
    fc
      .record({
        batch: fc.integer({ min: 1, max: 3 }),
        spatial: axes(d, d === 1 ? 20 : 9),
        window: axes(d, 4),
        strides: axes(d, 3),
        lhsDilation: axes(d, 2),
        rhsDilation: axes(d, 2),
        padding: padding(d),
        seed: fc.integer(),
      })
      .map(({ batch, spatial, window, seed, ...g }) => ({
        lhs: [batch, ...spatial, groups * perIn],
        rhs: [...window, perIn, groups * perOut],
        options: { ...g, featureGroupCount: groups } as ConvOptions,
        seed,
      })),
  )
  .filter(({ lhs, rhs, options }) => accepted(() => convParams(lhs, rhs, options, 'test')));

const windowArb = fc
  .record({
    op: fc.constantFrom('sum' as const, 'max' as const),
    shape: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 20 }),
    ),
    window: axes(2, 3),
    strides: axes(2, 3),
    baseDilation: axes(2, 2),
    windowDilation: axes(2, 2),
    padding: padding(2),
    seed: fc.integer(),
  })
  .map(({ op, shape, window, strides, baseDilation, windowDilation, padding: pad, seed }) => ({
    op,
    shape: [...shape],
    options: {
      windowShape: [1, ...window, 1],
      strides: [1, ...strides, 1],
      baseDilation: [1, ...baseDilation, 1],
      windowDilation: [1, ...windowDilation, 1],
      padding: typeof pad === 'string' ? pad : [[0, 0], ...pad, [0, 0]],
    } as ReduceWindowOptions,
    seed,
  }))
  .filter(({ shape, options }) => accepted(() => reduceWindowParams(shape, options, 'test')));

describe('backend-cpu conv against the reference', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: 60 random convolutions (1-D, 2-D, groups, strides, dilations, padding)`, () => {
      fc.assert(
        fc.property(convArb, ({ lhs, rhs, options, seed }) => {
          const x = randomData(
            lhs.reduce((a, b) => a * b, 1),
            seed,
          ).map(Math.fround);
          const w = randomData(
            rhs.reduce((a, b) => a * b, 1),
            seed + 1,
          ).map(Math.fround);
          const got = backend.scope(() =>
            backend.readSync(backend.conv(backend.tensor(x, lhs, dtype), backend.tensor(w, rhs, dtype), options)),
          );
          const want = reference.scope(() =>
            reference.readSync(
              reference.conv(
                reference.tensor(x.map(Math.fround), lhs, 'float64'),
                reference.tensor(w.map(Math.fround), rhs, 'float64'),
                options,
              ),
            ),
          );
          const taps = rhs.slice(0, -2).reduce((a, b) => a * b, 1) * rhs[rhs.length - 2];
          expectClose(got, want, dtype === 'float32' ? 1e-5 : 1e-12, dtype === 'float32' ? 1e-6 * taps : 1e-13 * taps);
        }),
        { numRuns: 60 },
      );
    });
    it(`${dtype}: 60 random windowed sums and maxima over NHWC`, () => {
      fc.assert(
        fc.property(windowArb, ({ op, shape, options, seed }) => {
          const x = randomData(
            shape.reduce((a, b) => a * b, 1),
            seed,
          ).map(Math.fround);
          const got = backend.scope(() => backend.readSync(backend.reduceWindow(op, backend.tensor(x, shape, dtype), options)));
          const want = reference.scope(() =>
            reference.readSync(reference.reduceWindow(op, reference.tensor(x, shape, 'float64'), options)),
          );
          expectClose(got, want, dtype === 'float32' ? 1e-6 : 1e-14, 1e-6);
        }),
        { numRuns: 60 },
      );
    });
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: 80 random windowed argmaxes (ties, NaN, −∞, padding) against the composition of gathers and argmax`, () => {
      fc.assert(
        fc.property(windowArb, fc.integer({ min: 0, max: 2 }), ({ shape, options, seed }, kind) => {
          // Few distinct values make ties common; some draws add NaN and −∞ (which ties with padding).
          const specials = [Number.NaN, Number.NEGATIVE_INFINITY];
          const x = randomData(
            shape.reduce((a, b) => a * b, 1),
            seed,
          ).map((v, i) => (kind > 0 && i % 7 === 3 ? specials[(i + kind) % 2] : Math.round(v * 2) / 2));
          const got = backend.scope(() => backend.readSync(backend.windowArgmax!(backend.tensor(x, shape, dtype), options)));
          const want = reference.scope(() => reference.readSync(reference.windowArgmax!(reference.tensor(x, shape, 'float64'), options)));
          expect(Array.from(got)).toEqual(Array.from(want));
        }),
        { numRuns: 80 },
      );
    });
  }
});
