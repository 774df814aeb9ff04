import { describe, expect, it } from 'vitest';
import { cpu } from '@downhill/backend-cpu';
import { DTypeError, InvalidArgumentError, ShapeError, type Tensor } from '@downhill/backend';
import { ops, type TensorLike } from '@downhill/autograd';
import {
  hingeLoss,
  huberLoss,
  klDivergence,
  meanAbsoluteError,
  meanSquaredError,
  nllLoss,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
  squaredHingeLoss,
} from './index.js';

const b = cpu();
const f64 = (data: number[], shape: number[]) => b.tensor(data, shape, 'float64');
const i32 = (data: number[]) => b.tensor(data, [data.length], 'int32');
const read = (t: TensorLike) => Array.from(b.readSync(t as Tensor));
const lse = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
const softplus = (x: number) => Math.log1p(Math.exp(x));

// Hand-computed per-example losses; 'mean' and 'sum' are checked from them.
const CASES: { name: string; run: (o: object) => TensorLike; perExample: number[] }[] = [
  {
    name: 'meanSquaredError',
    run: (o) => meanSquaredError(f64([1, 2, 3, 4], [2, 2]), f64([1, 0, 5, 3], [2, 2]), o),
    perExample: [0, 4, 4, 1],
  },
  {
    name: 'meanAbsoluteError',
    run: (o) => meanAbsoluteError(f64([1, 2, 3, 4], [2, 2]), f64([1, 0, 5, 3.5], [2, 2]), o),
    perExample: [0, 2, 2, 0.5],
  },
  {
    name: 'huberLoss δ=1',
    run: (o) => huberLoss(f64([0.5, -3, 1], [3]), f64([0, 0, 0], [3]), o),
    perExample: [0.125, 2.5, 0.5],
  },
  {
    name: 'huberLoss δ=2',
    run: (o) => huberLoss(f64([0.5, -3, 1], [3]), f64([0, 0, 0], [3]), { ...o, delta: 2 }),
    perExample: [0.125, 4, 0.5],
  },
  {
    name: 'sigmoidCrossEntropy',
    run: (o) => sigmoidCrossEntropy(f64([0, 2, -3, 1], [4]), f64([1, 0, 0, 0.25], [4]), o),
    perExample: [Math.log(2), softplus(2), softplus(-3), softplus(1) - 0.25],
  },
  {
    name: 'sigmoidCrossEntropy, label smoothing 0.2',
    run: (o) => sigmoidCrossEntropy(f64([2], [1]), f64([1], [1]), { ...o, labelSmoothing: 0.2 }),
    perExample: [softplus(2) - 2 * 0.9],
  },
  {
    name: 'softmaxCrossEntropy, integer labels',
    run: (o) => softmaxCrossEntropy(f64([1, 2, 3, 0, 0, 0], [2, 3]), i32([2, 1]), o),
    perExample: [lse([1, 2, 3]) - 3, Math.log(3)],
  },
  {
    name: 'softmaxCrossEntropy, probability targets',
    run: (o) => softmaxCrossEntropy(f64([1, 2, 3, 0, 0, 0], [2, 3]), f64([0.5, 0, 0.5, 0, 1, 0], [2, 3]), o),
    perExample: [lse([1, 2, 3]) - 2, Math.log(3)],
  },
  {
    name: 'softmaxCrossEntropy, label smoothing 0.3',
    run: (o) => softmaxCrossEntropy(f64([1, 2, 3], [1, 3]), i32([0]), { ...o, labelSmoothing: 0.3 }),
    perExample: [(0.7 + 0.1) * (lse([1, 2, 3]) - 1) + 0.1 * (lse([1, 2, 3]) - 2) + 0.1 * (lse([1, 2, 3]) - 3)],
  },
  {
    name: 'nllLoss (with −∞ away from the label)',
    run: (o) => nllLoss(f64([Math.log(0.25), Math.log(0.75), -Infinity, 0], [2, 2]), i32([1, 1]), o),
    perExample: [-Math.log(0.75), 0],
  },
  {
    name: 'hingeLoss',
    run: (o) => hingeLoss(f64([2, 0.5, -0.5, 0.3], [4]), f64([1, 1, 1, -1], [4]), o),
    perExample: [0, 0.5, 1.5, 1.3],
  },
  {
    name: 'squaredHingeLoss',
    run: (o) => squaredHingeLoss(f64([2, 0.5, -0.5, 0.3], [4]), f64([1, 1, 1, -1], [4]), o),
    perExample: [0, 0.25, 2.25, 1.69],
  },
  {
    name: 'klDivergence, probability targets (a zero target adds nothing)',
    run: (o) => klDivergence(ops.log(f64([0.5, 0.25, 0.25, 0.2, 0.3, 0.5], [2, 3])), f64([0.25, 0.75, 0, 0.2, 0.3, 0.5], [2, 3]), o),
    perExample: [0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.25), 0],
  },
  {
    name: 'klDivergence, log targets',
    run: (o) => klDivergence(ops.log(f64([0.5, 0.5], [1, 2])), ops.log(f64([0.9, 0.1], [1, 2])), { ...o, logTargets: true }),
    perExample: [0.9 * Math.log(0.9 / 0.5) + 0.1 * Math.log(0.1 / 0.5)],
  },
];

describe('loss values against hand-computed cases', () => {
  it.each(CASES)('$name', ({ run, perExample }) => {
    const none = read(run({ reduction: 'none' }));
    none.forEach((v, i) => expect(v).toBeCloseTo(perExample[i], 12));
    const sum = perExample.reduce((s, v) => s + v, 0);
    expect(read(run({ reduction: 'sum' }))[0]).toBeCloseTo(sum, 12);
    expect(read(run({}))[0]).toBeCloseTo(sum / perExample.length, 12);
  });

  it('weights: mean is Σwℓ / Σw over the broadcast weights, sum is Σwℓ, none is wℓ', () => {
    const p = f64([1, 2, 3, 4], [2, 2]);
    const t = f64([0, 0, 0, 0], [2, 2]);
    const w = f64([1, 3], [2]); // per example, broadcast over the last axis
    expect(read(meanSquaredError(p, t, { weights: w, reduction: 'none' }))).toEqual([1, 4, 27, 48]);
    expect(read(meanSquaredError(p, t, { weights: w, reduction: 'sum' }))[0]).toBe(80);
    expect(read(meanSquaredError(p, t, { weights: w }))[0]).toBeCloseTo(80 / 8, 12);
    const zero = f64([0, 0], [2]);
    expect(read(meanSquaredError(p, t, { weights: zero }))[0]).toBe(0);
    const logits = f64([1, 2, 3, 0, 0, 0], [2, 3]);
    const one = read(softmaxCrossEntropy(logits, i32([2, 1]), { weights: f64([0, 1], [2]) }))[0];
    expect(one).toBeCloseTo(Math.log(3), 12);
  });

  it('nllLoss of logSoftmax equals softmaxCrossEntropy', () => {
    const logits = f64([0.3, -1, 2, 5, 0, 1], [2, 3]);
    const y = i32([2, 0]);
    expect(read(nllLoss(ops.logSoftmax(logits), y))[0]).toBeCloseTo(read(softmaxCrossEntropy(logits, y))[0], 12);
  });

  it('works in float32', () => {
    const v = read(softmaxCrossEntropy(b.tensor([1, 2, 3], [1, 3]), i32([2])))[0];
    expect(v).toBeCloseTo(lse([1, 2, 3]) - 3, 5);
  });
});

describe('errors name the operands', () => {
  const ERRORS: { name: string; run: () => unknown; type: new (message: string) => Error; message: RegExp }[] = [
    {
      name: 'batch mismatch',
      run: () => softmaxCrossEntropy(b.zeros([32, 10]), b.zeros([31], 'int32')),
      type: ShapeError,
      message: /softmaxCrossEntropy: logits \[32, 10\] and labels \[31\] disagree on the batch dimension/,
    },
    {
      name: 'label rank',
      run: () => softmaxCrossEntropy(b.zeros([4, 10]), b.zeros([4, 1], 'int32')),
      type: ShapeError,
      message: /labels of shape \[4\].*got \[4, 1\]/,
    },
    {
      name: 'float class indices',
      run: () => softmaxCrossEntropy(b.zeros([4, 10]), b.zeros([4])),
      type: DTypeError,
      message: /labels \[4\] are float32.*int32/,
    },
    {
      name: 'label out of range (host labels)',
      run: () => softmaxCrossEntropy(b.zeros([2, 3]), [1, 3]),
      type: InvalidArgumentError,
      message: /label 3 at index 1 is outside \[0, 3\)/,
    },
    {
      name: 'one-hot shape',
      run: () => softmaxCrossEntropy(b.zeros([2, 3]), b.zeros([2, 4])),
      type: ShapeError,
      message: /logits \[2, 3\] and labels \[2, 4\] differ/,
    },
    {
      name: 'mse broadcast trap',
      run: () => meanSquaredError(b.zeros([32, 1]), b.zeros([32])),
      type: ShapeError,
      message: /predictions \[32, 1\] and targets \[32\]/,
    },
    {
      name: 'dtype mismatch',
      run: () => meanSquaredError(b.zeros([2]), b.zeros([2], 'float64')),
      type: DTypeError,
      message: /float32 but targets is float64/,
    },
    {
      name: 'integer predictions',
      run: () => meanAbsoluteError(b.zeros([2], 'int32'), b.zeros([2], 'int32')),
      type: DTypeError,
      message: /predictions \[2\] is int32/,
    },
    {
      name: 'bad reduction',
      run: () => meanSquaredError(b.zeros([2]), b.zeros([2]), { reduction: 'avg' as never }),
      type: InvalidArgumentError,
      message: /reduction must be one of/,
    },
    {
      name: 'bad weights',
      run: () => meanSquaredError(b.zeros([2, 2]), b.zeros([2, 2]), { weights: b.zeros([3]) }),
      type: ShapeError,
      message: /weights \[3\].*\[2, 2\]/,
    },
    {
      name: 'bad delta',
      run: () => huberLoss(b.zeros([2]), b.zeros([2]), { delta: 0 }),
      type: InvalidArgumentError,
      message: /delta must be/,
    },
    {
      name: 'bad smoothing',
      run: () => softmaxCrossEntropy(b.zeros([1, 2]), i32([0]), { labelSmoothing: 2 }),
      type: InvalidArgumentError,
      message: /labelSmoothing must be in \[0, 1\]/,
    },
    {
      name: 'nll labels',
      run: () => nllLoss(b.zeros([3, 2]), i32([0, 1])),
      type: ShapeError,
      message: /nllLoss: logProbs \[3, 2\] and labels \[2\] disagree on the batch dimension/,
    },
  ];
  it.each(ERRORS)('$name', ({ run, type, message }) => {
    expect(run).toThrow(type);
    expect(run).toThrow(message);
  });
});
