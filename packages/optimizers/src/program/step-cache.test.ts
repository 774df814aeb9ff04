// The step cache: a fused step whose math is all elementwise is recorded once and replayed (no
// tracing) while nothing baked into it changes; any change (hyperparameters set by hand, a
// schedule, a mask that selects other parameters, the tree's names, shapes or dtype) gives the
// right result, checked against the composed path (the same closures through the backend's
// primitives) and, for Adam, against Adam written out in plain float64 JavaScript.
import type { DType, Tensor } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { chain } from '../chain.js';
import { setHyperparams } from '../inject-hyperparams.js';
import { adam } from '../optimizers/adam.js';
import { sgd } from '../optimizers/sgd.js';
import { step } from '../step.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { clipByGlobalNorm } from '../transforms/clip-by-global-norm.js';
import { scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { mapTreesN, stateNumber, stateTree, zerosLike } from '../tree.js';
import { lookahead } from '../wrappers/lookahead.js';
import { masked } from '../wrappers/masked.js';
import { agree, b, tree, type CacheStep, expectClose, MLP, values } from './test/cache-agreement.js';
import { stepCacheStats } from './fused-step.js';

const repeat = (n: number, s: (i: number) => CacheStep) => Array.from({ length: n }, (_, i) => s(i));
const STEP: CacheStep[] = [{ layout: MLP }];

describe.each(['float64', 'float32'] as const)('step cache on cpu, %s', (dtype) => {
  it('replays a plain Adam step after recording it once, and matches Adam written out in float64', async () => {
    const before = stepCacheStats();
    const tx = adam(1e-2, { b1: 0.8, b2: 0.95, eps: 1e-6 });
    let p: Params = tree({ w: [7] }, 3, dtype);
    let s = tx.init(p);
    const w = values(7, 3);
    const m = new Array(7).fill(0);
    const v = new Array(7).fill(0);
    for (let t = 1; t <= 6; t++) {
      const gv = values(7, 40 + t);
      const g = { w: b.tensor(gv, [7], dtype) };
      ({ params: p, state: s } = step(tx, p, g, s, { inPlace: true }));
      for (let i = 0; i < 7; i++) {
        m[i] = 0.8 * m[i] + 0.2 * gv[i];
        v[i] = 0.95 * v[i] + 0.05 * gv[i] * gv[i];
        const mHat = m[i] / (1 - 0.8 ** t);
        const vHat = v[i] / (1 - 0.95 ** t);
        w[i] -= (1e-2 * mHat) / (Math.sqrt(vHat) + 1e-6);
      }
    }
    const after = stepCacheStats();
    expect(after.traces - before.traces).toBe(1);
    expect(after.replays - before.replays).toBe(5);
    expectClose({ w: Array.from(await (p as { w: Tensor }).w.read()) }, { w }, dtype === 'float64' ? 1e-12 : 1e-5);
  });

  it('follows hyperparameters set by hand between steps (setHyperparams), replaying', async () => {
    const edits = [
      undefined,
      (s: OptState) => setHyperparams(s, { lr: 0.3 }),
      undefined,
      (s: OptState) => setHyperparams(s, { b1: 0.5, eps: 1e-3 }),
    ];
    const r = await agree(
      dtype,
      () => adam(1e-2),
      edits.map((edit) => ({ layout: MLP, edit })),
    );
    expect(r.traces).toBe(1);
    expect(r.replays).toBe(3);
  });

  it('follows a learning-rate schedule (new scalars every step, one trace)', async () => {
    const r = await agree(
      dtype,
      () => sgd((t) => 0.1 / (1 + t), { momentum: 0.9 }),
      repeat(5, () => STEP[0]),
    );
    expect(r.traces).toBe(1);
    expect(r.replays).toBe(4);
  });

  it('traces again when a hyperparameter change changes the math (epsRoot from 0)', async () => {
    const r = await agree(dtype, () => adam(1e-2), [
      { layout: MLP },
      { layout: MLP },
      { layout: MLP, edit: (s) => setHyperparams(s, { epsRoot: 1e-4 }) },
      { layout: MLP },
    ]);
    expect(r.traces).toBe(2);
    expect(r.replays).toBe(2);
  });

  it('traces again when a mask selects other parameters', async () => {
    let selected = ['w1', 'w2'];
    const make = () =>
      chain(
        masked(addDecayedWeights(0.1), (name: string) => selected.includes(name)),
        scaleByAdam(),
        scaleByLearningRate(1e-2),
      );
    const steps = repeat(6, (i) => ({
      layout: MLP,
      edit: (s: OptState) => {
        selected = i < 2 ? ['w1', 'w2'] : i < 4 ? ['w1', 'b1'] : ['b2'];
        return s;
      },
    }));
    const r = await agree(dtype, make, steps);
    expect(r.traces).toBe(3);
    expect(r.replays).toBe(3);
  });

  it('traces again when the tree changes: names, shapes, a parameter more, the dtype', async () => {
    const other: DType = dtype === 'float64' ? 'float32' : 'float64';
    const r = await agree(dtype, () => adam(1e-2), [
      { layout: MLP },
      { layout: MLP },
      { layout: { b1: [4], b2: [3], v1: [5, 4], w2: [4, 3] } },
      { layout: { b1: [4], b2: [3], w1: [4, 5], w2: [4, 3] } },
      { layout: { ...MLP, x: [2] } },
      { layout: MLP, dtype: other },
      { layout: MLP, dtype: other },
      { layout: MLP },
    ]);
    // renamed leaves of the same shapes run the same programs (a replay: the names are not in the
    // math; a mask by name would change the calls, see above); new shapes, a new leaf and another
    // dtype are traced; a layout seen before comes back replayed (a few are kept per transformation)
    expect(r.traces).toBe(4);
    expect(r.replays).toBe(4);
  });

  it('traces again when the same calls place their results elsewhere (the state slots swapped on odd steps)', async () => {
    // a transformation written from the public helpers, as a plugin would be: two traces of g
    // whose slots trade places every other step, with the very same calls each step
    const swapping = (): GradientTransformation<OptState> => ({
      name: 'swapping',
      init: (params) => ({ count: 0, a: zerosLike(params), c: zerosLike(params) }),
      update(grads, state) {
        const count = stateNumber(state, 'count', 'swapping') + 1;
        const [u, x, y] = mapTreesN(3, [grads, stateTree(state, 'a', 'swapping'), stateTree(state, 'c', 'swapping')], ([g, a, c]) => {
          const k = g.backend;
          const a2 = k.add(k.mul(a, 0.5), g);
          const c2 = k.add(k.mul(c, 0.25), k.mul(g, 2));
          return [k.mul(k.add(a2, k.mul(c2, 0.1)), -0.01), a2, c2];
        });
        return [u, count % 2 === 1 ? { count, a: x, c: y } : { count, a: y, c: x }];
      },
    });
    const r = await agree(
      dtype,
      swapping,
      repeat(6, () => STEP[0]),
    );
    expect(r.traces).toBe(2);
    expect(r.replays).toBe(4);
  });

  it('replays steps that take turns (lookahead, synchronising every third step) once each kind is recorded', async () => {
    const r = await agree(
      dtype,
      () => lookahead(adam(1e-2), { syncPeriod: 3, slowStepSize: 0.5 }),
      repeat(9, () => STEP[0]),
    );
    expect(r.traces).toBeLessThanOrEqual(3);
    expect(r.replays).toBe(9 - r.traces);
  });

  it('never replays a step with a reduction (clipByGlobalNorm), and stays right', async () => {
    const r = await agree(
      dtype,
      () => chain(clipByGlobalNorm(0.5), scaleByAdam(), scaleByLearningRate(1e-2)),
      repeat(3, () => STEP[0]),
    );
    expect(r.replays).toBe(0);
    expect(r.traces).toBe(3);
  });
});
