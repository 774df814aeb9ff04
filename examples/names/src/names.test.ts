/**
 * The names example in seconds: the data split and encoding, the bigram baseline against counts
 * done by hand, a short training run on a subset (it must beat the bigram model on the same
 * validation names), and the seeded sampler.
 */
import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { rng } from '@downhill/initializers';
import { Bigram } from './bigram.js';
import { allNames, encodeBatch, splitNames, vocabularyOf } from './data.js';
import { sampleNames } from './sample.js';
import { train } from './train.js';

describe('names data', () => {
  it('loads 8,422 distinct lowercase names from the two stdlib lists', () => {
    const names = allNames();
    expect(names.length).toBe(8422);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => /^[a-z-]+$/.test(n))).toBe(true);
    expect(names).toContain('abigail');
    expect(names).toContain('zebulon');
  });

  it('splits by seed: disjoint, complete, reproducible', () => {
    const names = allNames();
    const a = splitNames(names, { seed: 3 });
    const b = splitNames(names, { seed: 3 });
    const c = splitNames(names, { seed: 4 });
    expect(a.validation).toEqual(b.validation);
    expect(a.validation).not.toEqual(c.validation);
    expect(a.validation.length).toBe(842);
    expect(new Set([...a.train, ...a.validation]).size).toBe(names.length);
    expect(a.blockSize).toBe(16);
  });

  it('encodes `.name` as inputs and `name.` as targets, the padding masked', () => {
    const vocab = vocabularyOf(['ab', 'b']);
    expect(vocab.chars).toEqual(['.', 'a', 'b']);
    const batch = encodeBatch(['ab', 'b'], vocab);
    expect([batch.n, batch.t, batch.count]).toEqual([2, 3, 5]);
    expect(Array.from(batch.inputs)).toEqual([0, 1, 2, 0, 2, 0]);
    expect(Array.from(batch.targets)).toEqual([1, 2, 0, 2, 0, 0]);
    expect(Array.from(batch.mask)).toEqual([1, 1, 1, 1, 1, 0]);
  });
});

describe('bigram baseline', () => {
  it('is the add-one smoothed count ratio, in nats per character', () => {
    const vocab = vocabularyOf(['ab', 'b']);
    const bigram = new Bigram(vocab, ['ab', 'b']);
    // Transitions: .→a, a→b, b→. (from 'ab'); .→b, b→. (from 'b'). Rows of counts + 1:
    // '.': [1, 2, 2] / 5; 'a': [1, 1, 2] / 4; 'b': [3, 1, 1] / 5.
    const expected = -(Math.log(2 / 5) + Math.log(2 / 4) + Math.log(3 / 5)) / 3;
    expect(bigram.natsPerCharacter(['ab'])).toBeCloseTo(expected, 14);
  });
});

describe('the character transformer, short', () => {
  it('beats the bigram model on the same validation names after a few seconds of training; samples are seeded', () => {
    const names = allNames();
    const subset = splitNames(names, { seed: 1, validationFraction: 0 }).train.slice(0, 1500);
    const data = splitNames(subset, { seed: 1, validationFraction: 0.2 });
    const bigram = new Bigram(data.vocabulary, data.train).natsPerCharacter(data.validation);
    const backend = cpu();
    const result = train({
      backend,
      data,
      epochs: 4,
      batchSize: 32,
      lr: 1e-2,
      weightDecay: 0.1,
      seed: 0,
      dim: 32,
      layers: 1,
      heads: 2,
      dropout: 0,
    });
    const [first, last] = [result.epochs[0], result.epochs[result.epochs.length - 1]];
    console.log(
      `names (short): bigram ${bigram.toFixed(4)}, transformer ${result.epochs.map((e) => e.validationLoss.toFixed(4)).join(' → ')} nats/char in ${result.seconds.toFixed(1)} s`,
    );
    expect(last.validationLoss).toBeLessThan(first.validationLoss);
    expect(last.validationLoss).toBeLessThan(bigram);

    const key = rng(7);
    const a = sampleNames(result.model, backend, data.vocabulary, { count: 8, temperature: 1, key });
    expect(sampleNames(result.model, backend, data.vocabulary, { count: 8, temperature: 1, key })).toEqual(a);
    expect(a.every((n) => n.length <= data.blockSize && [...n].every((c) => data.vocabulary.ids.has(c) && c !== '.'))).toBe(true);
    // Near zero temperature the sampler takes the most likely character: the key no longer matters.
    const greedy = sampleNames(result.model, backend, data.vocabulary, { count: 2, temperature: 1e-4, key: rng(1) });
    expect(sampleNames(result.model, backend, data.vocabulary, { count: 2, temperature: 1e-4, key: rng(2) })).toEqual(greedy);
    result.model.dispose();
  });
});
