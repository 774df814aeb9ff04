import { DownhillError, InvalidArgumentError } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import '../register.js';
import { BUILT_IN_OPTIMIZERS, type BuiltInName } from '../register.js';
import { syntheticHessianEstimate } from '../testing/hessian-estimates.js';
import { getHyperparams } from '../inject-hyperparams.js';
import { adam } from '../optimizers/adam.js';
import { step } from '../step.js';
import type { GradientTransformation } from '../types.js';
import { scaleToy, tree, values } from '../wrappers/__fixtures__/toy.js';
import {
  DuplicateOptimizerError,
  OptimizerNotFoundError,
  createOptimizer,
  hasOptimizer,
  listOptimizers,
  optimizerNameOf,
  registerOptimizer,
  unregisterOptimizer,
} from './registry.js';

const b = cpu();

afterEach(() => {
  for (const n of ['my-opt', 'my_opt2']) unregisterOptimizer(n);
});

describe('the built-in optimizers (@downhill/optimizers/register)', () => {
  it('are all registered, with descriptions, sorted by name', () => {
    const listed = listOptimizers();
    const names = listed.map((o) => o.name);
    for (const [n] of BUILT_IN_OPTIMIZERS) expect(names).toContain(n);
    expect(names).toEqual([...names].sort());
    expect(listed.every((o) => o.description.length > 10)).toBe(true);
  });

  /** The options a built-in cannot be made without (a callback it takes its inputs from). */
  const REQUIRED_OPTIONS: Partial<Record<BuiltInName, Record<string, unknown>>> = {
    sophia: { hessianEstimate: syntheticHessianEstimate() },
    adahessian: { hessianEstimate: syntheticHessianEstimate() },
    // Polyak's step needs the objective's value.
    polyakSgd: { value: () => 1 },
  };

  it('supplies exactly the callbacks the registry says the built-in optimizers need', () => {
    const flagged = listOptimizers().filter((o) => o.callback !== undefined && BUILT_IN_OPTIMIZERS.some(([n]) => n === o.name));
    expect(flagged.map((o) => o.name).sort()).toEqual(Object.keys(REQUIRED_OPTIONS).sort());
    for (const o of flagged) expect(Object.keys(REQUIRED_OPTIONS[o.name as BuiltInName] ?? {})).toContain(o.callback);
  });

  it.each(BUILT_IN_OPTIMIZERS.map(([n]) => n))('%s made by name gives the same step as the function', (name) => {
    const fn = BUILT_IN_OPTIMIZERS.find(([n]) => n === name)![1];
    const p = tree(b, {
      w: [
        [0.5, -1, 2, 0.25],
        [2, 2],
      ],
      v: [1, -2],
    });
    const g = tree(b, {
      w: [
        [0.1, 0.2, -0.3, 0.4],
        [2, 2],
      ],
      v: [-1, 0.5],
    });
    const required = REQUIRED_OPTIONS[name] ?? {};
    const byName = createOptimizer(name, { lr: 0.01, ...required });
    const direct = fn(0.01, required);
    const a = step(byName, p, g, byName.init(p));
    const c = step(direct, p, g, direct.init(p));
    expect(values(a.params)).toEqual(values(c.params));
    expect(optimizerNameOf(byName)).toBe(name);
  });

  it('passes the other options through, in both call forms', () => {
    const p = tree(b, { w: [1, 2] });
    const a = createOptimizer({ name: 'adam', lr: 0.5, b1: 0.5, eps: 1e-3 });
    const c = createOptimizer('adam', { lr: 0.5, b1: 0.5, eps: 1e-3 });
    expect(getHyperparams(a.init(p))).toMatchObject({ lr: 0.5, b1: 0.5, eps: 1e-3 });
    const g = tree(b, { w: [1, -3] });
    const ref = adam(0.5, { b1: 0.5, eps: 1e-3 });
    expect(values(step(a, p, g, a.init(p)).params)).toEqual(values(step(ref, p, g, ref.init(p)).params));
    expect(values(step(c, p, g, c.init(p)).params)).toEqual(values(step(ref, p, g, ref.init(p)).params));
  });

  it('checks the options through the optimizer itself', () => {
    expect(() => createOptimizer('adam', { lr: 0.1, b1: 2 })).toThrow(/'b1'/);
  });
});

describe('registerOptimizer / createOptimizer', () => {
  it('registers a plugin and makes it by name with its options', () => {
    registerOptimizer('my-opt', ({ lr, factor = 2 }) => scaleToy(-(lr as number) * (factor as number)), { description: 'a test plugin' });
    expect(hasOptimizer('my-opt')).toBe(true);
    expect(listOptimizers().find((o) => o.name === 'my-opt')).toEqual({ name: 'my-opt', description: 'a test plugin' });
    const tx = createOptimizer('my-opt', { lr: 0.5, factor: 3 });
    const [u] = tx.update(tree(b, { w: [2] }), tx.init({}));
    expect(values(u)).toEqual({ w: [-3] });
  });

  it('refuses a second registration of a name, with a typed error, and keeps the first', () => {
    const first = () => scaleToy(1);
    registerOptimizer('my-opt', first, { description: 'first' });
    expect(() => registerOptimizer('my-opt', () => scaleToy(2))).toThrow(DuplicateOptimizerError);
    expect(() => registerOptimizer('my-opt', () => scaleToy(2))).toThrow(/'my-opt' is already registered \(first\)/);
    expect(() => registerOptimizer('adam', () => scaleToy(2))).toThrow(DuplicateOptimizerError);
    expect(listOptimizers().find((o) => o.name === 'my-opt')?.description).toBe('first');
    const [u] = createOptimizer('my-opt', { lr: 1 }).update(tree(b, { w: [2] }), { count: 0 });
    expect(values(u)).toEqual({ w: [2] });
  });

  it('names the registered optimizers when the name is unknown', () => {
    let err: unknown;
    try {
      createOptimizer('adabelif', { lr: 1e-3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptimizerNotFoundError);
    expect(err).toBeInstanceOf(DownhillError);
    expect((err as DownhillError).code).toBe('OPTIMIZER_NOT_FOUND');
    expect((err as Error).message).toMatch(/no optimizer named 'adabelif' is registered; registered: .*adam, .*sgd/);
  });

  it.each([
    ['an empty name', () => registerOptimizer('', () => scaleToy(1))],
    ['a name with a dot', () => registerOptimizer('a.b', () => scaleToy(1))],
    ['a factory that is not a function', () => registerOptimizer('my-opt', 3 as never)],
    ['no lr', () => createOptimizer('adam', {} as never)],
    ['no options', () => createOptimizer('adam')],
    ['a spec without a name', () => createOptimizer({ lr: 1 } as never)],
  ])('rejects %s', (_, fn) => {
    expect(fn).toThrow(InvalidArgumentError);
    expect(hasOptimizer('my-opt')).toBe(false);
  });

  it('rejects a factory that returns something else', () => {
    registerOptimizer('my_opt2', () => ({ init: 1 }) as unknown as GradientTransformation);
    expect(() => createOptimizer('my_opt2', { lr: 1 })).toThrow(/not a gradient transformation/);
  });
});

describe('one registry per process, whichever copy of the package registers', () => {
  it('a second copy of the module (as a plugin installed with its own @downhill/optimizers loads) shares the registry', async () => {
    // The query string makes Vite load the file again as a separate module: its own code, its own module state.
    const other = (await import('./registry.js?second-copy' as string)) as typeof import('./registry.js');
    expect(other.registerOptimizer).not.toBe(registerOptimizer);
    other.registerOptimizer('from-other-copy', ({ lr }) => adam(lr), { description: 'registered by another copy' });
    try {
      expect(hasOptimizer('from-other-copy')).toBe(true);
      expect(listOptimizers()).toContainEqual({ name: 'from-other-copy', description: 'registered by another copy' });
      const tx = createOptimizer('from-other-copy', { lr: 0.1 });
      expect(optimizerNameOf(tx)).toBe('from-other-copy');
      // and back: the built-in ones (registered by this copy) are seen by the other copy
      expect(other.hasOptimizer('adam')).toBe(true);
      expect(() => other.registerOptimizer('adam', ({ lr }) => adam(lr))).toThrow(/an optimizer named 'adam' is already registered/);
    } finally {
      other.unregisterOptimizer('from-other-copy');
    }
    expect(hasOptimizer('from-other-copy')).toBe(false);
  });

  it('names a copy of another registry contract when a name is missing', () => {
    const contracts = (globalThis as Record<symbol, unknown>)[Symbol.for('@downhill/optimizers/registry-contracts')] as Set<number>;
    expect([...contracts]).toContain(1);
    contracts.add(99);
    try {
      expect(() => createOptimizer('no-such-optimizer', { lr: 1 })).toThrow(
        /no optimizer named 'no-such-optimizer' is registered; registered: .*; a copy of @downhill\/optimizers with another registry contract \(99, this one speaks 1\) is loaded too/,
      );
    } finally {
      contracts.delete(99);
    }
  });
});
