import { InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { adam } from './optimizers/adam.js';
import { sgd } from './optimizers/sgd.js';
import { Optimizer } from './stateful/optimizer.js';
import { step } from './step.js';
import { stateTensors } from './tree.js';

const b = cpu();
const t = (v: number[]) => b.tensor(v, [v.length], 'float64');

describe('a parameter tree that differs from the one the state was made for', () => {
  it('names the missing and the extra parameters, on every path, and changes nothing', () => {
    for (const tx of [adam(0.1), sgd(0.1, { momentum: 0.9 })]) {
      for (const fused of [true, false]) {
        const state = tx.init({ dense: { kernel: t([1, 2]), bias: t([0]) }, old: t([3]) });
        const params = { dense: { kernel: t([1, 2]), bias: t([0]) }, head: t([5]) };
        const grads = { dense: { kernel: t([0.1, 0.2]), bias: t([0.3]) }, head: t([0.4]) };
        const before = stateTensors(state).map((x) => Array.from(b.readSync(x)));
        let message = '';
        try {
          step(tx, params, grads, state, { fused });
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidArgumentError);
          message = (e as Error).message;
        }
        expect(message).toMatch(/missing from the .*state.* tree: 'head'/);
        expect(message).toMatch(/in the .*state.* tree but not in the (parameter|update) tree: 'old'/);
        expect(stateTensors(state).map((x) => Array.from(b.readSync(x)))).toEqual(before);
      }
    }
  });

  it('Optimizer.step says the same', () => {
    const opt = new Optimizer(adam(0.1), { a: t([1]), b: t([2]) });
    expect(() => opt.step({ a: t([1]), c: t([2]) }, { a: t([1]), c: t([2]) })).toThrow(
      /missing from the .* tree: 'c'.*but not in the .* tree: 'b'/,
    );
    expect(opt.stepCount).toBe(0);
  });
});
