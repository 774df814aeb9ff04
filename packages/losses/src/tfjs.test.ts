import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cpu } from '@downhill/backend-cpu';
import type { Tensor } from '@downhill/backend';
import type { TensorLike } from '@downhill/autograd';
import {
  hingeLoss,
  huberLoss,
  meanAbsoluteError,
  meanSquaredError,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
  type LossOptions,
} from './index.js';

// TensorFlow.js's losses take (labels, predictions), the reverse of ours, and default to
// Reduction.SUM_BY_NONZERO_WEIGHTS (Σwℓ / number of non-zero weights). With weights we compare
// against Reduction.MEAN (Σwℓ / Σw over the broadcast weights), which is our 'mean'. tfjs broadcasts
// weights from the right (NumPy), so a per-example weight is [batch, 1] there and [batch] here.

const b = cpu();
beforeAll(async () => {
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
  await tf.setBackend('cpu');
});

// A small deterministic generator, so the comparison is fixed.
function values(n: number, seed: number, scale = 3): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 2 * scale;
  });
}

const B = 5;
const C = 4;
const pred = values(B * C, 1);
const target = values(B * C, 2);
const probs = values(B * C, 3).map((v) => (v + 3) / 6); // in [0, 1]
const signs = values(B * C, 4).map((v) => (v >= 0 ? 1 : 0));
const labels = [0, 3, 1, 2, 3];
const oneHot = labels.flatMap((l) => Array.from({ length: C }, (_, c) => (c === l ? 1 : 0)));
const weights = [0.5, 0, 2, 1, 3];

type Ours = (o: LossOptions) => TensorLike;
type Theirs = (w: tf.Tensor | undefined, r: tf.Reduction) => tf.Tensor;
const t2 = (data: number[]) => tf.tensor2d(data, [B, C]);
const d2 = (data: number[]) => b.tensor(data, [B, C]);

const TABLE: { name: string; ours: Ours; theirs: Theirs; perExample?: boolean }[] = [
  {
    name: 'meanSquaredError',
    ours: (o) => meanSquaredError(d2(pred), d2(target), o),
    theirs: (w, r) => tf.losses.meanSquaredError(t2(target), t2(pred), w, r),
  },
  {
    name: 'meanAbsoluteError ~ absoluteDifference',
    ours: (o) => meanAbsoluteError(d2(pred), d2(target), o),
    theirs: (w, r) => tf.losses.absoluteDifference(t2(target), t2(pred), w, r),
  },
  {
    name: 'huberLoss (δ = 0.7)',
    ours: (o) => huberLoss(d2(pred), d2(target), { ...o, delta: 0.7 }),
    theirs: (w, r) => tf.losses.huberLoss(t2(target), t2(pred), w, 0.7, r),
  },
  {
    name: 'sigmoidCrossEntropy',
    ours: (o) => sigmoidCrossEntropy(d2(pred), d2(probs), o),
    theirs: (w, r) => tf.losses.sigmoidCrossEntropy(t2(probs), t2(pred), w, 0, r),
  },
  {
    name: 'sigmoidCrossEntropy, label smoothing 0.1',
    ours: (o) => sigmoidCrossEntropy(d2(pred), d2(probs), { ...o, labelSmoothing: 0.1 }),
    theirs: (w, r) => tf.losses.sigmoidCrossEntropy(t2(probs), t2(pred), w, 0.1, r),
  },
  {
    name: 'hingeLoss (ours −1/+1, tfjs 0/1)',
    ours: (o) => hingeLoss(d2(pred), d2(signs.map((s) => 2 * s - 1)), o),
    theirs: (w, r) => tf.losses.hingeLoss(t2(signs), t2(pred), w, r),
  },
  {
    name: 'softmaxCrossEntropy, integer labels',
    ours: (o) => softmaxCrossEntropy(d2(pred), b.tensor(labels, [B], 'int32'), o),
    theirs: (w, r) => tf.losses.softmaxCrossEntropy(t2(oneHot), t2(pred), w, 0, r),
    perExample: true,
  },
  {
    name: 'softmaxCrossEntropy, one-hot targets, label smoothing 0.2',
    ours: (o) => softmaxCrossEntropy(d2(pred), d2(oneHot), { ...o, labelSmoothing: 0.2 }),
    theirs: (w, r) => tf.losses.softmaxCrossEntropy(t2(oneHot), t2(pred), w, 0.2, r),
    perExample: true,
  },
];

const close = (ours: number[], theirs: number[]) => {
  expect(ours.length).toBe(theirs.length);
  ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i], 4));
};

describe('against TensorFlow.js tf.losses', () => {
  it.each(TABLE)('$name', ({ ours, theirs, perExample }) => {
    const read = (t: TensorLike) => Array.from(b.readSync(t as Tensor));
    const tw = tf.tensor(weights, perExample ? [B] : [B, 1]);
    const dw = b.tensor(weights, [B]);
    // Unreduced, reduced by default (tfjs's SUM_BY_NONZERO_WEIGHTS equals the mean without weights), summed.
    close(read(ours({ reduction: 'none' })), Array.from(theirs(undefined, tf.Reduction.NONE).dataSync()));
    close(read(ours({})), Array.from(theirs(undefined, tf.Reduction.SUM_BY_NONZERO_WEIGHTS).dataSync()));
    close(read(ours({ reduction: 'sum' })), Array.from(theirs(undefined, tf.Reduction.SUM).dataSync()));
    // Weighted: our 'mean' is tfjs's Reduction.MEAN.
    close(read(ours({ weights: dw })), Array.from(theirs(tw, tf.Reduction.MEAN).dataSync()));
    close(read(ours({ weights: dw, reduction: 'none' })), Array.from(theirs(tw, tf.Reduction.NONE).dataSync()));
    close(read(ours({ weights: dw, reduction: 'sum' })), Array.from(theirs(tw, tf.Reduction.SUM).dataSync()));
  });
});
