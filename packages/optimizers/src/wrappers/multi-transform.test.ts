import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { flatten } from '../tree.js';
import { multiTransform } from './multi-transform.js';
import { failingToy, momentumToy, scaleToy, tree, values } from './__fixtures__/toy.js';

const b = cpu();
const params = () => tree(b, { 'enc.kernel': [1, 2], 'enc.bias': [3], 'head.kernel': [4], 'head.bias': [5] });
const grads = () => tree(b, { 'enc.kernel': [1, -1], 'enc.bias': [2], 'head.kernel': [3], 'head.bias': [4] });

describe('multiTransform', () => {
  it.each([
    ['a pattern map', { noDecay: '**.bias', decay: '**' }, undefined],
    ['a pattern map with a default group', { noDecay: ['**.bias'] }, 'decay'],
    ['a label function', (name: string) => (name.endsWith('bias') ? 'noDecay' : 'decay'), undefined],
  ] as const)('applies each group its own transformation, by %s', (_, labels, fallback) => {
    const p = params();
    const tx = multiTransform({ decay: scaleToy(10), noDecay: scaleToy(-1) }, labels as never, { default: fallback });
    const s = tx.init(p);
    expect(s).toEqual({ decay: { count: 0 }, noDecay: { count: 0 } });
    const [u, s2] = tx.update(grads(), s, p);
    expect(values(u)).toEqual({ 'enc.bias': [-2], 'enc.kernel': [10, -10], 'head.bias': [-4], 'head.kernel': [30] });
    expect(s2).toEqual({ decay: { count: 1 }, noDecay: { count: 1 } });
  });

  it('takes the first group in key order whose patterns match', () => {
    const p = params();
    const tx = multiTransform({ a: scaleToy(1), b: scaleToy(2) }, { a: 'head.*', b: '**' });
    const [u] = tx.update(grads(), tx.init(p), p);
    expect(values(u)).toEqual({ 'enc.bias': [4], 'enc.kernel': [2, -2], 'head.bias': [4], 'head.kernel': [3] });
  });

  it("keeps each group's state for its own parameters only, keyed by full names", () => {
    const p = params();
    const tx = multiTransform({ enc: momentumToy(1), head: momentumToy(2) }, { enc: 'enc.*', head: 'head.*' });
    const s = tx.init(p);
    expect(flatten((s.enc as { trace: never }).trace).map(([n]) => n)).toEqual(['enc.bias', 'enc.kernel']);
    const [u, s2] = tx.update(grads(), s, p);
    expect(values(u)).toEqual({ 'enc.bias': [-2], 'enc.kernel': [-1, 1], 'head.bias': [-8], 'head.kernel': [-6] });
    expect(values((s2.head as { trace: never }).trace)).toEqual({ 'head.bias': [4], 'head.kernel': [3] });
  });

  it('names the parameters no group matches', () => {
    const tx = multiTransform({ a: scaleToy(1) }, { a: 'enc.*' });
    expect(() => tx.init(params())).toThrow(/no group matches 'head.bias', 'head.kernel'.*default/);
  });

  it.each([
    [
      'a label naming no group',
      () => multiTransform({ a: scaleToy(1) }, () => 'b').init(params()),
      /labelled 'b', which has no transformation/,
    ],
    ['a pattern map naming no group', () => multiTransform({ a: scaleToy(1) }, { b: '**' }), /group 'b' that has no transformation/],
    ['a default naming no group', () => multiTransform({ a: scaleToy(1) }, { a: '**' }, { default: 'z' }), /default group 'z'/],
    ['no groups', () => multiTransform({}, () => 'a'), /at least one group/],
    ['a non-transformation', () => multiTransform({ a: 3 as never }, () => 'a'), /group 'a'/],
    ['a bad pattern', () => multiTransform({ a: scaleToy(1) }, { a: 5 as never }), /glob string, a RegExp, a predicate/],
  ])('rejects %s', (_, fn, message) => {
    expect(fn).toThrow(InvalidArgumentError);
    expect(fn).toThrow(message);
  });

  it('a failing group changes nothing and leaves no tensor behind', () => {
    const p = params();
    const g = grads();
    const tx = multiTransform({ a: momentumToy(1), z: failingToy() }, { a: 'enc.*', z: 'head.*' });
    const s = tx.init(p);
    const n = b.memory().tensors;
    expect(() => tx.update(g, s, p)).toThrow('always fails');
    expect(b.memory().tensors).toBe(n);
    expect(values((s.a as { trace: never }).trace)).toEqual({ 'enc.bias': [0], 'enc.kernel': [0, 0] });
  });

  it('rejects gradients for other parameters', () => {
    const p = params();
    const tx = multiTransform({ a: scaleToy(1) }, { a: '**' });
    const s = tx.init(p);
    expect(() =>
      tx.update(tree(b, { 'enc.kernel': [1, 2], 'enc.bias': [3], 'head.kernel': [4], 'head.bias': [5], extra: [1] }), s, p),
    ).toThrow(/'extra'/);
  });
});
