import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { rng } from '@downhill/initializers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batches } from './batches.js';
import { epochOrder } from './epoch-order.js';

// Rows whose values name them: row r of a width-w column holds r·w … r·w + w − 1, so a batch's
// content can be checked against its indices by arithmetic, independently of the code under test.
function data(count: number, w: number) {
  return { x: Float32Array.from({ length: count * w }, (_, i) => i), y: Int32Array.from({ length: count }, (_, i) => 1000 + i) };
}

describe('Batches', () => {
  it('each epoch visits every row once, and each batch holds exactly the rows it names', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (count, batchSize, w, dropLast, seed) => {
          const b = new Batches(data(count, w), { batchSize, seed, dropLast });
          const expectedSteps = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
          expect(b.stepsPerEpoch).toBe(expectedSteps);
          const seen: number[] = [];
          let steps = 0;
          for (const batch of b.iterate({ epochs: 1 })) {
            steps++;
            expect(batch.size).toBe(batch.indices.length);
            expect(batch.size === batchSize || (!dropLast && batch.step === expectedSteps - 1)).toBe(true);
            for (let i = 0; i < batch.size; i++) {
              const r = batch.indices[i];
              for (let j = 0; j < w; j++) expect(batch.columns.x[i * w + j]).toBe(r * w + j);
              expect(batch.columns.y[i]).toBe(1000 + r);
            }
            seen.push(...batch.indices);
          }
          expect(steps).toBe(expectedSteps);
          expect(new Set(seen).size).toBe(seen.length);
          if (!dropLast) expect([...seen].sort((a, c) => a - c)).toEqual(Array.from({ length: count }, (_, i) => i));
          else expect(seen.length).toBe(expectedSteps * batchSize);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is deterministic for a seed; another seed or another epoch gives another order', () => {
    const a = new Batches(data(50, 1), { batchSize: 8, seed: 7 });
    const b = new Batches(data(50, 1), { batchSize: 8, seed: 7 });
    const c = new Batches(data(50, 1), { batchSize: 8, seed: 8 });
    expect([...a.order(0)]).toEqual([...b.order(0)]);
    expect([...a.order(0)]).not.toEqual([...c.order(0)]);
    expect([...a.order(0)]).not.toEqual([...a.order(1)]);
    // the order is epochOrder over rng(seed).fold(epoch); a key gives the same as its seed
    expect([...a.order(3)]).toEqual([...epochOrder(50, rng(7).fold(3))]);
    expect([...new Batches(data(50, 1), { batchSize: 8, key: rng(7) }).order(3)]).toEqual([...a.order(3)]);
  });

  it('without shuffling visits rows in order', () => {
    const b = new Batches(data(5, 2), { batchSize: 2 });
    expect([...b.iterate({ epochs: 2 })].map((x) => [x.epoch, x.step, x.globalStep, [...x.indices]])).toEqual([
      [0, 0, 0, [0, 1]],
      [0, 1, 1, [2, 3]],
      [0, 2, 2, [4]],
      [1, 0, 3, [0, 1]],
      [1, 1, 4, [2, 3]],
      [1, 2, 5, [4]],
    ]);
  });

  it('resumes at any (epoch, step) with exactly the batches an uninterrupted run has there', () => {
    const b = new Batches(data(23, 3), { batchSize: 5, seed: 1, dropLast: true });
    const all = [...b.iterate({ epochs: 3 })];
    for (let k = 0; k <= all.length; k++) {
      const from = k < all.length ? { epoch: all[k].epoch, step: all[k].step } : { epoch: 3, step: 0 };
      const rest = [...b.iterate({ epochs: 3, from })];
      expect(rest.map((x) => [x.globalStep, [...x.indices], [...x.columns.x]])).toEqual(
        all.slice(k).map((x) => [x.globalStep, [...x.indices], [...x.columns.x]]),
      );
    }
    expect([...b.batch(1, 2).indices]).toEqual([...all[b.stepsPerEpoch + 2].indices]);
  });

  it('gathers tensor columns on their backend with the same rows as the typed arrays', async () => {
    const k = cpu();
    const host = data(11, 4);
    const x = k.tensor(host.x, [11, 2, 2]);
    const y = k.tensor(host.y, [11], 'int32');
    const live = k.memory().tensors;
    const t = new Batches({ x, y }, { batchSize: 4, seed: 3 });
    const h = new Batches(host, { batchSize: 4, seed: 3 });
    for (const [bt, bh] of [...t.iterate()].map((bt, i) => [bt, h.batch(0, i)] as const)) {
      expect(bt.columns.x.shape).toEqual([bt.size, 2, 2]);
      expect(bt.columns.y.dtype).toBe('int32');
      expect([...(await bt.columns.x.read())]).toEqual([...bh.columns.x]);
      expect([...(await bt.columns.y.read())]).toEqual([...bh.columns.y]);
      k.dispose([bt.columns.x, bt.columns.y]);
    }
    expect(k.memory().tensors).toBe(live); // nothing but the batches was made, and they are freed
  });

  it('refuses bad input with typed errors that name the problem', () => {
    const d = data(10, 2);
    const bad: [() => unknown, RegExp][] = [
      [() => new Batches(d, { batchSize: 0 }), /batchSize must be a positive integer, got 0/],
      [() => new Batches(d, { batchSize: 2, shuffle: true }), /shuffle needs a seed or a key/],
      [() => new Batches(d, { batchSize: 2, seed: 1, key: rng(1) }), /seed or key, not both/],
      [() => new Batches(d, { batchSize: 2, bach: 3 } as never), /unknown option 'bach'/],
      [() => new Batches({ x: d.x, y: new Int32Array(7) }, { batchSize: 2 }), /every column must have 7 rows; column 'x' has 20 values/],
      [() => new Batches({}, { batchSize: 2 }), /at least one column/],
      [() => new Batches(d, { batchSize: 2 }).batch(0, 5), /step 5 is past the epoch's last step 4/],
      [
        () => [...new Batches(d, { batchSize: 2 }).iterate({ from: { epoch: -1, step: 0 } })],
        /from.epoch must be a non-negative integer, got -1/,
      ],
    ];
    for (const [f, msg] of bad) {
      expect(f).toThrow(InvalidArgumentError);
      expect(f).toThrow(msg);
    }
  });
});

describe('epochOrder', () => {
  it('is a permutation, the same for the same key, another for another key, and well shuffled', () => {
    const a = epochOrder(1000, rng(1).fold('shuffle').fold(1));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochOrder(1000, rng(1).fold('shuffle').fold(1))).toEqual(a);
    expect(epochOrder(1000, rng(1).fold('shuffle').fold(2))).not.toEqual(a);
    // a uniform permutation has about one fixed point; a nearly sorted one has many
    expect(a.filter((v, i) => v === i).length).toBeLessThan(10);
    expect(epochOrder(0, rng(1)).length).toBe(0);
    expect(() => epochOrder(-1, rng(1))).toThrow(/count must be a non-negative integer, got -1/);
  });
});
