import { InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { withHyperparams } from '../inject-hyperparams.js';
import { registerOptimizer, unregisterOptimizer } from '../plugins/registry.js';
import { step } from '../step.js';
import { flatten, releaseReplaced } from '../tree.js';
import type { Params } from '../types.js';
import { momentumToy, scaleToy, tree, values } from '../wrappers/__fixtures__/toy.js';
import { Optimizer } from './optimizer.js';
import { StateMismatchError, deserializeState, serializeState, type OptimizerStateDict } from './state-format.js';

const b = cpu();
/** Momentum SGD with its learning rate injected into the state. */
const toySgd = (lr: number) => withHyperparams('toySgd', { lr }, (h) => momentumToy(h.lr, 0.9));
const params = (dtype: 'float32' | 'float64' = 'float32') =>
  tree(
    b,
    {
      'dense.kernel': [
        [0.5, -1.25, 2, 0.1],
        [2, 2],
      ],
      'dense.bias': [0.3, -0.7],
      out: [1.1],
    },
    dtype,
  );
const treeOf = (entries: [string, Tensor][]) => {
  const r: Record<string, unknown> = {};
  for (const [n, t] of entries) {
    const parts = n.split('.');
    let node = r;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = t;
  }
  return r as Params;
};
/** Gradients of ½‖p − target‖² with a step-dependent target, so runs do not settle. */
const gradsOf = (p: Params, t: number) => treeOf(flatten(p).map(([n, x]) => [n, b.sub(x, Math.sin(t + n.length))]));
const bits = (p: Params) => Object.fromEntries(flatten(p).map(([n, x]) => [n, [...new Uint8Array(b.readSync(x).buffer.slice(0))]]));

function train(opt: Optimizer, p: Params, from: number, to: number): Params {
  for (let t = from; t < to; t++) {
    const g = gradsOf(p, t);
    p = opt.step(p, g);
    b.dispose(flatten(g).map(([, x]) => x));
  }
  return p;
}

afterEach(() => {
  unregisterOptimizer('toy-sgd');
});

describe('Optimizer.step', () => {
  it('gives the values of the functional step and counts steps', () => {
    const p = params('float64');
    const g = gradsOf(p, 0);
    const expected = values(step(toySgd(0.1), p, g, toySgd(0.1).init(p)).params);
    const opt = new Optimizer(toySgd(0.1), p);
    const next = opt.step(p, g);
    expect(values(next)).toEqual(expected);
    expect(opt.stepCount).toBe(1);
  });

  it('consumes the parameters it is given: the old handles are released or come back updated', () => {
    const p = params();
    const old = flatten(p).map(([, t]) => t);
    const opt = new Optimizer(toySgd(0.1), p);
    const next = opt.step(p, gradsOf(p, 0));
    flatten(next).forEach(([, t], i) => expect(t === old[i] || old[i].disposed).toBe(true));
  });

  it('keeps the live tensor count flat over a run', () => {
    let p = params();
    const opt = new Optimizer(toySgd(0.1), p);
    p = train(opt, p, 0, 2);
    const n = b.memory().tensors;
    p = train(opt, p, 2, 12);
    expect(b.memory().tensors).toBe(n);
  });

  it('a failed step changes nothing: parameters, state and step count', () => {
    const p = params();
    const opt = new Optimizer(toySgd(0.1), p);
    const p1 = opt.step(p, gradsOf(p, 0));
    const state = opt.state;
    const before = values(p1);
    const bad = tree(
      b,
      {
        'dense.kernel': [
          [1, 2, 3, 4],
          [4, 1],
        ],
        'dense.bias': [1, 1],
        out: [1],
      },
      'float32',
    );
    expect(() => opt.step(p1, bad)).toThrow(ShapeError);
    expect(() => opt.step(p1, tree(b, { out: [1] }, 'float32'))).toThrow(/missing from the gradient tree/);
    expect(opt.state).toBe(state);
    expect(opt.stepCount).toBe(1);
    expect(values(p1)).toEqual(before);
  });

  it('is made from a registered name with { name, lr, ...options }', () => {
    registerOptimizer('toy-sgd', ({ lr }) => toySgd(lr as number));
    const p = params();
    const opt = new Optimizer({ name: 'toy-sgd', lr: 0.25 }, p);
    expect(opt.name).toBe('toy-sgd');
    expect(opt.hyperparams.lr).toBe(0.25);
    expect(() => new Optimizer('toy-sgd' as never, p)).toThrow(/give the options with the name/);
    expect(() => new Optimizer(42 as never, p)).toThrow(InvalidArgumentError);
  });
});

describe('Optimizer.hyperparams', () => {
  it('reads and sets injected hyperparameters mid-training', () => {
    let p = params('float64');
    // the gradient: 1 on `out`, 0 elsewhere
    const grads = () =>
      tree(
        b,
        {
          'dense.kernel': [
            [0, 0, 0, 0],
            [2, 2],
          ],
          'dense.bias': [0, 0],
          out: [1],
        },
        'float64',
      );
    const opt = new Optimizer(toySgd(0.1), p);
    expect(opt.hyperparams.lr).toBe(0.1);
    expect({ ...opt.hyperparams }).toEqual({ lr: 0.1 });
    expect('lr' in opt.hyperparams).toBe(true);
    p = opt.step(p, grads());
    expect(values(p).out[0]).toBeCloseTo(1.1 - 0.1, 14);
    opt.hyperparams.lr = 0.5;
    expect(opt.hyperparams.lr).toBe(0.5);
    // momentum 0.9: trace = 0.9·1 + 1 = 1.9; step of 0.5·1.9
    p = opt.step(p, grads());
    expect(values(p).out[0]).toBeCloseTo(1.0 - 0.95, 14);
  });

  it('refuses unknown names and out-of-range values, and changes nothing', () => {
    const opt = new Optimizer(toySgd(0.1), params());
    const state = opt.state;
    expect(() => (opt.hyperparams.momentum = 0.5)).toThrow(/no hyperparameter 'momentum'/);
    expect(() => (opt.hyperparams.lr = -1)).toThrow(InvalidArgumentError);
    expect(() => delete opt.hyperparams.lr).toThrow(InvalidArgumentError);
    expect(opt.state).toBe(state);
    expect(opt.hyperparams.lr).toBe(0.1);
  });

  it('says how to get hyperparameters when the transformation holds none', () => {
    const opt = new Optimizer(momentumToy(0.1), params());
    expect(opt.hyperparams.lr).toBeUndefined();
    expect(Object.keys(opt.hyperparams)).toEqual([]);
    expect(() => (opt.hyperparams.lr = 0.5)).toThrow(/injectHyperparams/);
  });
});

describe('Optimizer.stateDict / loadStateDict', () => {
  it('writes the documented format, keyed by parameter name', async () => {
    const p = params();
    const opt = new Optimizer(toySgd(0.1), p);
    opt.step(p, gradsOf(p, 0));
    const dict = await opt.stateDict();
    expect(dict).toMatchObject({ format: 'downhill-optimizer-state', version: 1, optimizer: 'toySgd', hyperparams: { lr: 0.1 }, step: 1 });
    expect(dict.params).toEqual({
      'dense.bias': { dtype: 'float32', shape: [2] },
      'dense.kernel': { dtype: 'float32', shape: [2, 2] },
      out: { dtype: 'float32', shape: [1] },
    });
    const inner = (dict.state as { inner: { trace: { dense: { kernel: unknown } } } }).inner;
    expect(inner.trace.dense.kernel).toMatchObject({ $tensor: { dtype: 'float32', shape: [2, 2] } });
    expect(JSON.parse(serializeState(dict))).toEqual(dict);
  });

  it.each(['float32', 'float64'] as const)('a save and load mid-run continues bitwise identically (%s)', async (dtype) => {
    const ref = new Optimizer(toySgd(0.05), params(dtype));
    const pRef = train(ref, params(dtype), 0, 10);

    const a = new Optimizer(toySgd(0.05), params(dtype));
    let pA = train(a, params(dtype), 0, 5);
    a.hyperparams.lr = 0.05; // an override survives the round trip too
    const text = serializeState(await a.stateDict());
    // A fresh optimizer over the saved parameters, built with its keys in another order.
    const snapshot = flatten(pA)
      .reverse()
      .map(([n, t]) => [n, b.tensor(b.readSync(t), t.shape, t.dtype)] as [string, Tensor]);
    const pB0 = treeOf(snapshot);
    const bOpt = new Optimizer(toySgd(123), pB0);
    bOpt.loadStateDict(deserializeState(text));
    expect(bOpt.stepCount).toBe(5);
    expect(bOpt.hyperparams.lr).toBe(0.05);
    const pB = train(bOpt, pB0, 5, 10);
    pA = train(a, pA, 5, 10);
    expect(bits(pB)).toEqual(bits(pRef));
    expect(bits(pA)).toEqual(bits(pRef));
  });

  it('does not depend on the key order of the saved JSON', async () => {
    const p = params();
    const a = new Optimizer(toySgd(0.1), p);
    const p1 = a.step(p, gradsOf(p, 0));
    const dict = await a.stateDict();
    const reorder = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reorder)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, k === '$tensor' ? x : reorder(x)]),
            )
          : v;
    const other = new Optimizer(toySgd(0.1), p1);
    other.loadStateDict(reorder(dict) as OptimizerStateDict);
    expect(await other.stateDict()).toEqual(dict);
  });

  describe('strict loading of state saved for other parameters', () => {
    async function savedFor(spec: Record<string, number[] | [number[], number[]]>): Promise<OptimizerStateDict> {
      const p = tree(b, spec, 'float32');
      const o = new Optimizer(toySgd(0.1), p);
      o.step(p, treeOf(flatten(p).map(([n, t]) => [n, b.ones(t.shape)])));
      return o.stateDict();
    }
    const here = {
      'dense.kernel': [
        [1, 2, 3, 4],
        [2, 2],
      ],
      'dense.bias': [1, 2],
      out: [1],
    } as Record<string, number[] | [number[], number[]]>;
    it.each([
      [
        'a missing parameter',
        {
          'dense.kernel': [
            [1, 2, 3, 4],
            [2, 2],
          ],
          'dense.bias': [1, 2],
        },
        /parameter 'out' \(float32 \[1\]\) has no saved state/,
      ],
      ['an extra parameter', { ...here, head: [1, 2, 3] }, /saved for a parameter 'head' that this optimizer does not have/],
      [
        'a mis-shaped parameter',
        { ...here, 'dense.bias': [1, 2, 3] },
        /parameter 'dense.bias' is float32 \[2\] here but the state was saved for float32 \[3\]/,
      ],
    ])('%s is a StateMismatchError naming it, and the optimizer is unchanged', async (_, spec, message) => {
      const dict = await savedFor(spec as never);
      const p = tree(b, here, 'float32');
      const opt = new Optimizer(toySgd(0.1), p);
      const state = opt.state;
      const n = b.memory().tensors;
      expect(() => opt.loadStateDict(dict)).toThrow(StateMismatchError);
      expect(() => opt.loadStateDict(dict)).toThrow(message);
      expect(opt.state).toBe(state);
      expect(opt.stepCount).toBe(0);
      expect(b.memory().tensors).toBe(n);
    });

    it('names the state entry and its parameter when the manifest agrees but the state does not', async () => {
      const dict = await savedFor(here);
      const tampered = structuredClone(dict) as { state: { inner: { trace: { dense: { bias: unknown } } } } } & OptimizerStateDict;
      tampered.state.inner.trace.dense.bias = { $tensor: { dtype: 'float32', shape: [1], data: 'AACAPw==' } };
      const opt = new Optimizer(toySgd(0.1), tree(b, here, 'float32'));
      expect(() => opt.loadStateDict(tampered)).toThrow(
        /'inner.trace.dense.bias' \(parameter 'dense.bias'\) is float32 \[1\] in the saved state but float32 \[2\] here/,
      );
    });

    it('refuses state saved by another optimizer unless not strict', async () => {
      const dict = await savedFor(here);
      const opt = new Optimizer(toySgd(0.1), tree(b, here, 'float32'), { name: 'other' });
      expect(() => opt.loadStateDict(dict)).toThrow(/saved by optimizer 'toySgd', this is 'other'/);
      opt.loadStateDict(dict, { strict: false });
      expect(opt.stepCount).toBe(1);
    });

    it('with strict: false, loads what matches and keeps the rest', async () => {
      const dict = await savedFor({
        'dense.kernel': [
          [1, 2, 3, 4],
          [2, 2],
        ],
        head: [1],
      });
      const opt = new Optimizer(toySgd(0.1), tree(b, here, 'float32'));
      opt.loadStateDict(dict, { strict: false });
      const trace = (opt.state as unknown as { inner: { trace: Params } }).inner.trace;
      expect(values(trace)).toEqual({ 'dense.bias': [0, 0], 'dense.kernel': [1, 1, 1, 1], out: [0] });
      // mis-shaped entries stay errors
      const bad = await savedFor({
        'dense.kernel': [
          [1, 2, 3],
          [3, 1],
        ],
      });
      expect(() => opt.loadStateDict(bad, { strict: false })).toThrow(/'dense.kernel'/);
    });
  });

  it('keeps its state tensors alive across the caller’s scopes, and dispose releases them', () => {
    const p = params();
    const opt = b.scope(() => new Optimizer(toySgd(0.1), p));
    const trace = (opt.state as unknown as { inner: { trace: Params } }).inner.trace;
    expect(flatten(trace).every(([, t]) => !t.disposed)).toBe(true);
    opt.dispose();
    expect(flatten(trace).every(([, t]) => t.disposed)).toBe(true);
    releaseReplaced(undefined, undefined);
    expect(scaleToy(1).init(p)).toEqual({ count: 0 });
  });
});
