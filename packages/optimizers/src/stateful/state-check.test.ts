/**
 * A state file is checked field by field before anything loads: counters, hyperparameters, the
 * header's step and hyperparameters against the state, unknown fields, parameter specs.
 */
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { adam } from '../optimizers/adam.js';
import { sgd } from '../optimizers/sgd.js';
import { chain } from '../chain.js';
import { clipByGlobalNorm } from '../transforms/clip-by-global-norm.js';
import { Optimizer } from './optimizer.js';
import type { GradientTransformation, Params } from '../types.js';
import { StateMismatchError, deserializeState, serializeState, type OptimizerStateDict } from './state-format.js';

const b = cpu();
const params = () => ({ w: b.tensor([1, -2, 3], [3], 'float64') });
const grads = () => ({ w: b.tensor([0.1, 0.2, -0.3], [3], 'float64') });

/** A state file after two Adam steps, as JSON data to edit. */
async function saved(make: () => GradientTransformation<any> = () => adam(0.1)): Promise<Record<string, any>> {
  const opt = new Optimizer(make(), params());
  let p: Params = params();
  for (let i = 0; i < 2; i++) p = opt.step(p, grads());
  return JSON.parse(serializeState(await opt.stateDict()));
}

/** Loads edited data into a fresh optimizer; returns the error, and checks that nothing changed. */
function load(data: unknown, make: () => GradientTransformation<any> = () => adam(0.1)): unknown {
  const opt = new Optimizer(make(), params());
  const before = JSON.stringify(opt.state, (_, v) =>
    v && typeof v === 'object' && 'dtype' in v && 'shape' in v ? Array.from(b.readSync(v)) : v,
  );
  const tensors = b.memory().tensors;
  try {
    opt.loadStateDict(deserializeState(JSON.stringify(data)));
  } catch (e) {
    expect(
      JSON.stringify(opt.state, (_, v) => (v && typeof v === 'object' && 'dtype' in v && 'shape' in v ? Array.from(b.readSync(v)) : v)),
    ).toBe(before);
    expect(opt.stepCount).toBe(0);
    expect(b.memory().tensors).toBe(tensors);
    return e;
  }
  return undefined;
}

describe('loadStateDict checks every field of a state file', () => {
  it('loads an untouched file', async () => {
    expect(load(await saved())).toBeUndefined();
  });

  it.each<[string, (d: Record<string, any>) => void, RegExp]>([
    ['a negative count', (d) => (d.state.count = -5), /'count' is a counter and must be a non-negative integer, got -5/],
    ['a fractional count', (d) => (d.state.inner[0].count = 1.5), /'inner\.0\.count' is a counter .* got 1\.5/],
    ['an inner count above the step', (d) => (d.state.inner[0].count = 7), /'inner\.0\.count' counts 7 updates, more than the 2 steps/],
    ['a step that disagrees with the state', (d) => (d.step = 5), /the file says 5 steps were taken, but the state's count is 2/],
    [
      'a hyperparameter out of range in the state',
      (d) => (d.state.hyperparams.b1 = 1.5),
      /hyperparameter 'b1' must be in \[0, 1\), got 1\.5/,
    ],
    [
      'header hyperparams that are not the state',
      (d) => (d.hyperparams.lr = 0.5),
      /the file's hyperparams \{ lr: 0\.5.* are not those its state holds \{ lr: 0\.1/,
    ],
    ['an overridden name that is not a hyperparameter', (d) => (d.state.overridden = ['nope']), /'overridden' names "nope"/],
    ['an unknown top-level field', (d) => (d.extra = 1), /unknown field 'extra'/],
    ['an optimizer name that is not a string', (d) => (d.optimizer = 3), /'optimizer' must be the optimizer's name/],
    ['a header hyperparameter that is not a number', (d) => (d.hyperparams.lr = 'fast'), /hyperparameter 'lr' must be a finite number/],
    ['a parameter shape with a negative size', (d) => (d.params.w.shape = [-3]), /parameter 'w' must be described as \{ dtype, shape \}/],
  ])('rejects %s with StateMismatchError and changes nothing', async (_, edit, message) => {
    const d = await saved();
    edit(d);
    const e = load(d);
    expect(e).toBeInstanceOf(StateMismatchError);
    expect((e as Error).message).toMatch(message);
  });

  it('checks counters inside composite states too (a chain, SGD without injected count at the root)', async () => {
    const make = () => chain(clipByGlobalNorm(1), adam(0.1));
    const d = await saved(make);
    d.state[1].count = -1;
    expect(load(d, make)).toBeInstanceOf(StateMismatchError);
    const s = await saved(() => sgd(0.1, { momentum: 0.9 }));
    s.state.count = 3;
    expect(load(s, () => sgd(0.1, { momentum: 0.9 }))).toBeInstanceOf(StateMismatchError);
  });

  it('a file that fails its checks leaves a trained optimizer as it was', async () => {
    const opt = new Optimizer(adam(0.1), params());
    let p: Params = params();
    p = opt.step(p, grads());
    const good = await opt.stateDict();
    const bad = JSON.parse(JSON.stringify(good)) as OptimizerStateDict & { state: { count: number } };
    (bad.state as { count: number }).count = -5;
    expect(() => opt.loadStateDict(bad)).toThrow(StateMismatchError);
    expect(opt.stepCount).toBe(1);
    expect(JSON.stringify(await opt.stateDict())).toBe(JSON.stringify(good));
  });
});
