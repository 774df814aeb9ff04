/**
 * Values against PyTorch: the options ported from torch.nn.functional (BCEWithLogits' pos_weight,
 * cross_entropy's ignore_index and weight, with label smoothing) from torch 1.13 (Debian's
 * python3-torch), float64, each reduction and the gradient of 'mean'. The fixture and its generator
 * are in __fixtures__/pytorch (generate.py); CI reads the JSON only.
 */
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { grad, type TensorLike } from '@downhill/autograd';
import { describe, expect, it } from 'vitest';
import fixture from './__fixtures__/pytorch/values.json' with { type: 'json' };
import { sigmoidCrossEntropy, softmaxCrossEntropy, type Reduction } from './index.js';

const b = cpu();
const f64 = (rows: number[][]) => b.tensor(rows.flat(), [rows.length, rows[0].length], 'float64');
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

interface Case {
  logits: number[][];
  options: {
    pos_weight?: number | number[];
    labels?: number[];
    probs?: number[][];
    ignore_index?: number;
    weight?: number[];
    label_smoothing?: number;
  };
  mean: number;
  sum: number;
  none: unknown;
  grad_mean: number[][];
}

/** Our loss for a fixture case, with PyTorch's options translated; host or tensor labels. */
function ours(c: Case, hostLabels: boolean): (x: TensorLike, reduction: Reduction) => TensorLike {
  const o = c.options;
  if (o.probs !== undefined) {
    const classWeights = b.tensor(o.weight!, [o.weight!.length], 'float64');
    return (x, reduction) => softmaxCrossEntropy(x, f64(o.probs!), { classWeights, labelSmoothing: o.label_smoothing, reduction });
  }
  if (o.labels === undefined) {
    const posWeight = typeof o.pos_weight === 'number' ? o.pos_weight : b.tensor(o.pos_weight!, [o.pos_weight!.length], 'float64');
    return (x, reduction) => sigmoidCrossEntropy(x, f64(fixture.targets), { posWeight, reduction });
  }
  const labels = hostLabels ? Int32Array.from(o.labels) : b.tensor(o.labels, [o.labels.length], 'int32');
  const classWeights = o.weight && b.tensor(o.weight, [o.weight.length], 'float64');
  return (x, reduction) =>
    softmaxCrossEntropy(x, labels, {
      reduction,
      ...(o.ignore_index !== undefined && { ignoreIndex: o.ignore_index }),
      ...(classWeights && { classWeights }),
      ...(o.label_smoothing !== undefined && { labelSmoothing: o.label_smoothing }),
    });
}

const close = (got: number[], want: number[], what: string) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs PyTorch ${want[i]}`).toBeLessThanOrEqual(
      1e-12 * Math.max(1, Math.abs(want[i])),
    );
};

describe(`loss options against PyTorch (${fixture.source})`, () => {
  for (const [name, c] of Object.entries(fixture.cases as Record<string, Case>)) {
    for (const host of c.options.labels === undefined ? [false] : [true, false]) {
      it(`${name}${c.options.labels === undefined ? '' : host ? ', host labels' : ', label tensor'}`, () => {
        const loss = ours(c, host);
        const x = f64(c.logits);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          close(Array.from(b.readSync(loss(x, reduction) as Tensor)), flat(c[reduction]), `${name} ${reduction}`);
        }
        const g = grad((p: TensorLike) => loss(p, 'mean'))(x);
        close(Array.from(b.readSync(g)), flat(c.grad_mean), `${name}: gradient of 'mean'`);
      });
    }
  }
});

describe('loss options: refused inputs', () => {
  const x = f64([
    [1, 2, 3],
    [0, 1, 0],
  ]);
  it('posWeight: negative, wrong dtype, wrong trailing shape', () => {
    const z = f64([
      [1, 0, 1],
      [0, 1, 0],
    ]);
    expect(() => sigmoidCrossEntropy(x, z, { posWeight: -1 })).toThrow(/posWeight must be a finite number ≥ 0 or a tensor, got -1/);
    expect(() => sigmoidCrossEntropy(x, z, { posWeight: b.tensor([1, 2, 3], [3], 'float32') })).toThrow(
      /posWeight is float32 but the logits are float64/,
    );
    expect(() => sigmoidCrossEntropy(x, z, { posWeight: b.tensor([1, 2], [2], 'float64') })).toThrow(
      /posWeight \[2\] must match the trailing axes of the logits \[2, 3\]/,
    );
  });
  it('classWeights of the wrong length, ignoreIndex not an integer or with probability targets', () => {
    expect(() => softmaxCrossEntropy(x, [0, 1], { classWeights: b.tensor([1, 2], [2], 'float64') })).toThrow(
      /classWeights \[2\] must have one weight per class, \[3\]/,
    );
    expect(() => softmaxCrossEntropy(x, [0, 1], { ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer, got 0.5/);
    expect(() => softmaxCrossEntropy(x, x, { ignoreIndex: -100 })).toThrow(/ignoreIndex needs integer class labels/);
  });
  it('a host label outside the classes that is not the ignored index still throws, naming its index', () => {
    expect(() => softmaxCrossEntropy(x, [-100, 5], { ignoreIndex: -100 })).toThrow(/label 5 at index 1 is outside \[0, 3\)/);
  });
  it('every example ignored: the mean is 0 (weights that sum to 0), the gradient 0', () => {
    const loss = (p: TensorLike) => softmaxCrossEntropy(p, [-1, -1], { ignoreIndex: -1 });
    expect(Array.from(b.readSync(loss(x) as Tensor))).toEqual([0]);
    // zero, of either sign: log-softmax's backward, `ct − e^out · Σ ct` (PyTorch's), gives −0 where ct is −0
    expect(Array.from(b.readSync(grad(loss)(x)), (v) => v + 0)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
