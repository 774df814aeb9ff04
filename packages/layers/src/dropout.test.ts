import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import { Dense, Dropout, Sequential } from './index.js';

const read = (t: TensorLike) => Array.from((t as Tensor).backend.readSync(t as Tensor));

describe('Dropout', () => {
  it('is the identity in evaluation mode, with a handle of its own', () => {
    const b = cpu();
    const d = new Dropout(0.5, { seed: 0 }).eval();
    const x = b.tensor([1, 2, 3, 4]);
    const y = d.call(x);
    expect(read(y)).toEqual([1, 2, 3, 4]);
    expect(y).not.toBe(x);
    (y as Tensor).dispose();
    expect(x.disposed).toBe(false);
  });

  it('zeroes about `rate` of the elements and scales the rest by 1 / (1 − rate) (inverted dropout)', () => {
    const b = cpu();
    const rate = 0.3;
    const n = 20_000;
    const y = read(new Dropout(rate, { seed: 1 }).call(b.ones([200, 100])));
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / n - rate)).toBeLessThan(0.015); // ±4.6 standard deviations
    expect(new Set(y.filter((v) => v !== 0).map((v) => v.toFixed(6)))).toEqual(new Set([(1 / 0.7).toFixed(6)]));
    expect(Math.abs(y.reduce((s, v) => s + v, 0) / n - 1)).toBeLessThan(0.03); // E[y] = x
  });

  it('is deterministic per seed: the same sequence of masks, another for another seed', () => {
    const b = cpu();
    const x = b.ones([4, 8]);
    const masks = (seed: number) => {
      const d = new Dropout(0.5, { seed });
      return [read(d.call(x)), read(d.call(x))];
    };
    const [a1, a2] = masks(7);
    const [b1, b2] = masks(7);
    expect(a1).toEqual(b1);
    expect(a2).toEqual(b2);
    expect(a1).not.toEqual(a2); // the stream advances per pass
    expect(masks(8)[0]).not.toEqual(a1);
  });

  it('draws from rng.fold(path) when apply gets a key, and from the init seed otherwise', () => {
    const b = cpu();
    const make = () => new Sequential({ dense: new Dense(3, 50), drop: new Dropout(0.5) }).init(b, { seed: 3 });
    const x = b.ones([2, 3]);
    const m1 = make();
    const m2 = make();
    const key = rng(11);
    expect(read(m1.call(x, { rng: key }))).toEqual(read(m2.call(x, { rng: key })));
    expect(read(m1.call(x))).toEqual(read(m2.call(x))); // the streams init derived from seed 3
    expect(read(m1.call(x, { rng: rng(12) }))).not.toEqual(read(m2.call(x, { rng: key })));
  });

  it('refuses a rate outside [0, 1) and training without a source of randomness', () => {
    const b = cpu();
    expect(() => new Dropout(1)).toThrow(InvalidArgumentError);
    expect(() => new Dropout(-0.1)).toThrow(InvalidArgumentError);
    expect(() => new Sequential({ drop: new Dropout(0.5) }).call(b.ones([2]))).toThrow(/Dropout 'drop': needs random numbers/);
  });
});
