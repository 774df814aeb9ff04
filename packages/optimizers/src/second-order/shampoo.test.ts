/**
 * Shampoo against the paper's algorithm box (Gupta, Koren and Singer 2018, Algorithms 1 and 2),
 * computed in numpy with exact inverse roots by eigendecomposition: `__fixtures__/shampoo_values.py`
 * writes `shampoo-values.json` (four steps, blocks of side 2 splitting a 3×2 matrix and a vector of
 * 3). Here the roots come from the coupled Newton iteration, so agreement also checks it, and
 * from the host eigendecomposition (`roots: 'eigh'`, ml-matrix). And the Newton inverse root itself
 * against an eigendecomposition written out.
 */
import { InvalidArgumentError, UnsupportedError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { OptState, Params } from '../types.js';
import fixture from './__fixtures__/shampoo-values.json' with { type: 'json' };
import { inverseRoot } from './inverse-root.js';
import { shampoo } from './shampoo.js';

const b = cpu();
const CW = [1, 2, 3, 4, 5, 6];
const CV = [7, 8, 9];

describe.each([
  [true, 'newton'],
  [false, 'newton'],
  [true, 'eigh'],
  [false, 'eigh'],
] as const)('shampoo (fused: %s, roots: %s)', (fused, roots) => {
  it("four steps match the paper's algorithm with exact roots (blocks of side 2)", () => {
    const tx = shampoo(fixture.lr, { eps: fixture.eps, blockSize: fixture.blockSize, roots });
    let params: Params = {
      w: b.tensor([0.8, -1.2, 0.3, 1.5, -0.4, 0.05], [3, 2], 'float64'),
      v: b.tensor([-0.9, 0.6, 0.2], [3], 'float64'),
    };
    let state: OptState = tx.init(params);
    fixture.steps.forEach((row, t) => {
      const w = Array.from(b.readSync(params.w as never));
      const v = Array.from(b.readSync(params.v as never));
      const g = {
        w: b.tensor(
          w.map((x, i) => CW[i] * x + x ** 3),
          [3, 2],
          'float64',
        ),
        v: b.tensor(
          v.map((x, i) => CV[i] * x + x ** 3),
          [3],
          'float64',
        ),
      };
      ({ params, state } = step(tx, params, g, state, { inPlace: true, fused }));
      b.dispose(stateTensors(g));
      for (const [name, want] of [
        ['w', row.w],
        ['v', row.v],
      ] as const) {
        const got = Array.from(b.readSync(params[name] as never));
        got.forEach((x, i) => expect(Math.abs(x - want[i]), `step ${t + 1} ${name}[${i}]`).toBeLessThan(1e-10));
      }
    });
    b.dispose(stateTensors(params));
    b.dispose(stateTensors(state));
  });
});

it('inverseRoot: the coupled Newton iteration gives A^(-1/4) of a well-conditioned SPD matrix to 1e-12', () => {
  // A = Q·diag(λ)·Qᵀ with an orthogonal Q (a rotation) and λ = [0.5, 3]: A^(-1/4) = Q·diag(λ^(-1/4))·Qᵀ.
  const c = Math.cos(0.7);
  const s = Math.sin(0.7);
  const lam = [0.5, 3];
  const q = [
    [c, -s],
    [s, c],
  ];
  const build = (f: (x: number) => number) =>
    [0, 1].flatMap((i) => [0, 1].map((j) => q[i][0] * f(lam[0]) * q[j][0] + q[i][1] * f(lam[1]) * q[j][1]));
  const a = b.tensor(
    build((x) => x),
    [2, 2],
    'float64',
  );
  const r = inverseRoot(a, 4, 40);
  const want = build((x) => x ** -0.25);
  Array.from(b.readSync(r)).forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-12));
  b.dispose([a, r]);
});

it('bad options are typed errors', () => {
  expect(() => shampoo(0.1, { blockSize: 0 })).toThrow(InvalidArgumentError);
  expect(() => shampoo(0.1, { eps: 0 })).toThrow(InvalidArgumentError);
  expect(() => shampoo(0.1, { updateEvery: 1.5 })).toThrow(InvalidArgumentError);
  expect(() => shampoo(0.1, { roots: 'qr' as never })).toThrow(InvalidArgumentError);
});

it("roots: 'eigh' on a backend without synchronous reads: UnsupportedError naming the capability, nothing changed", () => {
  const params = { w: b.tensor([0.8, -1.2, 0.3, 1.5], [2, 2], 'float64') };
  const tx = shampoo(0.1, { roots: 'eigh' });
  const state = tx.init(params);
  const caps = b.capabilities;
  Object.defineProperty(b, 'capabilities', { value: { ...caps, syncRead: false }, configurable: true });
  try {
    expect(() => tx.update(params, state, params)).toThrow(UnsupportedError);
    expect(() => tx.update(params, state, params)).toThrow(/syncRead/);
  } finally {
    Object.defineProperty(b, 'capabilities', { value: caps, configurable: true });
  }
  expect(Array.from(b.readSync(params.w))).toEqual([0.8, -1.2, 0.3, 1.5]);
  b.dispose(stateTensors(params));
  b.dispose(stateTensors(state as OptState));
});
