import { DTypeError, InvalidArgumentError, ShapeError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { checkTrees, flatten, getLeaf, mapTrees, mapTreesN, releaseReplaced, stateTensors, unflatten, zerosLike } from './tree.js';

const b = cpu();

describe('flatten and unflatten', () => {
  it('sort keys at every level, whatever the insertion order, and invert each other', () => {
    const [x, y, z] = [b.zeros([1]), b.zeros([2]), b.zeros([3])];
    const one = flatten({ z: { b: x, a: y }, a: z });
    const two = flatten({ a: z, z: { a: y, b: x } });
    expect(one.map(([n]) => n)).toEqual(['a', 'z.a', 'z.b']);
    expect(two).toEqual(one);
    const back = unflatten(one);
    expect(back).toEqual({ a: z, z: { a: y, b: x } });
    expect(getLeaf(back, 'z.b')).toBe(x);
    expect(getLeaf(back, 'z.c')).toBeUndefined();
    b.dispose([x, y, z]);
  });

  it.each([
    [{ 'a.b': 1 }, /contains '\.'/],
    [{ a: 3 }, /'a' must be a tensor or a record/],
    [{ a: [1] }, /'a.0' must be a tensor or a record or array/],
  ])('refuses %o', (tree, message) => {
    expect(() => flatten(tree as never)).toThrow(InvalidArgumentError);
    expect(() => flatten(tree as never)).toThrow(message);
  });
});

describe('checkTrees', () => {
  const p = { a: b.zeros([2, 3]), n: { c: b.zeros([4]) } };
  it.each([
    [{ a: b.zeros([2, 3]) }, InvalidArgumentError, /missing from the gradient tree: 'n\.c'/],
    [
      { a: b.zeros([2, 3]), n: { c: b.zeros([4]), d: b.zeros([1]) } },
      InvalidArgumentError,
      /in the gradient tree but not in the parameter tree: 'n\.d'/,
    ],
    [{ a: b.zeros([3, 2]), n: { c: b.zeros([4]) } }, ShapeError, /parameter 'a' has shape \[2, 3\] but its gradient has shape \[3, 2\]/],
    [
      { a: b.zeros([2, 3], 'float64'), n: { c: b.zeros([4]) } },
      DTypeError,
      /parameter 'a' has dtype float32 but its gradient has dtype float64/,
    ],
  ])('names the parameter when trees differ (%#)', (g, Err, message) => {
    expect(() => checkTrees([p, g], { where: 'adam', labels: ['parameter', 'gradient'] })).toThrow(Err);
    expect(() => checkTrees([p, g], { where: 'adam', labels: ['parameter', 'gradient'] })).toThrow(message);
  });

  it('refuses released tensors', () => {
    const t = b.zeros([1]);
    t.dispose();
    expect(() => checkTrees([{ t }])).toThrow(/was released/);
  });
});

describe('mapTrees', () => {
  it('maps aligned leaves and leaves no intermediates behind', () => {
    const x = { a: b.tensor([1, 2]), c: { d: b.tensor([3]) } };
    const y = { c: { d: b.tensor([10]) }, a: b.tensor([20, 30]) };
    const live = b.memory().tensors;
    const out = mapTrees([x, y], ([u, v], name) => b.add(b.mul(u, 2), b.mul(v, name === 'a' ? 1 : -1)));
    expect(b.memory().tensors).toBe(live + 2);
    expect(Array.from(b.readSync(out.a as never))).toEqual([22, 34]);
    expect(Array.from(b.readSync((out.c as { d: never }).d))).toEqual([-4]);
    const [s, d] = mapTreesN(2, [x, y], ([u, v]) => [b.add(u, v), b.sub(u, v)]);
    expect(Array.from(b.readSync(s.a as never))).toEqual([21, 32]);
    expect(Array.from(b.readSync(d.a as never))).toEqual([-19, -28]);
    b.dispose(stateTensors([x, y, out, s, d] as never));
  });

  it('releases what it made when a leaf throws', () => {
    const x = { a: b.tensor([1]), b: b.tensor([2]) };
    const live = b.memory().tensors;
    expect(() =>
      mapTrees([x], ([u], name) => {
        if (name === 'b') throw new Error('boom');
        return b.mul(u, 3);
      }),
    ).toThrow('boom');
    expect(b.memory().tensors).toBe(live);
    b.dispose(stateTensors(x));
  });
});

describe('releaseReplaced and zerosLike', () => {
  it('releases exactly the old tensors the new state no longer holds', () => {
    const kept = b.zeros([1]);
    const dropped = b.zeros([1]);
    const other = b.zeros([1]);
    const old = { count: 1, mu: { a: kept }, nu: { a: dropped }, extra: [other] };
    const next = { count: 2, mu: { a: kept }, nu: { a: b.ones([1]) } };
    expect(releaseReplaced(old, next, { other })).toBe(1);
    expect([kept.disposed, dropped.disposed, other.disposed]).toEqual([false, true, false]);
    const z = zerosLike({ a: b.ones([2, 2], 'float64') }, 0.5);
    expect((z.a as never as { dtype: string }).dtype).toBe('float64');
    expect(Array.from(b.readSync(z.a as never))).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
