import { InvalidArgumentError, type Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { compileMask, type Mask } from './mask.js';
import { adafactor } from './optimizers/adafactor.js';
import { adamw } from './optimizers/adamw.js';
import { lamb } from './optimizers/lamb.js';
import { lars } from './optimizers/lars.js';
import { lion } from './optimizers/lion.js';
import { step } from './step.js';
import { addDecayedWeights } from './transforms/add-decayed-weights.js';
import { scaleByLarsTrustRatio } from './transforms/scale-by-lars-trust-ratio.js';
import { scaleByTrustRatio } from './transforms/scale-by-trust-ratio.js';
import { flatten } from './tree.js';
import type { GradientTransformation, Params } from './types.js';
import { masked } from './wrappers/masked.js';
import { multiTransform } from './wrappers/multi-transform.js';

const b = cpu();
// Two kernels (rank 2, so adafactor factors them) and two biases, one of them inside an array.
const params = (): Params => ({
  dense: { kernel: b.tensor([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3], 'float64'), bias: b.tensor([0.1, -0.2, 0.3], [3], 'float64') },
  layers: [{ kernel: b.tensor([1, -2, 0.5, 3], [2, 2], 'float64'), bias: b.tensor([0.4, -0.6], [2], 'float64') }],
});
const grads = (): Params => ({
  dense: { kernel: b.tensor([0.3, 0.2, -0.1, 0.4, -0.5, 0.6], [2, 3], 'float64'), bias: b.tensor([0.05, -0.07, 0.02], [3], 'float64') },
  layers: [{ kernel: b.tensor([-0.2, 0.1, 0.3, -0.4], [2, 2], 'float64'), bias: b.tensor([0.01, 0.03], [2], 'float64') }],
});
const KERNELS = ['dense.kernel', 'layers.0.kernel'];

/** The parameters after three steps, by dotted name. */
function run(tx: GradientTransformation): Map<string, number[]> {
  let p = params();
  const g = grads();
  let s = tx.init(p);
  for (let i = 0; i < 3; i++) ({ params: p, state: s } = step(tx, p, g, s));
  return new Map(flatten(p).map(([n, t]) => [n, [...b.readSync(t)]]));
}

// Every mask option, through its own factory; `decay` with weight decay on, `none` with weight decay (or the masked stage) off.
const factories: [string, (mask: Mask | undefined, on: boolean) => GradientTransformation][] = [
  ['adamw', (mask, on) => adamw(0.1, { weightDecay: on ? 0.5 : 0, mask })],
  ['lamb', (mask, on) => lamb(0.1, { weightDecay: on ? 0.5 : 0, mask })],
  ['lars', (mask, on) => lars(0.1, { weightDecay: on ? 0.5 : 0, mask })],
  ['lion', (mask, on) => lion(0.1, { weightDecay: on ? 0.5 : 0, mask })],
  ['adafactor', (mask, on) => adafactor(0.1, { weightDecay: on ? 0.5 : 0, mask })],
  ['addDecayedWeights', (mask, on) => addDecayedWeights(on ? 0.5 : 0, { mask })],
  ['scaleByTrustRatio', (mask, on) => (on ? scaleByTrustRatio({ mask }) : scaleByTrustRatio({ mask: () => false }))],
  [
    'scaleByLarsTrustRatio',
    (mask, on) =>
      on ? scaleByLarsTrustRatio({ mask, trustCoefficient: 0.5 }) : scaleByLarsTrustRatio({ mask: () => false, trustCoefficient: 0.5 }),
  ],
  ['masked', (mask, on) => masked(addDecayedWeights(0.5), on ? (mask ?? '**') : () => false)],
  [
    'multiTransform',
    (mask, on) =>
      multiTransform(
        { decay: addDecayedWeights(on ? 0.5 : 0), plain: addDecayedWeights(0) },
        { decay: mask ?? '**' },
        { default: 'plain' },
      ),
  ],
];

const forms: [string, Mask][] = [
  ['a glob', '**.kernel'],
  ['a RegExp', /kernel$/],
  ['a list of names', KERNELS],
  ['a predicate', (name: string, p: Tensor) => p.rank === 2 && name.endsWith('kernel')],
  ['a boolean tree with arrays', { dense: { kernel: true, bias: false }, layers: [{ kernel: true, bias: false }] }],
];

describe.each(factories)('the mask option of %s', (_, make) => {
  // What a mask selecting the kernels must give: kernels as with the stage on for every
  // parameter, biases as with it off (the two runs below do not use masks at all).
  const allOn = run(make(undefined, true));
  const allOff = run(make(() => false, false));
  it('the kernels and the biases move differently with the stage on and off (the case can fail)', () => {
    expect(allOn.get('dense.kernel')).not.toEqual(allOff.get('dense.kernel'));
  });
  it.each(forms)('takes %s', (_, mask) => {
    const got = run(make(mask, true));
    for (const [name, v] of got) expect(v, name).toEqual((KERNELS.includes(name) ? allOn : allOff).get(name));
  });
});

describe('compileMask', () => {
  it.each([
    ['a number', 5, /must be a glob string, a RegExp, a predicate/],
    ['a list holding null', ['**.bias', null], /pattern 1 must be a glob string/],
    ['a tree holding a string', { dense: 'yes' }, /has string yes at 'dense'/],
  ])('refuses %s, naming where', (_, mask, message) => {
    expect(() => compileMask(mask as never, 'adamw')).toThrow(InvalidArgumentError);
    expect(() => compileMask(mask as never, 'adamw')).toThrow(message);
  });

  it('refuses a predicate that returns a non-boolean when it is called', () => {
    const m = compileMask((() => 1) as never, 'adamw');
    expect(() => m('w', b.zeros([1]))).toThrow(/predicate returned number 1 for 'w'/);
  });
});
