/**
 * Parameter groups with their own hyperparameters: a write that names no group is refused (it
 * used to change the first group only, silently); groups are addressed by name.
 */
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { AmbiguousHyperparameterError, hyperparamGroups, setHyperparams } from '../inject-hyperparams.js';
import { adam } from '../optimizers/adam.js';
import { adamw } from '../optimizers/adamw.js';
import { Optimizer } from '../stateful/optimizer.js';
import { deserializeState, serializeState } from '../stateful/state-format.js';
import type { Params } from '../types.js';
import { multiTransform } from './multi-transform.js';

const b = cpu();
const params = () => ({ dense: { kernel: b.tensor([1, 2], [2], 'float64'), bias: b.tensor([0.5], [1], 'float64') } });
const grads = () => ({ dense: { kernel: b.tensor([0.1, -0.2], [2], 'float64'), bias: b.tensor([0.3], [1], 'float64') } });
const grouped = () =>
  multiTransform({ decay: adamw(0.1, { weightDecay: 0.01 }), noDecay: adam(0.1) }, { noDecay: '**.bias' }, { default: 'decay' });

describe('hyperparameters of parameter groups', () => {
  it('opt.hyperparams.lr = 1 is refused with a typed error naming the groups, and changes nothing', () => {
    const opt = new Optimizer(grouped(), params());
    expect(() => {
      opt.hyperparams.lr = 1;
    }).toThrow(AmbiguousHyperparameterError);
    expect(() => opt.hyperparams.lr).toThrow(/'decay', 'noDecay'/);
    expect(hyperparamGroups(opt.state as never)).toMatchObject({ decay: { lr: 0.1 }, noDecay: { lr: 0.1 } });
  });

  it('opt.hyperparams.groups.decay.lr changes that group only', () => {
    const opt = new Optimizer(grouped(), params());
    opt.hyperparams.groups.decay.lr = 1;
    expect(opt.hyperparams.groups.decay.lr).toBe(1);
    expect(opt.hyperparams.groups.noDecay.lr).toBe(0.1);
    expect(Object.keys(opt.hyperparams.groups)).toEqual(['decay', 'noDecay']);
  });

  it('setHyperparams needs { group } for a grouped state, and takes it', () => {
    const state = grouped().init(params());
    expect(() => setHyperparams(state, { lr: 1 })).toThrow(AmbiguousHyperparameterError);
    const next = setHyperparams(state, { lr: 1 }, { group: 'noDecay' });
    expect(hyperparamGroups(next)).toMatchObject({ decay: { lr: 0.1 }, noDecay: { lr: 1 } });
    expect(() => setHyperparams(state, { lr: 1 }, { group: 'nope' })).toThrow(/no parameter group 'nope'/);
  });

  it('an optimizer without groups reads and writes as before; a grouped one saves and loads', async () => {
    const single = new Optimizer(adam(0.1), params());
    single.hyperparams.lr = 0.5;
    expect(single.hyperparams.lr).toBe(0.5);
    const opt = new Optimizer(grouped(), params());
    opt.hyperparams.groups.decay.lr = 0.2;
    let p: Params = params();
    p = opt.step(p, grads());
    const dict = await opt.stateDict();
    expect(dict.hyperparams).toMatchObject({ 'decay.lr': 0.2, 'noDecay.lr': 0.1 });
    const again = new Optimizer(grouped(), params());
    again.loadStateDict(deserializeState(serializeState(dict)));
    expect(again.hyperparams.groups.decay.lr).toBe(0.2);
  });
});
