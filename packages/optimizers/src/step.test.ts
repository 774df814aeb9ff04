import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { applyUpdates } from './apply-updates.js';
import { chain } from './chain.js';
import { adam } from './optimizers/adam.js';
import { adamw } from './optimizers/adamw.js';
import { sgd } from './optimizers/sgd.js';
import { step } from './step.js';
import { scaleByAdam } from './transforms/scale-by-adam.js';
import { scaleByLearningRate } from './transforms/scale-by-learning-rate.js';
import { traceMomentum } from './transforms/trace-momentum.js';
import { stateTensors } from './tree.js';
import type { GradientTransformation, OptState, Params } from './types.js';

const b = cpu();
const mk = () => ({ w: b.tensor([1, -2, 3], [3], 'float64'), n: { v: b.tensor([0.5, 0.25], [2], 'float64') } });
const gr = () => ({ w: b.tensor([0.1, 0.2, -0.3], [3], 'float64'), n: { v: b.tensor([-1, 1], [2], 'float64') } });
const host = (t: unknown) => Array.from(b.readSync(t as never));

describe('step', () => {
  it('in place on the fused path: same handles, updated values, old state released, results survive scopes', () => {
    const tx = adam(0.1);
    let params: Params = mk();
    const w = params.w;
    let state: OptState = tx.init(params);
    const g = gr();
    const oldState = stateTensors(state);
    const out = b.scope(() => step(tx, params, g, state, { inPlace: true }));
    expect(out.path).toBe('fused');
    expect(out.params.w).toBe(w);
    expect(host(w)[0]).toBeCloseTo(0.9, 6);
    // Adam's moments are updated in place too: the same handles are kept.
    expect(oldState.every((t) => !t.disposed)).toBe(true);
    ({ params, state } = out);
    expect(stateTensors([params, state] as never).every((t) => !t.disposed)).toBe(true);
    b.dispose(stateTensors([params, state, g] as never));
  });

  it('in place on the composed path: same parameter handles; replaced state released', () => {
    const tx = sgd(0.1, { momentum: 0.9 });
    const params: Params = mk();
    const w = params.w;
    const state = tx.init(params);
    const g = gr();
    const oldTrace = stateTensors(state);
    const out = step(tx, params, g, state, { inPlace: true, fused: false });
    expect(out.path).toBe('composed');
    expect(out.params.w).toBe(w);
    expect(host(w)).toEqual([1 - 0.01, -2 - 0.02, 3 + 0.03]);
    expect(oldTrace.every((t) => t.disposed)).toBe(true);
    expect(g.w.disposed).toBe(false);
    b.dispose(stateTensors([out.params, out.state, g] as never));
  });

  it('in place: a state tensor replaced by a number is released (the in-place shortcut sees the change)', () => {
    // a transformation whose state holds a tensor in a record at first and a plain number after
    type S = { x: { t: Tensor } | number };
    const tx: GradientTransformation<S> = {
      init: () => ({ x: { t: b.tensor([1], [1], 'float64') } }),
      update: (grads) => [grads, { x: 0 }],
    };
    const params: Params = mk();
    const state = tx.init(params);
    const held = (state.x as { t: Tensor }).t;
    const g = gr();
    const out = step(tx, params, g, state, { inPlace: true, fused: false });
    expect(out.state).toEqual({ x: 0 });
    expect(held.disposed).toBe(true);
    b.dispose(stateTensors([out.params, g] as never));
  });

  it('pure by default: inputs stay alive and unchanged, results are new', () => {
    const tx = adamw(0.1, { weightDecay: 0.1 });
    const params = mk();
    const state = tx.init(params);
    const g = gr();
    for (const fused of [true, false]) {
      const out = step(tx, params, g, state, { fused });
      expect(out.params.w).not.toBe(params.w);
      expect(host(params.w)).toEqual([1, -2, 3]);
      expect(stateTensors(state).every((t) => !t.disposed && host(t).every((x) => x === 0))).toBe(true);
      b.dispose(stateTensors([out.params, out.state] as never));
    }
    b.dispose(stateTensors([params, state, g] as never));
  });

  it('an empty tree still advances the state', () => {
    const tx = adam(0.1);
    const out = step(tx, {}, {}, tx.init({}));
    expect((out.state as { count: number }).count).toBe(1);
  });
});

describe('chain', () => {
  it('equals the named optimizer it composes (optax-style equivalence) and releases intermediates', () => {
    const a = adam(0.05, { b2: 0.99 });
    const c = chain(scaleByAdam({ b2: 0.99 }), scaleByLearningRate(0.05));
    let pa: Params = mk();
    let pc: Params = mk();
    let sa: OptState = a.init(pa);
    let sc: OptState = c.init(pc);
    const live = () => b.memory().tensors;
    for (let i = 0; i < 5; i++) {
      const g1 = gr();
      const g2 = gr();
      ({ params: pa, state: sa } = step(a, pa, g1, sa, { inPlace: true, fused: false }));
      const before = live();
      ({ params: pc, state: sc } = step(c, pc, g2, sc, { inPlace: true }));
      expect(live()).toBe(before);
      b.dispose(stateTensors([g1, g2] as never));
    }
    expect(host(pc.w)).toEqual(host(pa.w));
    b.dispose(stateTensors([pa, pc, sa, sc] as never));
  });

  it('releases the intermediate updates of a direct update call, keeping the states', () => {
    const c = chain(traceMomentum(0.9), scaleByLearningRate(0.1));
    const params = mk();
    const state = c.init(params);
    const g = gr();
    const live = b.memory().tensors;
    const [u, next] = c.update(g, state, params);
    // New: two update leaves and two trace leaves; the trace's update aliases were released.
    expect(b.memory().tensors).toBe(live + 4);
    host((u as { w: unknown }).w).forEach((x, i) => expect(x).toBeCloseTo([-0.01, -0.02, 0.03][i], 15));
    b.dispose(stateTensors([params, state, g, u, next] as never));
  });
});

describe('applyUpdates', () => {
  it('adds updates, casting them to the parameter dtype', () => {
    const p = { w: b.tensor([1, 2], [2], 'float64') };
    const u = { w: b.tensor([0.5, 0.25], [2], 'float32') };
    const out = applyUpdates(p, u);
    expect((out.w as { dtype: string }).dtype).toBe('float64');
    expect(host(out.w)).toEqual([1.5, 2.25]);
    b.dispose(stateTensors([p, u, out] as never));
  });
});
