import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { adam } from '../optimizers/adam.js';
import { mapTree, zerosLike } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { CONFORMANCE_CHECKS, type CheckContext, type ConformanceCheck } from './checks.js';
import { stateStructure } from './state-structure.js';

const backend = cpu();
const settings = { quadratic: { lr: 0.1, steps: 200, tolerance: 1e-3 }, rosenbrock: { lr: 0.05, steps: 1000, tolerance: 1e-2 } };
const ctx = (make: (lr: number) => GradientTransformation<any>): CheckContext => ({ name: 'test', backend, make, ...settings });

/** Plain gradient descent, correct: `u = −lr·g`, state `{ count }`. */
const gd = (lr: number): GradientTransformation<{ count: number }> => ({
  name: 'gd',
  init: () => ({ count: 0 }),
  update: (g, s) => [mapTree(g, (x) => x.backend.mul(x, -lr)), { count: s.count + 1 }],
});

/** An optimizer that breaks exactly one promise, for each check. */
const broken: [ConformanceCheck, string, (lr: number) => GradientTransformation<any>][] = [
  ['plain-state', 'keeps a function in its state', (lr) => ({ ...gd(lr), init: () => ({ count: 0, hook: (() => 0) as never }) })],
  ['quadratic', 'climbs instead of descending', (lr) => gd(-lr)],
  ['rosenbrock', 'takes steps too small to get anywhere', (lr) => adam(lr * 1e-4)],
  [
    'no-mutation',
    'bumps the count in the state it was given',
    (lr) => ({
      ...gd(lr),
      update: (g, s: { count: number }) => ((s.count += 1), [mapTree(g, (x) => x.backend.mul(x, -lr)), { count: s.count }]),
    }),
  ],
  [
    'state-roundtrip',
    'keeps part of its state in a closure, where saving cannot see it',
    (lr) => {
      let hidden = 0;
      return {
        ...gd(lr),
        update: (g, s: { count: number }) => [mapTree(g, (x) => x.backend.mul(x, -lr * (1 + hidden++ * 0.1))), { count: s.count + 1 }],
      };
    },
  ],
  [
    'stable-structure',
    'adds a state entry on its first update',
    (lr) => ({
      ...gd(lr),
      update: (g, s: { count: number }) => [mapTree(g, (x) => x.backend.mul(x, -lr)), { count: s.count + 1, seen: true }],
    }),
  ],
  [
    'non-finite',
    'throws on a NaN gradient',
    (lr) => ({
      ...gd(lr),
      update(g, s: { count: number }) {
        for (const t of Object.values(g as Record<string, Tensor | Params>)) {
          const data = (t as Tensor).backend ? (t as Tensor).backend.readSync(t as Tensor) : [];
          if ([...data].some(Number.isNaN)) throw new Error('NaN!');
        }
        return [mapTree(g, (x) => x.backend.mul(x, -lr)), { count: s.count + 1 }];
      },
    }),
  ],
  [
    'flat-memory',
    'leaks one kept tensor per step',
    (lr) => ({
      ...gd(lr),
      update: (g, s: { count: number }) => (
        backend.keep(backend.zeros([1])), [mapTree(g, (x) => x.backend.mul(x, -lr)), { count: s.count + 1 }]
      ),
    }),
  ],
  [
    'bad-input',
    'ignores gradients it does not expect and counts the step anyway',
    (lr) => ({
      name: 'lenient',
      init: (p) => ({ m: zerosLike(p) }),
      update: (g, s: { m: Params }) => [mapTree(s.m, (x) => x.backend.mul(x, -lr)), { m: s.m }],
    }),
  ],
  [
    'fused-composed',
    "reads the backend's storage (a typed array on cpu), which the traced update does not see, and steps differently",
    (lr) => ({
      ...gd(lr),
      update: (g, s: { count: number }) => [
        mapTree(g, (x) => x.backend.mul(x, ArrayBuffer.isView(x.storage) ? -lr : -2 * lr)),
        { count: s.count + 1 },
      ],
    }),
  ],
];

describe('the conformance checks', () => {
  it.each(Object.keys(CONFORMANCE_CHECKS) as ConformanceCheck[])('%s passes for a correct optimizer', async (id) => {
    // Plain gradient descent is too slow for Rosenbrock, and keeps no per-parameter state to check gradients against.
    const make = id === 'rosenbrock' || id === 'bad-input' ? (lr: number) => adam(lr) : gd;
    await CONFORMANCE_CHECKS[id].run(ctx(make));
  });

  it.each(broken)('%s fails for an optimizer that %s', async (id, _, make) => {
    await expect(CONFORMANCE_CHECKS[id].run(ctx(make))).rejects.toThrow();
  });

  it('cover every check', () => {
    expect(new Set(broken.map(([id]) => id))).toEqual(new Set(Object.keys(CONFORMANCE_CHECKS)));
  });
});

describe('stateStructure', () => {
  it('describes tensors by dtype and shape, host values by type, lists as lists', () => {
    const s: OptState = { count: 1, flags: ['a', 'b'], inner: [{ mu: { w: backend.zeros([2, 3]) } }, { ok: true, none: null }], empty: {} };
    expect(stateStructure(s)).toEqual({
      count: 'number',
      flags: 'list',
      'inner.0.mu.w': 'float32 [2, 3]',
      'inner.1.ok': 'boolean',
      'inner.1.none': 'null',
      empty: 'record {}',
    });
    expect(stateStructure({ f: (() => 1) as never })).toEqual({ f: 'not state: function' });
  });
});
