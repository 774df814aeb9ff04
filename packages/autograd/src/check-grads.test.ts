import { UnsupportedError, defineBackend, type Tensor } from '@downhill/backend';
import { CpuKernels, cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { GradCheckError, checkGrads, detach, ops, type TensorLike } from './index.js';

const backend = cpu();
const t = (data: number[], shape?: number[]) => backend.tensor(data, shape ?? [data.length], 'float64');

describe('checkGrads', () => {
  it('passes a correct function of a tree and counts what it checked', async () => {
    const report = await checkGrads(
      (p: { layer: { w: TensorLike; b: TensorLike } }) => ops.sum(ops.tanh(ops.add(ops.mul(p.layer.w, 3), p.layer.b))),
      { layer: { w: t([0.1, -0.2, 0.3, 0.4], [2, 2]), b: t([0.5, -0.5]) } },
      { order: 2 },
    );
    expect(report.ok).toBe(true);
    // 6 gradient elements and 6 × 6 Hessian entries.
    expect(report.checked).toBe(6 + 36);
    expect(report.failures).toEqual([]);
  });

  it('names the input, the element, both values and the tolerance of a wrong gradient', async () => {
    // d/dx Σ x·detach(x) is x by the rules but 2x by finite differences.
    const f = (p: { a: TensorLike; nested: { x: TensorLike } }) => ops.add(ops.sum(p.a), ops.sum(ops.mul(p.nested.x, detach(p.nested.x))));
    const inputs = { a: t([1, 2]), nested: { x: t([1, 0, 3, 0.5], [2, 2]) } };
    const error = await checkGrads(f, inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradCheckError);
    const report = (error as GradCheckError).report;
    // x[0, 1] = 0 agrees (0 = 0); the other three elements fail; `a` is right.
    expect(report.failures.map((f) => [f.path, f.index])).toEqual([
      ['nested.x', [0, 0]],
      ['nested.x', [1, 0]],
      ['nested.x', [1, 1]],
    ]);
    const first = report.failures[0];
    expect(first.analytic).toBeCloseTo(1, 12);
    expect(first.numeric).toBeCloseTo(2, 6);
    expect(first.tolerance).toBeCloseTo(1e-6 + 1e-5 * 2, 12);
    const message = (error as Error).message;
    expect(message).toMatch(/3 of 6 derivative elements differ/);
    expect(message).toMatch(/df\/d'nested\.x' \[0, 0\]: analytic 1, numeric 2\.0*\d*, \|difference\| .* > tolerance/);
  });

  it('catches a wrong second derivative that first order misses', async () => {
    // Value x³/3 and gradient x² are right, but the gradient is detached, so the Hessian is 0, not 2x.
    const f = (x: TensorLike) => {
      const d = detach(x);
      return ops.sum(ops.add(ops.div(ops.pow(d, 3), 3), ops.mul(ops.sub(x, d), ops.square(d))));
    };
    const x = t([1.5, -2]);
    expect((await checkGrads(f, x)).ok).toBe(true);
    const report = await checkGrads(f, x, { order: 2, throwOnFailure: false });
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => [f.order, f.index, f.withRespectTo?.index, Math.round(f.numeric * 1e4) / 1e4])).toEqual([
      [2, [0], [0], 3],
      [2, [1], [1], -4],
    ]);
  });

  it('converts float32 inputs to float64, and refuses a backend without float64 unless asked', async () => {
    const f = (x: TensorLike) => ops.sum(ops.exp(x));
    expect((await checkGrads(f, backend.tensor([0.5, 1], [2], 'float32'), { rtol: 1e-8, atol: 1e-9 })).ok).toBe(true);
    const kernels = new CpuKernels('cpu32');
    const noF64 = defineBackend(Object.create(kernels, { capabilities: { value: { ...kernels.capabilities, float64: false } } }));
    const x = noF64.tensor([0.5, 1], [2], 'float32');
    await expect(checkGrads(f, x)).rejects.toThrow(UnsupportedError);
    await expect(checkGrads(f, x)).rejects.toThrow(/backend 'cpu32' has no float64.*dtype: 'float32'/);
    expect((await checkGrads(f, x, { dtype: 'float32' })).ok).toBe(true);
  });

  it('passes integer leaves through unchecked', async () => {
    const labels = backend.tensor([1, 0], [2], 'int32');
    const report = await checkGrads(
      (p: { logits: TensorLike; labels: Tensor }) =>
        ops.sum(ops.mul(ops.logSoftmax(p.logits), ops.oneHot(p.labels, 3, { dtype: 'float64' }))),
      {
        logits: t([0.1, 0.2, 0.3, -1, 0, 1], [2, 3]),
        labels,
      },
    );
    expect(report.checked).toBe(6);
  });
});
