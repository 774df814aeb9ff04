// One seed gives bitwise the same weights on every backend (backend-cpu in float32 and float64,
// backend-tfjs over tfjs's cpu and wasm backends), equal to the host draw rounded to the dtype;
// different seeds, folds and splits give different weights.
import type { Backend } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  normal,
  orthogonal,
  rng,
  truncatedNormal,
  uniform,
  varianceScaling,
  type Initializer,
} from './index.js';

const table: [string, Initializer, number[]][] = [
  ['uniform', uniform(), [17, 9]],
  ['normal', normal({ mean: 0.5, std: 2 }), [33]],
  ['truncatedNormal', truncatedNormal(), [4, 5, 6]],
  ['varianceScaling', varianceScaling(0.5, { mode: 'fanAvg', distribution: 'uniform' }), [3, 3, 4, 8]],
  ['glorotUniform', glorotUniform(), [64, 32]],
  ['glorotNormal', glorotNormal(), [64, 32]],
  ['heNormal', heNormal(), [128, 10]],
  ['heUniform', heUniform({ mode: 'fanOut' }), [10, 128]],
  ['lecunNormal', lecunNormal({ distribution: 'normal' }), [50, 50]],
  ['orthogonal tall', orthogonal(), [40, 12]],
  ['orthogonal wide', orthogonal({ gain: 1.5 }), [12, 40]],
];

const bits = (x: ArrayLike<number>): Uint32Array => new Uint32Array(Float32Array.from(x).buffer);

describe('the same seed gives bitwise the same weights on every backend', () => {
  const backends: [string, () => Promise<Backend>][] = [
    ['cpu', async () => cpu()],
    ['tfjs-cpu', () => tfjs({ tfBackend: 'cpu' })],
    ['tfjs-wasm', () => tfjs({ tfBackend: 'wasm' })],
  ];
  // float32 bits of each initializer per backend; TensorFlow.js has one global engine, so the
  // backends are set up and read one after another.
  const results = new Map<string, Uint32Array[]>();
  beforeAll(async () => {
    for (const [name, make] of backends) {
      const b = await make();
      const out: Uint32Array[] = [];
      for (const [, init, shape] of table) {
        const t = init(b, shape, { rng: rng(2024).fold(shape.join('x')) });
        expect(t.dtype).toBe('float32');
        expect(t.shape).toEqual(shape);
        out.push(new Uint32Array((await t.read()).buffer.slice(0)));
        t.dispose();
      }
      expect(b.memory().tensors).toBe(0);
      results.set(name, out);
    }
  }, 60_000);

  table.forEach(([name, init, shape], i) => {
    it(`${name} ${JSON.stringify(shape)}: cpu = tfjs-cpu = tfjs-wasm = the host draw rounded to float32`, () => {
      const host = bits(init.sample(shape, { rng: rng(2024).fold(shape.join('x')) }));
      for (const [backend] of backends) expect(results.get(backend)![i], backend).toEqual(host);
    });
  });

  it('float64 on backend-cpu is the host draw itself, and float32 its rounding', () => {
    const b = cpu();
    for (const [, init, shape] of table) {
      const host = init.sample(shape, { seed: 5 });
      const t64 = init(b, shape, { seed: 5, dtype: 'float64' });
      const t32 = init(b, shape, { seed: 5, dtype: 'float32' });
      expect(b.readSync(t64)).toEqual(host);
      expect(b.readSync(t32)).toEqual(Float32Array.from(host));
      b.dispose([t64, t32]);
    }
  });

  it('{ seed } is { rng: rng(seed) }, and init.init is init', () => {
    const b = cpu();
    const a = heNormal()(b, [20, 20], { seed: 77 });
    const c = heNormal().init(b, [20, 20], { rng: rng(77) });
    expect(b.readSync(a)).toEqual(b.readSync(c));
  });
});

describe('different keys give different weights', () => {
  it('across seeds, folds and splits, for every initializer', () => {
    for (const [name, init, shape] of table) {
      const base = init.sample(shape, { seed: 1 });
      const others = [
        init.sample(shape, { seed: 2 }),
        init.sample(shape, { rng: rng(1).fold('a') }),
        init.sample(shape, { rng: rng(1).fold('b') }),
        ...rng(1)
          .split(2)
          .map((k) => init.sample(shape, { rng: k })),
      ];
      for (const o of others) {
        let same = 0;
        for (let i = 0; i < o.length; i++) if (o[i] === base[i]) same++;
        expect(same, name).toBe(0);
      }
    }
  });
});
