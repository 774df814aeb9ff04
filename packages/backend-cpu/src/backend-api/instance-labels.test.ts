/**
 * Every backend instance has a label, its name and a number (`cpu#1`, `cpu#2`), and the errors
 * about tensors of another instance name both instances by label, so two instances of the same
 * backend can be told apart.
 */
import { describe, expect, it } from 'vitest';
import { BackendMismatchError } from '@downhill/backend';
import { defineBackend } from '@downhill/backend';
import { CpuKernels } from '../index.js';

describe('backend instance labels', () => {
  it('numbers the instances of one name in the order they are made', () => {
    const a = defineBackend(new CpuKernels('label-test'));
    const b = defineBackend(new CpuKernels('label-test'));
    const other = defineBackend(new CpuKernels('label-other'));
    const [, na] = a.label.split('#');
    expect(a.label).toMatch(/^label-test#\d+$/);
    expect(b.label).toBe(`label-test#${Number(na) + 1}`);
    expect(other.label).toMatch(/^label-other#\d+$/);
    expect(a.name).toBe('label-test');
  });

  it('a tensor of another instance of the same backend: the error names both labels', () => {
    const a = defineBackend(new CpuKernels('twin'));
    const b = defineBackend(new CpuKernels('twin'));
    const x = a.tensor([1, 2]);
    const y = b.tensor([1, 2]);
    expect(() => a.add(x, y)).toThrow(BackendMismatchError);
    expect(() => a.add(x, y)).toThrow(
      `${a.name}.add: Tensor(float32 [2] on ${b.label}) belongs to backend '${b.label}', not to this one ('${a.label}')`,
    );
    expect(() => a.dispose(y)).toThrow(
      `${a.name}.dispose: Tensor(float32 [2] on ${b.label}) belongs to backend '${b.label}', not to this one ('${a.label}')`,
    );
    expect(String(x)).toBe(`Tensor(float32 [2] on ${a.label})`);
  });
});
