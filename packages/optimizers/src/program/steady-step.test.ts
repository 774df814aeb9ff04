// Steady steps: a replayed step of a transformation that declares its host side (`hostStep`) skips
// `update`. Checked here: the values (against Adam written out in float64, and against the
// composed path, which runs `update` with real tensors) through every change the step cache
// follows; when steps go steady (two agreements of the declaration with `update` first, again
// after any change); and that a declaration that lies, or a transformation that declares nothing,
// never goes steady and stays right.
import type { DType, Tensor } from '@downhill/backend';
import { describe, expect, it } from 'vitest';
import { chain } from '../chain.js';
import { setHyperparams } from '../inject-hyperparams.js';
import { adabelief } from '../optimizers/adabelief.js';
import { adam } from '../optimizers/adam.js';
import { rmsprop } from '../optimizers/rmsprop.js';
import { sgd } from '../optimizers/sgd.js';
import { adamw } from '../optimizers/adamw.js';
import { step } from '../step.js';
import { addDecayedWeights } from '../transforms/add-decayed-weights.js';
import { scaleByAdam } from '../transforms/scale-by-adam.js';
import { scaleByLearningRate } from '../transforms/scale-by-learning-rate.js';
import { mapTrees, stateNumber } from '../tree.js';
import type { GradientTransformation, HostStepContext, OptState, Params } from '../types.js';
import { masked } from '../wrappers/masked.js';
import { agree, tree, type CacheStep, expectClose, host, MLP, since, values } from './test/cache-agreement.js';
import { stepCacheStats } from './fused-step.js';

const times = (n: number, s: (i: number) => CacheStep): CacheStep[] => Array.from({ length: n }, (_, i) => s(i));

describe.each(['float64', 'float32'] as const)('steady steps on cpu, %s', (dtype) => {
  it('skip update from the third step of Adam, and match Adam written out in float64', async () => {
    const before = stepCacheStats();
    const tx = adam(1e-2, { b1: 0.8, b2: 0.95, eps: 1e-6 });
    const n = { a: 5, b: 3 };
    let p: Params = tree({ a: [5], b: [3] }, 3, dtype);
    let s = tx.init(p);
    const ref = Object.fromEntries(
      Object.entries(n).map(([k, len], i) => [k, { w: values(len, 3 + 17 * i), m: new Array(len).fill(0), v: new Array(len).fill(0) }]),
    );
    for (let t = 1; t <= 8; t++) {
      const g = tree({ a: [5], b: [3] }, 40 + t, dtype);
      const gv = await host(g);
      ({ params: p, state: s } = step(tx, p, g, s, { inPlace: true }));
      for (const [k, r] of Object.entries(ref)) {
        for (let i = 0; i < r.w.length; i++) {
          const gi = gv[k][i];
          r.m[i] = 0.8 * r.m[i] + 0.2 * gi;
          r.v[i] = 0.95 * r.v[i] + 0.05 * gi * gi;
          r.w[i] -= (1e-2 * (r.m[i] / (1 - 0.8 ** t))) / (Math.sqrt(r.v[i] / (1 - 0.95 ** t)) + 1e-6);
        }
      }
      expectClose(await host(p as Record<string, Tensor>), { a: ref.a.w, b: ref.b.w }, dtype === 'float64' ? 1e-12 : 1e-5);
    }
    // step 1 traced, step 2 a checked replay (the declaration agrees twice), steps 3 to 8 steady
    expect(since(before)).toEqual({ traces: 1, replays: 7, steady: 6 });
    expect((s as { count: number }).count).toBe(8);
    const [adamState, lrState] = (s as { inner: unknown }).inner as [{ count: number }, unknown];
    expect(adamState.count).toBe(8);
    expect(lrState).toEqual({});
  });

  it('leave the inputs of a pure call untouched', async () => {
    const tx = adam(1e-2);
    let p: Params = tree(MLP, 1, dtype);
    let s = tx.init(p);
    for (let t = 0; t < 4; t++) ({ params: p, state: s } = step(tx, p, tree(MLP, 50 + t, dtype), s));
    const before = stepCacheStats();
    const kept = await host(p as Record<string, Tensor>);
    const r = step(tx, p, tree(MLP, 60, dtype), s);
    expect(since(before).steady).toBe(1);
    expect(await host(p as Record<string, Tensor>)).toEqual(kept);
    expect(r.params).not.toBe(p);
  });

  it('follow hyperparameters set by hand: checked again after each change, then steady', async () => {
    const edits: Record<number, (s: OptState) => OptState> = {
      4: (s) => setHyperparams(s, { lr: 0.3 }),
      7: (s) => setHyperparams(s, { b1: 0.5, eps: 1e-3 }),
    };
    const r = await agree(
      dtype,
      () => adam(1e-2),
      times(10, (i) => ({ layout: MLP, edit: edits[i] })),
    );
    // steady: steps 2, 3 (0-based), then 6 after the change at 4 was checked twice (4, 5), then 9
    expect(r).toEqual({ traces: 1, replays: 9, steady: 4 });
  });

  it('trace again when a change changes the math (epsRoot from 0), and go steady on the new programs', async () => {
    const r = await agree(
      dtype,
      () => adam(1e-2),
      times(7, (i) => ({ layout: MLP, edit: i === 3 ? (s) => setHyperparams(s, { epsRoot: 1e-4 }) : undefined })),
    );
    expect(r).toEqual({ traces: 2, replays: 5, steady: 3 });
  });

  it('follow renamed and reshaped leaves, another dtype, and decoupled weight decay', async () => {
    const other: DType = dtype === 'float64' ? 'float32' : 'float64';
    const renamed = { b1: [4], b2: [3], v1: [5, 4], w2: [4, 3] };
    const r = await agree(dtype, () => adamw(1e-2, { weightDecay: 0.1 }), [
      ...times(3, () => ({ layout: MLP })),
      ...times(3, () => ({ layout: renamed })),
      ...times(3, () => ({ layout: { b1: [4], b2: [3], w1: [4, 5], w2: [4, 3] } })),
      ...times(3, () => ({ layout: MLP, dtype: other })),
    ]);
    // the renamed layout replays the same programs (checked twice, then steady); the others trace
    expect(r.traces).toBe(3);
    expect(r.steady).toBe(4);
  });

  it('go steady for AdaBelief and Nesterov Adam (declared by scaleByBelief and scaleByAdam)', async () => {
    for (const make of [() => adabelief(1e-2), () => adam(1e-2, { nesterov: true, amsgrad: true })]) {
      const r = await agree(
        dtype,
        make,
        times(5, () => ({ layout: MLP })),
      );
      expect(r).toEqual({ traces: 1, replays: 4, steady: 3 });
    }
  });

  it('go steady for SGD with momentum and RMSProp (declared by traceMomentum and scaleByRms)', async () => {
    for (const make of [
      () => sgd(1e-2, { momentum: 0.9 }),
      () => sgd(1e-2, { momentum: 0.9, nesterov: true, weightDecay: 0.1 }),
      () => sgd(1e-2, { momentum: 0.9, dampening: 0.2 }),
      () => rmsprop(1e-2),
      () => rmsprop(1e-2, { centered: true, momentum: 0.5 }),
    ]) {
      const r = await agree(
        dtype,
        make,
        times(5, () => ({ layout: MLP })),
      );
      expect(r).toEqual({ traces: 1, replays: 4, steady: 3 });
    }
  });

  it('never go steady where a part declares nothing (a mask by name), and stay right', async () => {
    const make = () =>
      chain(
        masked(addDecayedWeights(0.1), (name: string) => name.startsWith('w')),
        scaleByAdam(),
        scaleByLearningRate(1e-2),
      );
    const r = await agree(
      dtype,
      make,
      times(5, () => ({ layout: MLP })),
    );
    expect(r).toEqual({ traces: 1, replays: 4, steady: 0 });
  });

  it('never go steady on a declaration that disagrees with update, and stay right', async () => {
    // a learning-rate stage whose declaration names another number than the one it multiplies by
    const lying = (factor: number): GradientTransformation<{ count: number }> => ({
      name: 'lying',
      init: () => ({ count: 0 }),
      update: (grads, state) => [
        mapTrees([grads], ([g]) => g.backend.mul(g, -factor * (1 + stateNumber(state, 'count', 'lying')))),
        { count: state.count + 1 },
      ],
      hostStep(state: { count: number }, context: HostStepContext) {
        for (let i = 0; i < context.leaves; i++) context.literals.push(-factor);
        return { count: state.count + 1 };
      },
    });
    const r = await agree(
      dtype,
      () => chain(scaleByAdam(), lying(1e-2)),
      times(5, () => ({ layout: MLP })),
    );
    expect(r).toEqual({ traces: 1, replays: 4, steady: 0 });
  });

  it('never go steady on a declared state that differs from the one update returns', async () => {
    const offByOne: GradientTransformation<{ count: number }> = {
      name: 'offByOne',
      init: () => ({ count: 0 }),
      update: (grads, state) => [mapTrees([grads], ([g]) => g.backend.mul(g, -1e-2)), { count: state.count + 1 }],
      hostStep(state: { count: number }, context: HostStepContext) {
        for (let i = 0; i < context.leaves; i++) context.literals.push(-1e-2);
        return { count: state.count + 2 };
      },
    };
    const r = await agree(
      dtype,
      () => chain(scaleByAdam(), offByOne),
      times(5, () => ({ layout: MLP })),
    );
    expect(r).toEqual({ traces: 1, replays: 4, steady: 0 });
  });
});
