// Save/load round trips through composed wrappers and real optimizers: the state of every wrapper
// is plain data keyed by name, so a run continues bitwise identically after a reload.
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { chain } from '../chain.js';
import { adam } from '../optimizers/adam.js';
import { adamw } from '../optimizers/adamw.js';
import { sgd } from '../optimizers/sgd.js';
import { flatten, unflatten } from '../tree.js';
import type { GradientTransformation, Params } from '../types.js';
import { applyIfFinite } from '../wrappers/apply-if-finite.js';
import { lookahead } from '../wrappers/lookahead.js';
import { masked } from '../wrappers/masked.js';
import { multiSteps } from '../wrappers/multi-steps.js';
import { multiTransform } from '../wrappers/multi-transform.js';
import { emaParams, paramsEma } from '../wrappers/params-ema.js';
import { Optimizer } from './optimizer.js';
import { deserializeState, serializeState } from './state-format.js';

const b = cpu();
const start = () =>
  unflatten([
    ['enc.kernel', b.tensor([0.5, -1, 2, 0.25, 1, -0.5], [2, 3])],
    ['enc.bias', b.tensor([0.1, -0.2, 0.3])],
    ['head.kernel', b.tensor([1, 2, 3], [3, 1])],
  ]);
/** Gradients of a moving target, one NaN step at t = 4 (skipped where applyIfFinite is in front). */
const gradsAt = (p: Params, t: number, nanAt = -1) =>
  unflatten(flatten(p).map(([n, x]) => [n, t === nanAt ? b.mul(x, NaN) : b.sub(x, Math.cos(t * 0.7 + n.length))] as const));
const bits = (p: Params) => Object.fromEntries(flatten(p).map(([n, x]) => [n, [...new Uint8Array(b.readSync(x).buffer.slice(0))]]));

function run(opt: Optimizer, p: Params, from: number, to: number, nanAt: number): Params {
  for (let t = from; t < to; t++) {
    const g = gradsAt(p, t, nanAt);
    p = opt.step(p, g);
    b.dispose(flatten(g).map(([, x]) => x) as Tensor[]);
  }
  return p;
}

const cases: [string, () => GradientTransformation<any>, number][] = [
  [
    'adamw under a weight-decay mask and parameter groups',
    () => multiTransform({ decay: adamw(1e-2, { weightDecay: 0.1 }), plain: adam(2e-2) }, { plain: '**.bias' }, { default: 'decay' }),
    -1,
  ],
  ['multiSteps(adam, 3)', () => multiSteps(adam(5e-2), 3), -1],
  ['applyIfFinite(sgd) with a skipped NaN step', () => applyIfFinite(sgd(0.05, { momentum: 0.9 })), 4],
  ['lookahead(adam)', () => lookahead(adam(5e-2), { syncPeriod: 3, slowStepSize: 0.5 }), -1],
  ['chain(masked(sgd), paramsEma)', () => chain(masked(sgd(0.1), 'enc.*'), paramsEma(0.9)), -1],
];

describe('Optimizer save/load through wrappers', () => {
  it.each(cases)('%s continues bitwise identically after a reload at every point of its cycle', async (_, make, nanAt) => {
    const ref = new Optimizer(make(), start());
    const pRef = run(ref, start(), 0, 9, nanAt);
    for (const cut of [4, 5]) {
      const a = new Optimizer(make(), start());
      const pa = run(a, start(), 0, cut, nanAt);
      const text = serializeState(await a.stateDict());
      const c = new Optimizer(make(), pa);
      c.loadStateDict(deserializeState(text));
      const pc = run(c, pa, cut, 9, nanAt);
      expect(bits(pc)).toEqual(bits(pRef));
      expect((await c.stateDict()).state).toEqual((await ref.stateDict()).state);
    }
  });

  it('paramsEma survives the round trip: the same averaged parameters after a reload', async () => {
    const make = () => chain(adam(0.05), paramsEma(0.8));
    const a = new Optimizer(make(), start());
    const pa = run(a, start(), 0, 5, -1);
    const c = new Optimizer(make(), pa);
    c.loadStateDict(deserializeState(serializeState(await a.stateDict())));
    expect(bits(emaParams(c.state))).toEqual(bits(emaParams(a.state)));
  });
});
