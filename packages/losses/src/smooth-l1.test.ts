// smoothL1Loss against PyTorch's SmoothL1Loss definition, written out here per element
// (torch.nn.SmoothL1Loss docs: 0.5·e²/β if |e| < β else |e| − 0.5·β; β = 0 is the L1 loss).
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { grad } from '@downhill/autograd';
import { describe, expect, it } from 'vitest';
import { huberLoss, smoothL1Loss } from './index.js';

const b = cpu();
const pred = [0.3, -1.7, 2.5, 0.05, -0.2, 4];
const target = [0, 0.5, 2.4, -0.1, -0.2, 1];
const torchRule = (beta: number) =>
  pred.map((p, i) => {
    const e = Math.abs(p - target[i]);
    return beta === 0 ? e : e < beta ? (0.5 * e * e) / beta : e - 0.5 * beta;
  });

describe('smoothL1Loss', () => {
  const x = b.tensor(pred, [2, 3], 'float64');
  const y = b.tensor(target, [2, 3], 'float64');
  it.each([1, 0.5, 1 / 9, 0])('matches PyTorch’s rule per element and in the mean, beta %f', (beta) => {
    const each = [...b.readSync(smoothL1Loss(x, y, { beta, reduction: 'none' }) as Tensor)];
    const want = torchRule(beta);
    each.forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
    const mean = b.readSync(smoothL1Loss(x, y, { beta }) as Tensor)[0];
    expect(mean).toBeCloseTo(want.reduce((s, v) => s + v, 0) / want.length, 14);
  });

  it('is huberLoss / beta, and its gradient is clamp(e/β, −1, 1)/n', () => {
    const beta = 0.5;
    const s = [...b.readSync(smoothL1Loss(x, y, { beta, reduction: 'none' }) as Tensor)];
    const h = [...b.readSync(huberLoss(x, y, { delta: beta, reduction: 'none' }) as Tensor)];
    s.forEach((v, i) => expect(v).toBeCloseTo(h[i] / beta, 14));
    const g = [...b.readSync(grad((p: Tensor) => smoothL1Loss(p, y, { beta }))(x))];
    g.forEach((v, i) => expect(v).toBeCloseTo(Math.max(-1, Math.min(1, (pred[i] - target[i]) / beta)) / pred.length, 14));
  });

  it('refuses a negative beta, naming it', () => {
    expect(() => smoothL1Loss(x, y, { beta: -1 })).toThrow(/smoothL1Loss: beta must be a finite number ≥ 0, got -1/);
  });
});
