/**
 * Bad input gets a typed error naming the parameter or hyperparameter, and a failed call changes
 * nothing: parameters and state read back exactly as before, nothing is released, nothing leaks.
 * Every named optimizer, on the fused and the composed path, pure and in place.
 */
import { DTypeError, InvalidArgumentError, ShapeError, type DType } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { snapshot, treeOf } from './__fixtures__/problems.js';
import { setHyperparams } from './inject-hyperparams.js';
import { adadelta } from './optimizers/adadelta.js';
import { adafactor } from './optimizers/adafactor.js';
import { adagrad } from './optimizers/adagrad.js';
import { adam, amsgrad, nadam } from './optimizers/adam.js';
import { adamax } from './optimizers/adamax.js';
import { adamw } from './optimizers/adamw.js';
import { lamb } from './optimizers/lamb.js';
import { lars } from './optimizers/lars.js';
import { lion } from './optimizers/lion.js';
import { radam } from './optimizers/radam.js';
import { rmsprop } from './optimizers/rmsprop.js';
import { sgd } from './optimizers/sgd.js';
import { step } from './step.js';
import { stateTensors } from './tree.js';
import type { GradientTransformation, OptState, Params } from './types.js';

const b = cpu();

/** Every named optimizer, configured so that it keeps per-parameter state. */
const OPTIMIZERS: readonly [string, (lr: any, o?: any) => GradientTransformation<any>, Record<string, unknown>][] = [
  ['sgd', sgd, { momentum: 0.9 }],
  ['adagrad', adagrad, {}],
  ['adadelta', adadelta, {}],
  ['rmsprop', rmsprop, { centered: true, momentum: 0.5 }],
  ['adam', adam, {}],
  ['adamw', adamw, {}],
  ['amsgrad', amsgrad, {}],
  ['nadam', nadam, {}],
  ['adamax', adamax, {}],
  ['radam', radam, {}],
  ['lion', lion, {}],
  ['lamb', lamb, {}],
  ['lars', lars, {}],
  ['adafactor', adafactor, { minDimSizeToFactor: 2 }],
];

const SHAPES = { 'a.w': [2, 3], 'a.v': [3], b: [2] };
const values = (n: number, s = 1) => Array.from({ length: n }, (_, i) => s * (0.3 + 0.1 * i) * (i % 2 ? -1 : 1));

function params(dtype: DType = 'float64', shapes: Record<string, number[]> = SHAPES): Params {
  return treeOf(b, Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, values(s.reduce((x, y) => x * y, 1))])), dtype, shapes);
}

function grads(dtype: DType = 'float64', shapes: Record<string, number[]> = SHAPES): Params {
  return treeOf(
    b,
    Object.fromEntries(
      Object.entries(shapes).map(([n, s]) => [
        n,
        values(
          s.reduce((x, y) => x * y, 1),
          0.5,
        ),
      ]),
    ),
    dtype,
    shapes,
  );
}

/** Runs `fn`, expects `Err` with every pattern in the message, and checks that nothing changed. */
function expectUnchanged(p: Params, s: OptState, g: Params, fn: () => unknown, Err: new (...a: any[]) => Error, patterns: RegExp[]): void {
  const before = snapshot(b, { p, s, g } as never);
  const live = b.memory().tensors;
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(Err);
  for (const re of patterns) expect((error as Error).message).toMatch(re);
  expect(stateTensors({ p, s, g } as never).every((t) => !t.disposed)).toBe(true);
  expect(snapshot(b, { p, s, g } as never)).toEqual(before);
  expect(b.memory().tensors).toBe(live);
}

describe.each(OPTIMIZERS)('%s: bad input', (name, make, options) => {
  const tx = make(0.1, options);
  const modes = [
    { inPlace: false, fused: true },
    { inPlace: true, fused: true },
    { inPlace: true, fused: false },
  ];

  function withState(f: (p: Params, s: OptState) => void): void {
    let p = params();
    let s: OptState = tx.init(p);
    const g = grads();
    ({ params: p, state: s } = step(tx, p, g, s, { inPlace: true }));
    b.dispose(stateTensors(g));
    f(p, s);
    b.dispose(stateTensors([p, s] as never));
  }

  it.each(modes)('refuses gradients missing a parameter, or with an extra one (%o)', (mode) => {
    withState((p, s) => {
      const { b: _drop, ...partial } = grads();
      _drop && b.dispose(_drop as never);
      expectUnchanged(p, s, partial, () => step(tx, p, partial, s, mode), InvalidArgumentError, [/'b'/, /gradient/]);
      const extra = { ...grads(), c: b.zeros([2], 'float64') };
      expectUnchanged(p, s, extra, () => step(tx, p, extra, s, mode), InvalidArgumentError, [/'c'/]);
      b.dispose(stateTensors([partial, extra] as never));
    });
  });

  it.each(modes)('refuses a gradient of another shape or dtype, naming the parameter (%o)', (mode) => {
    withState((p, s) => {
      const g = grads();
      const wrongShape = { ...g, a: { ...(g.a as Params), w: b.zeros([3, 2], 'float64') } };
      expectUnchanged(p, s, wrongShape, () => step(tx, p, wrongShape, s, mode), ShapeError, [/'a\.w'/, /\[2, 3\]/, /\[3, 2\]/]);
      const wrongDType = { ...g, b: b.zeros([2], 'float32') };
      expectUnchanged(p, s, wrongDType, () => step(tx, p, wrongDType, s, mode), DTypeError, [/'b'/, /float64/, /float32/]);
      b.dispose(stateTensors([g, wrongShape, wrongDType] as never));
    });
  });

  it.each(modes)('refuses a state made for other shapes or dtypes, changing nothing (%o)', (mode) => {
    withState((p, s) => {
      const g = grads();
      const otherShapes = params('float64', { 'a.w': [3, 3], 'a.v': [3], b: [2] });
      const s2 = tx.init(otherShapes);
      expectUnchanged(p, s2, g, () => step(tx, p, g, s2, mode), ShapeError, [/'a\.w'/]);
      const s3 = tx.init(params('float32'));
      expectUnchanged(p, s3, g, () => step(tx, p, g, s3, mode), DTypeError, [/float32/]);
      const missing = tx.init(params('float64', { 'a.w': [2, 3], 'a.v': [3] }));
      expectUnchanged(p, missing, g, () => step(tx, p, g, missing, mode), InvalidArgumentError, [/'b'/]);
      b.dispose(stateTensors([g, otherShapes, s2, s3, missing] as never));
      void s;
    });
  });

  it('refuses a negative or NaN learning rate at construction, naming both', () => {
    expect(() => make(-0.1, options)).toThrow(InvalidArgumentError);
    expect(() => make(-0.1, options)).toThrow(new RegExp(`${name}.*'lr'.*-0\\.1`));
    expect(() => make(Number.NaN, options)).toThrow(new RegExp(`${name}.*'lr'.*NaN`));
  });

  it('refuses a learning rate schedule that turns NaN, at that step, changing nothing', () => {
    const bad = make((t: number) => (t >= 1 ? Number.NaN : 0.1), options);
    let p = params();
    let s: OptState = bad.init(p);
    const g = grads();
    ({ params: p, state: s } = step(bad, p, g, s, { inPlace: true }));
    expectUnchanged(p, s, g, () => step(bad, p, g, s, { inPlace: true }), InvalidArgumentError, [new RegExp(name), /'lr'/, /step 1/]);
    b.dispose(stateTensors([p, s, g] as never));
  });

  it('refuses out-of-range values in setHyperparams, and unknown names', () => {
    const s = tx.init(params());
    expect(() => setHyperparams(s, { lr: -1 })).toThrow(/'lr'.*≥ 0.*-1/);
    expect(() => setHyperparams(s, { lr: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => setHyperparams(s, { nope: 1 })).toThrow(/'nope'/);
    b.dispose(stateTensors(s));
  });
});

describe('betas and epsilons out of range', () => {
  it.each([
    ['adam', () => adam(1e-3, { b1: 1 }), /adam: hyperparameter 'b1' must be in \[0, 1\), got 1/],
    ['adam', () => adam(1e-3, { b1: -0.1 }), /adam: hyperparameter 'b1'.*-0\.1/],
    ['adam', () => adam(1e-3, { b2: 1.5 }), /adam: hyperparameter 'b2'.*1\.5/],
    ['adam', () => adam(1e-3, { eps: -1e-8 }), /adam: hyperparameter 'eps'/],
    ['adam', () => adam(1e-3, { b2: Number.NaN }), /adam: hyperparameter 'b2' must be a number, got NaN/],
    ['adamw', () => adamw(1e-3, { weightDecay: -1 }), /adamw: hyperparameter 'weightDecay'/],
    ['nadam', () => nadam(1e-3, { b1: 1 }), /nadam: hyperparameter 'b1'/],
    ['amsgrad', () => amsgrad(1e-3, { b2: 1 }), /amsgrad: hyperparameter 'b2'/],
    ['adamax', () => adamax(1e-3, { b1: 1 }), /adamax: hyperparameter 'b1'/],
    ['radam', () => radam(1e-3, { b2: -1 }), /radam: hyperparameter 'b2'/],
    ['lion', () => lion(1e-3, { b1: 1 }), /lion: hyperparameter 'b1'/],
    ['lamb', () => lamb(1e-3, { b2: 1 }), /lamb: hyperparameter 'b2'/],
    ['sgd', () => sgd(1e-3, { momentum: 1 }), /sgd: hyperparameter 'momentum'/],
    ['sgd', () => sgd(1e-3, { nesterov: true }), /sgd: Nesterov momentum needs momentum > 0/],
    ['rmsprop', () => rmsprop(1e-3, { decay: 1 }), /rmsprop: hyperparameter 'decay'/],
    ['rmsprop', () => rmsprop(1e-3, { eps: -1 }), /rmsprop: hyperparameter 'eps'/],
    ['adadelta', () => adadelta(1, { rho: 1 }), /adadelta: hyperparameter 'rho'/],
    ['adagrad', () => adagrad(1, { initialAccumulatorValue: -1 }), /adagrad: hyperparameter 'initialAccumulatorValue'/],
    ['lars', () => lars(1, { momentum: -0.5 }), /lars: hyperparameter 'momentum'/],
    ['adafactor', () => adafactor(1, { clippingThreshold: 0 }), /adafactor: hyperparameter 'clippingThreshold'/],
  ])('%s: %s', (_, make, message) => {
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(message);
  });
});
