/**
 * Fuzz: every loss fed random malformed inputs: predictions and targets of random shapes (equal,
 * mismatched, empty, scalar), dtypes (float32, float64, int32, bool), non-tensors, released
 * tensors, labels in and out of range, and options with random keys and values (reductions,
 * weights of any shape, smoothing, δ, β, class weights, ignore indices). Each call either
 * succeeds with a tensor of the documented shape (a scalar, or the per-example shape with
 * `reduction: 'none'`), finite wherever the inputs lie in the loss's domain, or throws a typed
 * DownhillError; either way every input stays alive and unchanged. The number of inputs tried is
 * printed.
 */
import { DownhillError, type DType, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const b = cpu();

type Loss = (x: unknown, y: unknown, options: unknown) => Tensor;
/** Each loss, and whether its targets are integer class labels (one axis fewer than the scores). */
const LOSSES: [name: string, fn: Loss, labels: boolean][] = [
  ['meanSquaredError', api.meanSquaredError as Loss, false],
  ['meanAbsoluteError', api.meanAbsoluteError as Loss, false],
  ['huberLoss', api.huberLoss as Loss, false],
  ['smoothL1Loss', api.smoothL1Loss as Loss, false],
  ['sigmoidCrossEntropy', api.sigmoidCrossEntropy as Loss, false],
  ['softmaxCrossEntropy', api.softmaxCrossEntropy as Loss, false],
  ['softmaxCrossEntropy (labels)', api.softmaxCrossEntropy as Loss, true],
  ['nllLoss', api.nllLoss as Loss, true],
  ['hingeLoss', api.hingeLoss as Loss, false],
  ['squaredHingeLoss', api.squaredHingeLoss as Loss, false],
  ['klDivergence', api.klDivergence as Loss, false],
];

/** Losses defined for any pair of finite predictions and targets. */
const REAL_DOMAIN = new Set(['meanSquaredError', 'meanAbsoluteError', 'huberLoss', 'smoothL1Loss']);

const weird = fc.oneof(
  fc.double(),
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 0.5, 1, 2, 'mean', 'sum', 'none', 'batchmean', null, [], {}, true),
);
const shape = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 });
const dtype = fc.constantFrom<DType>('float32', 'float64', 'float64', 'float64', 'int32', 'bool');
const KEYS = [
  'reduction',
  'weights',
  'labelSmoothing',
  'posWeight',
  'ignoreIndex',
  'classWeights',
  'delta',
  'beta',
  'logTargets',
  'axis',
  'label_smoothing',
  'bogus',
] as const;

/** A tensor description the property turns into a tensor (or a non-tensor), so shrinking stays plain data. */
const operand = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('tensor' as const), shape, dtype, seed: fc.integer(), released: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('other' as const), value: weird }) },
);
type Operand = typeof operand extends fc.Arbitrary<infer T> ? T : never;

function values(n: number, seed: number, dt: DType, labels: boolean, classes: number): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, () => {
    const r = next();
    if (labels || dt === 'int32') return Math.floor(r * (classes + 2)) - 1; // −1 and `classes` are out of range
    if (dt === 'bool') return r < 0.5 ? 0 : 1;
    return r < 0.02 ? NaN : r * 6 - 3;
  });
}

function make(o: Operand, labels: boolean, classes: number, made: Tensor[]): unknown {
  if (o.kind === 'other') return o.value;
  const n = o.shape.reduce((p, d) => p * d, 1);
  const dt = labels ? (o.dtype === 'float64' ? 'int32' : o.dtype) : o.dtype;
  const t = b.tensor(values(n, o.seed, dt, labels, classes), o.shape, dt);
  made.push(t);
  if (o.released) t.dispose();
  return t;
}

const host = (ts: Tensor[]) => ts.map((t) => (t.disposed ? 'released' : Array.from(b.readSync(t))));

describe('fuzz: losses', () => {
  it('random shapes, dtypes, labels and options: a tensor of the documented shape, or a DownhillError that changes nothing', () => {
    let tried = 0;
    let succeeded = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: LOSSES.length - 1 }),
        operand,
        operand,
        fc.boolean(),
        fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(weird, operand), { maxKeys: 3 }),
        fc.boolean(),
        fc.constantFrom('mean', 'sum', 'none'),
        fc.integer({ min: 0, max: 3 }),
        (k, xo0, yo, sameShape, randomOptions, plausible, reduction, weightAxes) => {
          tried++;
          const [name, loss, labels] = LOSSES[k];
          const made: Tensor[] = [];
          // Half the time the targets take the predictions' shape, so calls get past the shape checks.
          const xo: Operand =
            plausible && xo0.kind === 'tensor' ? { ...xo0, dtype: xo0.seed % 2 ? 'float32' : 'float64', released: false } : xo0;
          const xs = xo.kind === 'tensor' ? xo.shape : [];
          const rawOptions: Record<string, unknown> = plausible
            ? {
                reduction,
                ...(weightAxes <= xs.length && weightAxes > 0 && xo.kind === 'tensor'
                  ? { weights: { kind: 'tensor', shape: xs.slice(0, weightAxes), dtype: xo.dtype, seed: 7, released: false } }
                  : {}),
              }
            : randomOptions;
          const yShape = labels ? xs.slice(0, -1) : xs;
          // and with `plausible` everything else lines up too: one float dtype, valid options,
          // weights over the leading axes, so that values (not only checks) get exercised.
          const y0 =
            sameShape && yo.kind === 'tensor'
              ? { ...yo, shape: yShape, ...(plausible && xo.kind === 'tensor' ? { dtype: xo.dtype, released: false } : {}) }
              : yo;
          const classes = xs.length ? xs[xs.length - 1] : 1;
          const x = make(xo, false, classes, made);
          const y = make(y0, labels, classes, made);
          const options: Record<string, unknown> = {};
          for (const [key, v] of Object.entries(rawOptions)) {
            options[key] =
              v !== null && typeof v === 'object' && 'kind' in v ? make(v as Operand, key === 'ignoreIndex', classes, made) : v;
          }
          const before = host(made);
          let out: Tensor | undefined;
          try {
            out = loss(x, y, options);
          } catch (e) {
            expect(e, `${name}: ${String(e)}`).toBeInstanceOf(DownhillError);
            expect((e as Error).message, 'the message names the loss').toContain(name.split(' ')[0]);
          }
          if (out) {
            succeeded++;
            const reduction = options.reduction ?? 'mean';
            const xt = x as Tensor;
            const perExample = labels ? xt.shape.slice(0, -1) : REAL_DOMAIN.has(name) ? xt.shape : null;
            if (reduction !== 'none') expect(out.shape, name).toEqual([]);
            else if (perExample) expect(out.shape, name).toEqual(perExample);
            // Losses defined for every pair of finite values must give a finite loss for them (the
            // others mark invalid targets, such as a hinge target other than ±1, with NaN by design).
            const finiteInputs = made.every((t) => t.disposed || Array.from(b.readSync(t)).every(Number.isFinite));
            const plainOptions = Object.keys(options).every((key) => key === 'reduction' || key === 'weights');
            if (REAL_DOMAIN.has(name) && finiteInputs && plainOptions)
              expect(Array.from(b.readSync(out)).every(Number.isFinite), `${name} gave a non-finite loss`).toBe(true);
            out.dispose();
          }
          expect(host(made), `${name} changed an input`).toEqual(before);
          b.dispose(made.filter((t) => !t.disposed));
        },
      ),
      { numRuns: 2000, seed: 41 },
    );
    console.log(`fuzz: losses: ${tried} inputs tried, ${succeeded} accepted, ${tried - succeeded} refused with a DownhillError`);
  });

  it('found by this fuzz: a released target and a class axis of length 0 are refused with the loss named', () => {
    const x = b.tensor([0.5, 1], [2], 'float64');
    const y = b.tensor([0.5, 0], [2], 'float64');
    y.dispose();
    expect(() => api.meanSquaredError(x, y)).toThrow(/meanSquaredError: targets .* released/);
    const labels = b.tensor([0], [1], 'int32');
    labels.dispose();
    expect(() => api.softmaxCrossEntropy(b.zeros([1, 2], 'float64'), labels)).toThrow(/softmaxCrossEntropy: labels .* released/);
    expect(() => api.softmaxCrossEntropy(b.zeros([2, 0], 'float64'), b.zeros([2, 0], 'float64'))).toThrow(
      /softmaxCrossEntropy: logits must have a class axis of at least one class, got shape \[2, 0\]/,
    );
    expect(Array.from(b.readSync(x))).toEqual([0.5, 1]);
  });
});
