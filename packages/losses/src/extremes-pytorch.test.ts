/**
 * Losses at extreme and special inputs against PyTorch 1.13 (Debian's python3-torch), float64:
 * logits of ±1000 and −∞, −∞ log-probabilities, zero targets, residuals at a kink. Per-element
 * (or per-example) losses and the gradient of their weighted sum (weights 1, 2, 3, ...). The
 * fixture and its generator are __fixtures__/pytorch/extremes.{json,py}; CI reads the JSON only.
 * NaN and infinities are compared exactly, numbers to 1e-12 (relative above 1); where downhill
 * chooses otherwise on purpose, DIFFERENT says so and why.
 */
import { readFileSync } from 'node:fs';
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { grad, ops, type TensorLike } from '@downhill/autograd';
import { describe, expect, it } from 'vitest';
import { huberLoss, klDivergence, meanAbsoluteError, nllLoss, sigmoidCrossEntropy, smoothL1Loss, softmaxCrossEntropy } from './index.js';

type Encoded = number | 'NaN' | 'Infinity' | '-Infinity';
type Rows = Encoded[][];
interface Case {
  readonly input: Rows;
  readonly targets?: Rows;
  readonly labels?: number[];
  readonly loss: Encoded[];
  readonly grad: Encoded[];
}
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/pytorch/extremes.json', import.meta.url), 'utf8')) as {
  source: string;
  cases: Record<string, Case>;
};
const decode = (x: Encoded): number => (typeof x === 'number' ? x : Number(x));

const b = cpu();
const f64 = (rows: Rows) => b.tensor(rows.flat().map(decode), [rows.length, rows[0].length], 'float64');
const read = (x: unknown) => [...b.readSync(x as Tensor)];

/** Each case's loss with reduction 'none', as a function of the first input. */
const LOSSES: Record<string, (x: TensorLike, c: Case) => TensorLike> = {
  'sigmoidCrossEntropy at ±1000 and ±40': (x, c) => sigmoidCrossEntropy(x, f64(c.targets!), { reduction: 'none' }),
  'softmaxCrossEntropy with ±1000 and -inf logits': (x, c) =>
    softmaxCrossEntropy(x, b.tensor(c.labels!, [c.labels!.length], 'int32'), { reduction: 'none' }),
  'softmaxCrossEntropy, probabilities, a zero target on a -inf logit': (x, c) =>
    softmaxCrossEntropy(x, f64(c.targets!), { reduction: 'none' }),
  'nllLoss with a -inf log-probability': (x, c) => nllLoss(x, b.tensor(c.labels!, [c.labels!.length], 'int32'), { reduction: 'none' }),
  'huberLoss at its delta': (x, c) => huberLoss(x, f64(c.targets!), { delta: 1, reduction: 'none' }),
  'smoothL1Loss beta 0 at zero': (x, c) => smoothL1Loss(x, f64(c.targets!), { beta: 0, reduction: 'none' }),
  'meanAbsoluteError at zero': (x, c) => meanAbsoluteError(x, f64(c.targets!), { reduction: 'none' }),
  'klDivergence with zero targets': (x, c) => klDivergence(x, f64(c.targets!), { reduction: 'none' }),
};

/** Where downhill differs from PyTorch on purpose: `case/loss` or `case/grad` → [downhill's values, why]. */
const DIFFERENT: Record<string, [Encoded[], string]> = {
  'softmaxCrossEntropy, probabilities, a zero target on a -inf logit/loss': [
    [0.8132616875182228, 0],
    'a class with target 0 adds nothing, whatever its logit (the limit of p·log q as p → 0); PyTorch computes 0·(−∞) = NaN',
  ],
  'smoothL1Loss beta 0 at zero/grad': [
    [0, 2, -3],
    "beta 0 is the absolute error, whose gradient at a zero residual is sign(0) = 0, as PyTorch's own l1_loss gives; PyTorch's smooth_l1_loss gives −1 there",
  ],
  'klDivergence with zero targets/loss': [
    [0, 2],
    'a zero target adds nothing (0·log 0 = 0) whatever the prediction, −∞ included; PyTorch computes 0·(log 0 − (−∞)) = NaN',
  ],
};

function mismatches(label: string, got: number[], want: number[]): string[] {
  if (got.length !== want.length) return [`${label}: ${got.length} elements, PyTorch ${want.length}`];
  const bad: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const [g, w] = [got[i], want[i]];
    // losses and gradients are of order 1 here: 4e-18 against PyTorch's 0 (log(1 + e⁻⁴⁰), which
    // PyTorch's formula rounds away) is agreement, NaN against a number is not
    const ok =
      Number.isFinite(w) && Number.isFinite(g)
        ? Math.abs(g - w) <= 1e-12 * Math.max(1, Math.abs(w))
        : g === w || (Number.isNaN(g) && Number.isNaN(w));
    if (!ok) bad.push(`${label}[${i}]: ${g}, PyTorch ${w}`);
  }
  return bad;
}

describe(`losses at extreme inputs, against ${fixture.source}`, () => {
  it('every fixture case has a loss here, and every loss a case', () => {
    expect(Object.keys(LOSSES).sort()).toEqual(Object.keys(fixture.cases).sort());
  });
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const f = LOSSES[name];
      const x = f64(c.input);
      const weighted = (v: TensorLike) => {
        const y = f(v, c);
        const n = y.shape.reduce((a, d) => a * d, 1);
        return ops.sum(
          ops.mul(
            b.tensor(
              Array.from({ length: n }, (_, i) => i + 1),
              y.shape,
              'float64',
            ),
            y,
          ),
        );
      };
      const bad: string[] = [];
      for (const [what, got, want] of [
        ['loss', read(f(x, c)), c.loss],
        ['grad', read(grad(weighted)(x)), c.grad],
      ] as const) {
        const chosen = DIFFERENT[`${name}/${what}`];
        bad.push(...mismatches(what, got, (chosen ? chosen[0] : want).map(decode)));
      }
      expect(bad).toEqual([]);
    });
  }
});
