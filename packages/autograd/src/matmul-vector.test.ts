// matmul with a 1-D operand, as NumPy's and PyTorch's matmul: values and gradients by hand.
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { grad, ops } from './index.js';

const b = cpu();
const t = (v: number[], s: number[]) => b.tensor(v, s, 'float64');
const read = (x: unknown) => [...b.readSync(x as Tensor)];

describe('matmul with a 1-D operand', () => {
  const A = t([1, 2, 3, 4, 5, 6], [2, 3]); // [[1,2,3],[4,5,6]]
  const v = t([1, -1, 2], [3]);
  const u = t([0.5, -2], [2]);

  it('matrix·vector is a vector, vector·matrix a vector, vector·vector a scalar', () => {
    const av = ops.matmul(A, v);
    expect(av.shape).toEqual([2]);
    expect(read(av)).toEqual([1 - 2 + 6, 4 - 5 + 12]);
    const ua = ops.matmul(u, A);
    expect(ua.shape).toEqual([3]);
    expect(read(ua)).toEqual([0.5 - 8, 1 - 10, 1.5 - 12]);
    const vv = ops.matmul(v, v);
    expect(vv.shape).toEqual([]);
    expect(read(vv)).toEqual([6]);
    const batched = ops.matmul(t([1, 0, 0, 1, 2, 0, 0, 2], [2, 2, 2]), u); // [2, 2, 2]·[2] → [2, 2]
    expect(batched.shape).toEqual([2, 2]);
    expect(read(batched)).toEqual([0.5, -2, 1, -4]);
  });

  it('gradients: ∂(uᵀAv)/∂A = u·vᵀ, ∂/∂v = Aᵀu', () => {
    const g = grad((p: { A: Tensor; v: Tensor }) => ops.matmul(u, ops.matmul(p.A, p.v)))({ A, v });
    expect(read(g.A)).toEqual([0.5, -0.5, 1, -2, 2, -4]);
    expect(read(g.v)).toEqual([0.5 - 8, 1 - 10, 1.5 - 12]);
  });
});
