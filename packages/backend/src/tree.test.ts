import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { flattenTree, getLeaf, isBranch, joinPath, mapTree, sameStructure, unflattenTree } from './tree.js';

// Leaves here are strings and numbers: the structure functions do not look inside leaves.
describe('the parameter-tree module', () => {
  const tree = { layers: [{ w: 'w0', b: 'b0' }, { w: 'w1' }], head: { kernel: 'k' } };

  it('names leaves by dotted paths through records and arrays, in insertion or sorted order', () => {
    expect(flattenTree(tree)).toEqual([
      ['layers.0.w', 'w0'],
      ['layers.0.b', 'b0'],
      ['layers.1.w', 'w1'],
      ['head.kernel', 'k'],
    ]);
    expect(flattenTree(tree, { sorted: true }).map(([p]) => p)).toEqual(['head.kernel', 'layers.0.b', 'layers.0.w', 'layers.1.w']);
    expect(flattenTree('x', { prefix: 'p' })).toEqual([['p', 'x']]);
    expect(joinPath('', 3)).toBe('3');
  });

  it('unflattens to records, or to the structure of a tree like it', () => {
    const rows = flattenTree<string>(tree);
    expect(unflattenTree(rows)).toEqual({ layers: { 0: { w: 'w0', b: 'b0' }, 1: { w: 'w1' } }, head: { kernel: 'k' } });
    const back = unflattenTree(rows, tree);
    expect(back).toEqual(tree);
    expect(Array.isArray((back as typeof tree).layers)).toBe(true);
    // Only some positions of an array: a record keyed by index keeps the paths.
    expect(unflattenTree([['layers.1.w', 'x']], tree)).toEqual({ layers: { 1: { w: 'x' } } });
    expect(
      unflattenTree(
        [
          ['0', 'a'],
          ['1', 'b'],
        ],
        ['p', 'q'],
      ),
    ).toEqual(['a', 'b']);
  });

  it('refuses a path given twice, or as a leaf and a subtree', () => {
    expect(() =>
      unflattenTree([
        ['a', 1],
        ['a', 2],
      ]),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      unflattenTree([
        ['a', 1],
        ['a', 2],
      ]),
    ).toThrow(/'a' appears twice/);
    expect(() =>
      unflattenTree([
        ['a', 1],
        ['a.b', 2],
      ]),
    ).toThrow(/'a' is both a leaf and a subtree/);
    expect(() =>
      unflattenTree([
        ['a.b', 1],
        ['a', 2],
      ]),
    ).toThrow(/'a' is both a leaf and a subtree/);
  });

  it('maps leaves keeping arrays, optionally keeping only some paths', () => {
    expect(mapTree(tree, (leaf, path) => `${path}=${String(leaf)}`)).toEqual({
      layers: [{ w: 'layers.0.w=w0', b: 'layers.0.b=b0' }, { w: 'layers.1.w=w1' }],
      head: { kernel: 'head.kernel=k' },
    });
    expect(mapTree(tree, (l) => l, { keep: (p) => p.endsWith('.w') })).toEqual({ layers: [{ w: 'w0' }, { w: 'w1' }] });
    expect(mapTree(tree, (l) => l, { keep: (p) => p === 'layers.1.w' })).toEqual({ layers: [undefined, { w: 'w1' }] });
  });

  it('compares structures, finds leaves by path and tells branches from leaves', () => {
    expect(
      sameStructure(
        tree,
        mapTree(tree, () => 0),
      ),
    ).toBe(true);
    expect(sameStructure({ a: [1] }, { a: { 0: 1 } })).toBe(false);
    expect(sameStructure({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(getLeaf(tree, 'layers.1.w')).toBe('w1');
    expect(getLeaf(tree, 'layers.2.w')).toBeUndefined();
    expect(getLeaf(tree, 'layers.0')).toBeUndefined();
    expect([isBranch([]), isBranch({}), isBranch(Object.create(null)), isBranch(new Date()), isBranch('x')]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
