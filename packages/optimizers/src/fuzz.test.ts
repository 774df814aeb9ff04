/**
 * Fuzz: every named optimizer, `step`, `Optimizer` and the state-file readers fed random malformed
 * inputs (hyperparameters of every kind, unknown options, trees with missing, extra, mis-shaped,
 * mis-typed or released leaves, edited state files). Each call either succeeds (with finite
 * results where the gradients are finite and the hyperparameters moderate) or throws a typed
 * DownhillError, and a call that throws leaves every tensor and the optimizer's state as they
 * were. The number of inputs tried is printed.
 */
import { DownhillError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_OPTIMIZERS } from './register.js';
import { Optimizer } from './stateful/optimizer.js';
import { deserializeState, serializeState } from './stateful/state-format.js';
import { step } from './step.js';
import { stateTensors } from './tree.js';
import type { GradientTransformation, OptState, Params } from './types.js';

const b = cpu();
const host = (ts: Tensor[]) => ts.map((t) => (t.disposed ? 'released' : Array.from(b.readSync(t))));

const weird = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 1.5, 1e308, -0, 4, 3.9),
  fc.constantFrom(
    '0.1',
    null,
    true,
    [],
    {},
    () => 0.1,
    () => NaN,
    () => 'x',
  ),
);
const keys = fc.constantFrom(
  'b1',
  'b2',
  'eps',
  'epsRoot',
  'momentum',
  'nesterov',
  'dampening',
  'weightDecay',
  'decay',
  'centered',
  'threshold',
  'rho',
  'beta1',
  'weight_decay',
  'mask',
  'trustCoefficient',
  'clippingThreshold',
  'decayRate',
);

/** A hyperparameter that is not a number, or a number of magnitude at most 1e6. */
function moderate(v: unknown): boolean {
  return typeof v !== 'number' || Math.abs(v) <= 1e6;
}

function expectTyped(e: unknown): void {
  expect(e, String(e)).toBeInstanceOf(DownhillError);
}

describe('fuzz: optimizers', () => {
  it('random hyperparameters, trees and gradients: success (finite where the hyperparameters are moderate), or a typed error that changes nothing', () => {
    let tried = 0;
    let finiteChecked = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...BUILT_IN_OPTIMIZERS.map(([name]) => name)),
        fc.oneof(fc.constantFrom(0.1, 0.01, 1e-3), weird),
        fc.dictionary(keys, fc.oneof(fc.constantFrom(0, 0.5, 0.9, 0.999, 1e-8, 5, true, false), weird), { maxKeys: 3 }),
        fc.constantFrom('same', 'missing', 'extra', 'shape', 'dtype', 'released', 'nan', 'notTensor'),
        fc.boolean(),
        (name, lr, options, treeCase, fused) => {
          tried++;
          const fn = BUILT_IN_OPTIMIZERS.find(([n]) => n === name)![1];
          let tx;
          try {
            tx = fn(lr as never, options);
          } catch (e) {
            expectTyped(e);
            return;
          }
          const params: Params = { a: b.tensor([1, -2, 3, 0.5], [2, 2], 'float64'), c: b.tensor([0.25], [1], 'float64') };
          let state;
          try {
            state = tx.init(params);
          } catch (e) {
            expectTyped(e);
            b.dispose([params.a as Tensor, params.c as Tensor]);
            return;
          }
          const g: Record<string, unknown> = { a: b.tensor([0.1, 0.2, -0.3, 0.4], [2, 2], 'float64'), c: b.tensor([-0.5], [1], 'float64') };
          if (treeCase === 'missing') delete g.c;
          if (treeCase === 'extra') g.z = b.tensor([1], [1], 'float64');
          if (treeCase === 'shape') g.c = b.tensor([1, 2], [2], 'float64');
          if (treeCase === 'dtype') g.c = b.tensor([1], [1], 'float32');
          if (treeCase === 'released') (g.c as Tensor).dispose();
          if (treeCase === 'nan') g.c = b.tensor([NaN], [1], 'float64');
          if (treeCase === 'notTensor') g.c = [1];
          const watched = [...stateTensors(params), ...stateTensors(state), ...stateTensors(g as Params)];
          const before = host(watched);
          let r: ReturnType<typeof step>;
          try {
            r = step(tx, params, g as Params, state, { fused });
          } catch (e) {
            expectTyped(e);
            expect(host(watched)).toEqual(before);
            return;
          }
          // Finite gradients and moderate hyperparameters give finite parameters. An accepted but
          // enormous one may overflow, as in IEEE arithmetic anywhere: RMSProp's first step moves
          // by lr·g/√((1 − α)g²) = 10·lr, infinite for lr = 5.7e307 (a case found with another seed).
          if (treeCase !== 'nan' && moderate(lr) && Object.values(options).every(moderate)) {
            finiteChecked++;
            for (const t of stateTensors(r.params)) expect(Array.from(b.readSync(t)).every(Number.isFinite)).toBe(true);
          }
        },
      ),
      { numRuns: 1000, seed: 13 },
    );
    console.log(`fuzz: optimizers: ${tried} inputs tried, ${finiteChecked} successful steps checked finite`);
  });

  it('edited state files: load, or a StateMismatchError that leaves the optimizer as it was', async () => {
    const adamTx: GradientTransformation<OptState> = BUILT_IN_OPTIMIZERS.find(([n]) => n === 'adam')![1](0.1);
    const opt = new Optimizer(adamTx, { w: b.tensor([1, 2], [2], 'float64') });
    let p: Params = { w: b.tensor([1, 2], [2], 'float64') };
    p = opt.step(p, { w: b.tensor([0.1, -0.1], [2], 'float64') });
    const good = serializeState(await opt.stateDict());
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      paths.push(path);
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(JSON.parse(good), []);
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths.filter((x) => x.length > 0)), weird, async (path, value) => {
        tried++;
        const d = JSON.parse(good);
        let node = d;
        for (const k of path.slice(0, -1)) node = node[k];
        node[path[path.length - 1]] = typeof value === 'function' ? String(value) : value;
        const text = JSON.stringify(d);
        try {
          opt.loadStateDict(deserializeState(text));
          opt.loadStateDict(deserializeState(good));
        } catch (e) {
          expectTyped(e);
          expect(serializeState(await opt.stateDict())).toBe(good);
        }
      }),
      { numRuns: 500, seed: 14 },
    );
    console.log(`fuzz: state files: ${tried} inputs tried`);
  });
});
