import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { checkGrads, ops, valueAndGrad, type TensorLike } from '@downhill/autograd';
import { rng } from '@downhill/initializers';
import { BatchNorm, Dense, Sequential, type Params } from './index.js';

const EPS = 1e-5;
const read = (t: TensorLike) => Array.from((t as Tensor).backend.readSync(t as Tensor));

/** Host reference: per-feature statistics of a [n, c] batch. */
function stats(x: number[], n: number, c: number) {
  const mean = Array.from({ length: c }, (_, j) => x.filter((_, i) => i % c === j).reduce((s, v) => s + v, 0) / n);
  const ss = Array.from({ length: c }, (_, j) => x.filter((_, i) => i % c === j).reduce((s, v) => s + (v - mean[j]) ** 2, 0));
  return { mean, biased: ss.map((v) => v / n), unbiased: ss.map((v) => v / (n - 1)) };
}

describe('BatchNorm', () => {
  it('normalizes with the batch statistics (biased variance) in training mode, then applies gamma and beta', () => {
    const b = cpu();
    const bn = new BatchNorm(2).init(b, { seed: 0, dtype: 'float64' });
    bn.setParameters({ gamma: b.tensor([2, 0.5], [2], 'float64'), beta: b.tensor([1, -1], [2], 'float64') });
    const data = [1, 2, 2, 2, 3, 2, 4, 6];
    const y = read(bn.call(b.tensor(data, [4, 2], 'float64')));
    const { mean, biased } = stats(data, 4, 2);
    const gamma = [2, 0.5];
    const beta = [1, -1];
    y.forEach((v, i) => expect(v).toBeCloseTo(gamma[i % 2] * ((data[i] - mean[i % 2]) / Math.sqrt(biased[i % 2] + EPS)) + beta[i % 2], 12));
  });

  it('updates the running statistics as (1 − m)·running + m·batch, with the UNBIASED batch variance', () => {
    const b = cpu();
    const m = 0.1;
    const bn = new BatchNorm(3).init(b, { seed: 0, dtype: 'float64' });
    let runMean = [0, 0, 0];
    let runVar = [1, 1, 1];
    const key = rng(5);
    for (let step = 0; step < 4; step++) {
      const data = Array.from(key.fold(step).normal(5 * 3, { mean: step, std: 1 + step }));
      bn.call(b.tensor(data, [5, 3], 'float64'));
      const s = stats(data, 5, 3);
      runMean = runMean.map((r, j) => (1 - m) * r + m * s.mean[j]);
      runVar = runVar.map((r, j) => (1 - m) * r + m * s.unbiased[j]);
      const { runningMean, runningVar } = bn.buffers() as { runningMean: Tensor; runningVar: Tensor };
      read(runningMean).forEach((v, j) => expect(v).toBeCloseTo(runMean[j], 12));
      read(runningVar).forEach((v, j) => expect(v).toBeCloseTo(runVar[j], 12));
    }
    // The first update, by hand: mean 0.1·μ, variance 0.9 + 0.1·(unbiased σ²).
    const fresh = new BatchNorm(1, { momentum: 0.5 }).init(b, { seed: 0, dtype: 'float64' });
    fresh.call(b.tensor([1, 2, 3, 4], [4, 1], 'float64'));
    expect(read(fresh.buffers().runningMean as Tensor)[0]).toBeCloseTo(0.5 * 2.5, 12);
    expect(read(fresh.buffers().runningVar as Tensor)[0]).toBeCloseTo(0.5 + 0.5 * (5 / 3), 12);
  });

  it('uses the running statistics in evaluation mode and leaves them unchanged', () => {
    const b = cpu();
    const bn = new BatchNorm(2).init(b, { seed: 0, dtype: 'float64' });
    bn.setBuffers({ runningMean: b.tensor([1, -2], [2], 'float64'), runningVar: b.tensor([4, 0.25], [2], 'float64') });
    bn.setParameters({ gamma: b.tensor([3, 1], [2], 'float64'), beta: b.tensor([0, 5], [2], 'float64') });
    bn.eval();
    const before = bn.buffers();
    const y = read(bn.call(b.tensor([3, 0, -1, -2], [2, 2], 'float64')));
    expect(y[0]).toBeCloseTo((3 * (3 - 1)) / Math.sqrt(4 + EPS), 12);
    expect(y[1]).toBeCloseTo((0 + 2) / Math.sqrt(0.25 + EPS) + 5, 12);
    expect(y[2]).toBeCloseTo((3 * (-1 - 1)) / Math.sqrt(4 + EPS), 12);
    expect(y[3]).toBeCloseTo(5, 12);
    expect(bn.buffers()).toEqual(before); // the same handles: no update in evaluation mode
    // Single examples work in evaluation mode, not in training mode.
    expect(bn.call(b.tensor([1, 2], [1, 2], 'float64')).shape).toEqual([1, 2]);
    expect(() => bn.call(b.tensor([1, 2], [1, 2], 'float64'), { training: true })).toThrow(/more than one value per feature/);
  });

  it('takes statistics over every axis but the feature axis (axis 1 of [N, C, L])', () => {
    const b = cpu();
    const bn = new BatchNorm(2, { axis: 1, affine: false }).init(b, { seed: 0, dtype: 'float64' });
    // Channel 0 holds 1..4, channel 1 holds 10, 10, 10, 30.
    const x = b.tensor([1, 2, 10, 10, 3, 4, 10, 30], [2, 2, 2], 'float64');
    const y = read(bn.call(x));
    const s0 = stats([1, 2, 3, 4], 4, 1);
    const s1 = stats([10, 10, 10, 30], 4, 1);
    expect(y[0]).toBeCloseTo((1 - s0.mean[0]) / Math.sqrt(s0.biased[0] + EPS), 12);
    expect(y[7]).toBeCloseTo((30 - s1.mean[0]) / Math.sqrt(s1.biased[0] + EPS), 12);
    expect(read(bn.buffers().runningVar as Tensor)[1]).toBeCloseTo(0.9 + 0.1 * s1.unbiased[0], 12);
  });

  it('has gradients that match finite differences (float64), through the batch statistics', async () => {
    const b = cpu();
    const model = new Sequential({ dense: new Dense(3, 4), bn: new BatchNorm(4) }).init(b, { seed: 1, dtype: 'float64' });
    model.setParameters({
      ...model.parameters(),
      bn: { gamma: b.tensor([1.5, -0.5, 2, 0.7], [4], 'float64'), beta: b.tensor([0.1, 0.2, -0.3, 0], [4], 'float64') },
    });
    const x = b.tensor(Array.from(rng(2).normal(5 * 3)), [5, 3], 'float64');
    const r = b.tensor(Array.from(rng(3).normal(5 * 4)), [5, 4], 'float64');
    const f = (i: { p: Params; x: TensorLike }) => ops.sum(ops.mul(ops.tanh(model.apply(i.p, i.x, { training: true })), r));
    const report = await checkGrads(f, { p: model.parameters(), x });
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(3 * 4 + 4 + 4 + 4 + 5 * 3);
    const evalReport = await checkGrads(
      (i: { p: Params; x: TensorLike }) => ops.sum(ops.mul(ops.tanh(model.apply(i.p, i.x, { training: false })), r)),
      { p: model.parameters(), x },
    );
    expect(evalReport.ok).toBe(true);
  });

  it('updates the running statistics once per training step under valueAndGrad, from detached values', () => {
    const b = cpu();
    const model = new Sequential({ bn: new BatchNorm(2) }).init(b, { seed: 0, dtype: 'float64' });
    const x = b.tensor([1, 2, 3, 4, 5, 7], [3, 2], 'float64');
    const [loss, grads] = valueAndGrad((p: Params) => ops.sum(ops.square(model.apply(p, x))))(model.parameters());
    expect(read((model.buffers().bn as Params).runningMean as Tensor)).toEqual([0.1 * 3, 0.1 * (13 / 3)].map((v) => expect.closeTo(v, 12)));
    b.dispose([loss, grads]);
  });

  it('applyFunctional returns the new buffers and leaves the module untouched', () => {
    const b = cpu();
    const bn = new BatchNorm(2).init(b, { seed: 0, dtype: 'float64' });
    const before = bn.buffers();
    const x = b.tensor([1, 2, 3, 4], [2, 2], 'float64');
    const { output, buffers } = bn.applyFunctional(bn.parameters(), undefined, x);
    expect(bn.buffers()).toEqual(before);
    expect(read(before.runningMean as Tensor)).toEqual([0, 0]);
    expect(read(buffers.runningMean as Tensor).map((v) => +v.toFixed(12))).toEqual([0.2, 0.3]);
    expect(read(buffers.runningVar as Tensor).map((v) => +v.toFixed(12))).toEqual([0.9 + 0.1 * 2, 0.9 + 0.1 * 2]);
    expect(output.shape).toEqual([2, 2]);
    // In evaluation mode nothing changes: the given buffers come back.
    const evalRun = bn.applyFunctional(bn.parameters(), buffers, x, { training: false });
    expect(evalRun.buffers.runningMean).toBe(buffers.runningMean);
  });

  it('refuses bad options and inputs with typed errors', () => {
    const b = cpu();
    expect(() => new BatchNorm(2, { momentum: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new BatchNorm(0)).toThrow(InvalidArgumentError);
    const bn = new Sequential({ norm: new BatchNorm(3) }).init(b, { seed: 0 });
    expect(() => bn.call(b.zeros([4, 2]))).toThrow(ShapeError);
    expect(() => bn.call(b.zeros([4, 2]))).toThrow(/BatchNorm 'norm'.*\[4, 2\] has 2 features/);
  });
});
