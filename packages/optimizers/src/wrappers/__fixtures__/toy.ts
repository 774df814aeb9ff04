/**
 * Small transformations and helpers for the tests of the wrappers, the stateful optimizer and the
 * registry (not exported). They depend on nothing but the contract, so the wrappers are tested on
 * their own.
 */
import type { Backend, Tensor } from '@downhill/backend';
import { flatten, mapTree, mapTreesN, unflatten, zerosLike } from '../../tree.js';
import type { GradientTransformation, Params } from '../../types.js';

/** `u = c·g`, state `{ count }`. */
export function scaleToy(c: number): GradientTransformation<{ count: number }> {
  return {
    name: `scaleToy(${c})`,
    init: () => ({ count: 0 }),
    update: (g, s) => [mapTree(g, (x) => x.backend.mul(x, c)), { count: s.count + 1 }],
  };
}

/** Heavy-ball momentum: `m ← β·m + g; u = −lr·m`, state `{ count, trace }`. */
export function momentumToy(lr: number, beta = 0.5): GradientTransformation<{ count: number; trace: Params }> {
  return {
    name: 'momentumToy',
    init: (p) => ({ count: 0, trace: zerosLike(p) }),
    update(g, s) {
      const [u, trace] = mapTreesN(
        2,
        [g, s.trace],
        ([x, m]) => {
          const b = x.backend;
          const m2 = b.add(b.mul(m, beta), x);
          return [b.mul(m2, -lr), m2];
        },
        { where: 'momentumToy', labels: ['gradient', "state 'trace'"] },
      );
      return [u, { count: s.count + 1, trace }];
    },
  };
}

/** A transformation whose update always throws, for failure tests. */
export function failingToy(): GradientTransformation<{ count: number }> {
  return {
    name: 'failingToy',
    init: () => ({ count: 0 }),
    update() {
      throw new Error('failingToy: this update always fails');
    },
  };
}

/** A parameter tree from `{ 'dotted.name': values }` (1-D, or with a shape as `[values, shape]`). */
export function tree(b: Backend, spec: Record<string, number[] | [number[], number[]]>, dtype: 'float32' | 'float64' = 'float64'): Params {
  return unflatten(
    Object.entries(spec).map(([n, v]) => {
      const [data, shape] = Array.isArray(v[0]) ? (v as [number[], number[]]) : [v as number[], [v.length]];
      return [n, b.tensor(data, shape, dtype)] as const;
    }),
  );
}

/** `{ 'dotted.name': number[] }` of a tree, read synchronously. */
export function values(t: Params): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [n, x] of flatten(t)) out[n] = [...x.backend.readSync(x)];
  return out;
}

/** Every tensor of a tree, for `dispose`. */
export function tensorsOf(t: Params): Tensor[] {
  return flatten(t).map(([, x]) => x);
}
