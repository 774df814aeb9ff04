/**
 * Tensors of two backend instances in one step: the error names both instances (`cpu#1`, `cpu#2`),
 * the parameter and which tensor (parameter or gradient) is on the other one, and changes nothing.
 */
import { BackendMismatchError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { adam } from './optimizers/adam.js';
import { step } from './step.js';

describe('step with tensors on two backend instances', () => {
  it('names both instances and the tensor that is on the other one', () => {
    const one = cpu();
    const two = cpu();
    expect(one.label).not.toBe(two.label);
    const params = { dense: { kernel: one.tensor([1, 2], [2]), bias: one.tensor([0.5], [1]) } };
    const grads = { dense: { kernel: one.tensor([0.1, 0.2], [2]), bias: two.tensor([0.3], [1]) } };
    const opt = adam(0.1);
    const state = opt.init(params);
    let error: unknown;
    try {
      step(opt, params, grads, state);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendMismatchError);
    const message = (error as Error).message;
    expect(message).toContain(`the gradient of 'dense.bias' lives on backend '${two.label}'`);
    expect(message).toMatch(new RegExp(`but the parameter 'dense.(bias|kernel)' lives on '${one.label}'`));
    expect(Array.from(one.readSync(params.dense.bias))).toEqual([0.5]);
  });
});
