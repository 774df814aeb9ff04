import { describe, expect, it } from 'vitest';
import { cpu } from '../index.js';
import { InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';

describe('scopes and lifetimes', () => {
  it('release what a scope made, except what it returns', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3]);
    let inner: Tensor | undefined;
    const y = b.scope(() => {
      inner = b.mul(x, x);
      return b.add(inner, 1);
    });
    expect(inner!.disposed).toBe(true);
    expect(y.disposed).toBe(false);
    expect(x.disposed).toBe(false);
    expect([...b.readSync(y)]).toEqual([2, 5, 10]);
    expect(b.memory().tensors).toBe(2);
  });

  it('find returned tensors in arrays, objects and maps', () => {
    const b = cpu();
    const r = b.scope(() => {
      const a = b.zeros([1]);
      const c = b.ones([1]);
      const d = b.full([1], 2);
      b.zeros([5]); // dropped
      return { list: [a, 'label', 3], nested: { c }, map: new Map([['d', d]]) };
    });
    expect(r.list[0]).toSatisfy((t: Tensor) => !t.disposed);
    expect(r.nested.c.disposed).toBe(false);
    expect(r.map.get('d')!.disposed).toBe(false);
    expect(b.memory().tensors).toBe(3);
  });

  it('nest: a returned tensor moves to the parent scope and is released when the parent ends', () => {
    const b = cpu();
    let fromInner: Tensor | undefined;
    let survivor: Tensor | undefined;
    const outer = b.scope(() => {
      fromInner = b.scope(() => {
        b.zeros([2]); // released by the inner scope
        return b.ones([2]);
      });
      expect(fromInner.disposed).toBe(false);
      expect(b.memory().tensors).toBe(1);
      survivor = b.scope(() => b.add(fromInner!, 1));
      return survivor;
    });
    expect(fromInner!.disposed).toBe(true); // the parent did not return it
    expect(outer).toBe(survivor);
    expect([...b.readSync(outer)]).toEqual([2, 2]);
    expect(b.memory().tensors).toBe(1);
  });

  it('keep exempts a tensor from every scope; dispose still releases it', () => {
    const b = cpu();
    let kept: Tensor | undefined;
    b.scope(() => {
      b.scope(() => {
        kept = b.keep(b.zeros([3]));
        b.zeros([3]);
      });
    });
    expect(kept!.disposed).toBe(false);
    expect(b.memory().tensors).toBe(1);
    kept!.dispose();
    expect(b.memory().tensors).toBe(0);
  });

  it('an error inside a scope releases its tensors and propagates', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3]);
    let made: Tensor | undefined;
    expect(() =>
      b.scope(() => {
        made = b.mul(x, 2);
        return b.add(made, b.zeros([2])); // [3] with [2] does not broadcast
      }),
    ).toThrow(ShapeError);
    expect(made!.disposed).toBe(true);
    expect(b.memory().tensors).toBe(1);
    // and the next scope works normally
    expect([...b.readSync(b.scope(() => b.add(x, 1)))]).toEqual([2, 3, 4]);
  });

  it('an asynchronous function is refused and its tensors released', () => {
    const b = cpu();
    expect(() => b.scope((async () => b.zeros([2])) as never)).toThrow(InvalidArgumentError);
    expect(() => b.scope((async () => b.zeros([2])) as never)).toThrow(/synchronous/);
    expect(b.memory().tensors).toBe(0);
  });

  it('number operands leave no temporaries, inside or outside scopes', () => {
    const b = cpu();
    const x = b.tensor([1, 2, 3]);
    const y = b.add(b.mul(x, 2), 1);
    expect(b.memory().tensors).toBe(3); // x, x·2, y
    const z = b.scope(() => b.where(b.compare('greater', x, 1.5), b.mul(x, 10), -10));
    expect([...b.readSync(z)]).toEqual([-10, 20, 30]);
    expect([...b.readSync(y)]).toEqual([3, 5, 7]);
    expect(b.memory().tensors).toBe(4);
    expect(() => b.add(x, b.zeros([2]))).toThrow(ShapeError);
    expect(b.memory().tensors).toBe(5); // only the explicit zeros
  });

  it('10,000 operations inside scopes leave the count of live tensors unchanged', () => {
    const b = cpu();
    const w = b.keep(b.tensor([0.5, -0.25, 0.125, 1], [2, 2], 'float64'));
    let p = b.tensor([1, 1], [2, 1], 'float64');
    const start = b.memory();
    let ops = 0;
    for (let step = 0; step < 1000; step++) {
      const next = b.scope(() => {
        // ten operations per step, numbers included
        const h = b.matmul(w, p);
        const a = b.unary('tanh', h);
        const s = b.reduce('sum', b.mul(a, a));
        const g = b.mul(b.sub(a, 0.1), 0.01);
        const q = b.sub(p, g);
        const clipped = b.where(b.compare('greater', q, 10), 10, q);
        void s;
        return b.reshape(clipped, [2, 1]);
      });
      ops += 10;
      p.dispose();
      p = next;
      expect(b.memory().tensors).toBe(start.tensors);
    }
    expect(ops).toBe(10_000);
    expect(b.memory()).toEqual(start);
    expect(b.readSync(p).every(Number.isFinite)).toBe(true);
  });
});
