/**
 * Fuzz: every initializer with random options, shapes, dtypes and keys. Each call either gives a
 * tensor of the shape asked with finite values, or throws a typed DownhillError. The number of
 * inputs tried is printed.
 */
import { DownhillError, sizeOf } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const b = cpu();
const weird = fc.oneof(
  fc.double(),
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(NaN, Infinity, -1, 0, 1, 'relu', 'fanIn', 'normal', null, []),
);
const opts = fc.dictionary(
  fc.constantFrom(
    'gain',
    'mode',
    'nonlinearity',
    'negativeSlope',
    'distribution',
    'inAxis',
    'outAxis',
    'min',
    'max',
    'mean',
    'std',
    'lower',
    'upper',
    'columnAxis',
    'bogus',
  ),
  weird,
  { maxKeys: 3 },
);
const makers: ((o: unknown) => api.Initializer)[] = [
  () => api.zeros(),
  () => api.ones(),
  (o) => api.constant(o as never),
  (o) => api.uniform(o as never),
  (o) => api.normal(o as never),
  (o) => api.truncatedNormal(o as never),
  (o) => api.glorotUniform(o as never),
  (o) => api.glorotNormal(o as never),
  (o) => api.heUniform(o as never),
  (o) => api.heNormal(o as never),
  (o) => api.lecunUniform(o as never),
  (o) => api.lecunNormal(o as never),
  (o) => api.varianceScaling(2, o as never),
  (o) => api.orthogonal(o as never),
];

describe('fuzz: initializers', () => {
  it('random options, shapes, dtypes and keys: finite weights of the shape asked, or a DownhillError', () => {
    let tried = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: makers.length - 1 }),
        fc.oneof(opts, weird),
        fc.oneof(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }), weird),
        fc.constantFrom('float32', 'float64', 'int32', 'bool', 'float16'),
        fc.oneof(fc.record({ seed: fc.oneof(fc.integer(), weird) }), fc.constant({}), weird),
        (k, o, shape, dtype, key) => {
          tried++;
          try {
            const t = makers[k](o)(b, shape as never, { dtype, ...(key as object) } as never);
            expect([...t.shape]).toEqual(shape);
            expect(Array.from(b.readSync(t)).every(Number.isFinite)).toBe(true);
            expect(t.size).toBe(sizeOf(shape as number[]));
            t.dispose();
          } catch (e) {
            expect(e, String(e)).toBeInstanceOf(DownhillError);
          }
        },
      ),
      { numRuns: 1500, seed: 31 },
    );
    console.log(`fuzz: initializers: ${tried} inputs tried`);
  });
});
