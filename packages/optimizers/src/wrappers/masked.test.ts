import { InvalidArgumentError, ShapeError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { chain } from '../chain.js';
import { flatten } from '../tree.js';
import { masked } from './masked.js';
import { globToRegExp, type ParamMask } from '../mask.js';
import { momentumToy, scaleToy, tree, values } from './__fixtures__/toy.js';

const b = cpu();
const params = () => tree(b, { 'dense.kernel': [1, 2], 'dense.bias': [3], 'norm.scale': [4], bias: [5] });
const grads = () => tree(b, { 'dense.kernel': [1, -1], 'dense.bias': [2], 'norm.scale': [3], bias: [4] });

describe('globToRegExp', () => {
  it.each([
    ['**.bias', 'dense.bias', true],
    ['**.bias', 'bias', true],
    ['**.bias', 'a.b.c.bias', true],
    ['*.bias', 'a.b.bias', false],
    ['*.bias', 'dense.bias', true],
    ['dense.*', 'dense.kernel', true],
    ['dense.*', 'dense.inner.kernel', false],
    ['dense.**', 'dense.inner.kernel', true],
    ['dense?.kernel', 'dense1.kernel', true],
    ['dense?.kernel', 'dense.kernel', false],
    ['**', 'anything.at.all', true],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
  ])('%s on %s is %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});

describe('masked', () => {
  const cases: [string, ParamMask, string[]][] = [
    ['a glob', '**.bias', ['bias', 'dense.bias']],
    ['a RegExp', /(^|\.)(bias|scale)$/, ['bias', 'dense.bias', 'norm.scale']],
    ['a predicate', (name: string) => name.startsWith('dense'), ['dense.bias', 'dense.kernel']],
    ['a list', ['norm.*', /kernel/], ['dense.kernel', 'norm.scale']],
    ['a tree of booleans', { dense: { kernel: true, bias: false }, norm: false, bias: true }, ['bias', 'dense.kernel']],
    ['a tree with a subtree boolean', { dense: true, norm: false, bias: false }, ['dense.bias', 'dense.kernel']],
  ];
  it.each(cases)('selects by %s: those get the inner update, the others pass through', (_, mask, selected) => {
    const p = params();
    const g = grads();
    const tx = masked(scaleToy(10), mask);
    const s = tx.init(p);
    const [u, s2] = tx.update(g, s, p);
    const gv = values(g);
    const expected = Object.fromEntries(Object.entries(gv).map(([n, v]) => [n, selected.includes(n) ? v.map((x) => 10 * x) : v]));
    expect(values(u)).toEqual(expected);
    expect(s2.inner).toEqual({ count: 1 });
    // Pass-through updates are new handles (the contract: update returns new tensors only).
    for (const [n, t] of flatten(u)) expect(t).not.toBe(flatten(g).find(([m]) => m === n)![1]);
  });

  it('gives the inner transformation only the selected parameters, in init and in update', () => {
    const p = params();
    const tx = masked(momentumToy(1), '**.bias');
    const s = tx.init(p);
    expect(flatten(s.inner.trace).map(([n]) => n)).toEqual(['bias', 'dense.bias']);
    const [u, s2] = tx.update(grads(), s, p);
    expect(values(s2.inner.trace)).toEqual({ bias: [4], 'dense.bias': [2] });
    expect(values(u)).toEqual({ bias: [-4], 'dense.bias': [-2], 'dense.kernel': [1, -1], 'norm.scale': [3] });
  });

  it('works inside a chain', () => {
    const p = params();
    const tx = chain(scaleToy(2), masked(scaleToy(-1), 'dense.*'));
    const [u] = tx.update(grads(), tx.init(p), p);
    expect(values(u)).toEqual({ bias: [8], 'dense.bias': [-4], 'dense.kernel': [-2, 2], 'norm.scale': [6] });
  });

  it('names the parameters a mask tree misses or invents', () => {
    const p = params();
    expect(() => masked(scaleToy(1), { dense: true, bias: true }).init(p)).toThrow(/no boolean for 'norm.scale'/);
    expect(() => masked(scaleToy(1), { dense: true, norm: true, bias: true, head: false }).init(p)).toThrow(
      /names 'head', which is not a parameter/,
    );
    expect(() => masked(scaleToy(1), 42 as never).init(p)).toThrow(InvalidArgumentError);
  });

  it('rejects gradients that do not match the parameters and changes nothing', () => {
    const p = params();
    const tx = masked(momentumToy(1), '**.bias');
    const s = tx.init(p);
    const before = b.memory().tensors;
    const bad = tree(b, { 'dense.kernel': [1, 2, 3], 'dense.bias': [2], 'norm.scale': [3], bias: [4] });
    const n = b.memory().tensors;
    expect(() => tx.update(bad, s, p)).toThrow(ShapeError);
    expect(() => tx.update(tree(b, { 'dense.kernel': [1, 2], 'dense.bias': [2] }), s, p)).toThrow(
      /missing from the gradient tree: 'bias', 'norm\.scale'/,
    );
    expect(b.memory().tensors).toBe(n + 2);
    expect(values(s.inner.trace)).toEqual({ bias: [0], 'dense.bias': [0] });
    expect(before).toBeLessThan(n);
  });

  it('releases what it made when the inner update fails', () => {
    const p = params();
    const g = grads();
    const tx = masked(
      {
        name: 'boom',
        init: () => ({}),
        update: () => {
          throw new Error('boom');
        },
      },
      '**',
    );
    const s = tx.init(p);
    const n = b.memory().tensors;
    expect(() => tx.update(g, s, p)).toThrow('boom');
    expect(b.memory().tensors).toBe(n);
  });
});
