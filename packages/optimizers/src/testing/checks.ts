import { DownhillError, type Backend } from '@downhill/backend';
import { expect } from 'vitest';
import { Optimizer } from '../stateful/optimizer.js';
import { deserializeState, encodeState, serializeState } from '../stateful/state-format.js';
import { step } from '../step.js';
import { flatten, releaseReplaced, stateTensors, unflatten } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { applyIfFinite, type ApplyIfFiniteState } from '../wrappers/apply-if-finite.js';
import { quadraticProblem, rosenbrockProblem, type TestProblem } from './problems.js';
import { FusionUnavailableError } from '../program/fusion-unavailable-error.js';
import { FUSED_TOLERANCE, checkFusedAgreement } from './fused-agreement.js';
import { stateStructure } from './state-structure.js';

/** How long and how well to minimise one test problem. */
export interface ProblemSettings {
  /** The learning rate passed to the factory. */
  readonly lr: number;
  /** Steps to take. */
  readonly steps: number;
  /** The loss must end at or below this. */
  readonly tolerance: number;
}

/** What every check gets: the backend, a maker of fresh transformations, and the problem settings. */
export interface CheckContext {
  /** The optimizer's name, for messages. */
  readonly name: string;
  /** The backend the check runs on. */
  readonly backend: Backend;
  /** A fresh transformation with this learning rate (the other options bound). */
  readonly make: (lr: number) => GradientTransformation<any>;
  /** Settings of the convex quadratic problem. */
  readonly quadratic: ProblemSettings;
  /** Settings of the Rosenbrock problem. */
  readonly rosenbrock: ProblemSettings;
}

/** One check of the kit: a title and a body that throws (a vitest assertion error) on failure. */
export interface ConformanceCheckSpec {
  /** What the check promises, shown in the test name. */
  readonly title: string;
  /** The check; rejects with an assertion error on failure. */
  readonly run: (ctx: CheckContext) => Promise<void>;
}

/** The checks of the kit, by id. */
export type ConformanceCheck =
  | 'plain-state'
  | 'quadratic'
  | 'rosenbrock'
  | 'no-mutation'
  | 'state-roundtrip'
  | 'stable-structure'
  | 'non-finite'
  | 'flat-memory'
  | 'bad-input'
  | 'fused-composed';

const converges = (problem: TestProblem, key: 'quadratic' | 'rosenbrock'): ConformanceCheckSpec => ({
  title: `converges on ${problem.name === 'quadratic' ? 'an ill-conditioned convex quadratic' : 'the Rosenbrock function'}`,
  async run(ctx) {
    const s = ctx[key];
    const { params, state } = train(ctx.make(s.lr), problem, ctx.backend, s.steps);
    const loss = await problem.loss(params);
    dispose(params, state);
    expect(
      loss,
      `${ctx.name} on ${problem.name} (lr ${s.lr}, ${s.steps} steps): final loss ${loss}, expected ≤ ${s.tolerance}`,
    ).toBeLessThanOrEqual(problem.minimum + s.tolerance);
  },
});

/**
 * The checks, in the order they run. Each is a plain async function, usable outside
 * {@link describeOptimizerConformance} (this package's own tests run them on broken optimizers to
 * show that each can fail).
 */
export const CONFORMANCE_CHECKS: Readonly<Record<ConformanceCheck, ConformanceCheckSpec>> = {
  'plain-state': {
    title: 'init gives plain data that encodes to JSON',
    async run({ backend, make, quadratic }) {
      const params = quadraticProblem.init(backend);
      const state = make(quadratic.lr).init(params);
      const odd = Object.entries(stateStructure(state)).filter(([, d]) => d.startsWith('not state'));
      expect(odd, 'state entries that are not plain data').toEqual([]);
      JSON.stringify(await encodeState(state));
      dispose(params, state);
    },
  },
  quadratic: converges(quadraticProblem, 'quadratic'),
  rosenbrock: converges(rosenbrockProblem, 'rosenbrock'),
  'no-mutation': {
    title: 'update and a pure step leave parameters, gradients and state as they were',
    async run({ backend, make, quadratic }) {
      const tx = make(quadratic.lr);
      const { params, state } = train(tx, quadraticProblem, backend, 2);
      const grads = quadraticProblem.grads(params);
      const inputs = { params, grads, state } as unknown as OptState;
      const before = JSON.stringify(await encodeState(inputs));
      const [updates, next] = tx.update(grads, state, params);
      expect(JSON.stringify(await encodeState(inputs)), 'inputs after tx.update').toBe(before);
      const r = step(tx, params, grads, state);
      expect(JSON.stringify(await encodeState(inputs)), 'inputs after a pure step()').toBe(before);
      expect(
        stateTensors(inputs).filter((t) => t.disposed),
        'input tensors released',
      ).toEqual([]);
      for (const made of [updates, next, r.params, r.state] as OptState[]) releaseReplaced(made, undefined, inputs);
      dispose(inputs);
    },
  },
  'state-roundtrip': {
    title: 'a save and load mid-run continues bitwise identically',
    async run({ backend, make, quadratic }) {
      const p0 = quadraticProblem.init(backend);
      const a = new Optimizer(make(quadratic.lr), p0);
      let pa = steps(a, quadraticProblem, p0, 7);
      const saved = serializeState(await a.stateDict());
      let pb = copy(pa);
      const c = new Optimizer(make(quadratic.lr), pb, { name: a.name });
      c.loadStateDict(deserializeState(saved));
      pa = steps(a, quadraticProblem, pa, 6);
      pb = steps(c, quadraticProblem, pb, 6);
      const [ba, bb, sa, sc, loss] = [
        await bits(pa),
        await bits(pb),
        await a.stateDict(),
        await c.stateDict(),
        await quadraticProblem.loss(pa),
      ];
      dispose(pa, pb);
      a.dispose();
      c.dispose();
      expect(Number.isFinite(loss), `the run itself stays finite (loss ${loss})`).toBe(true);
      expect(bb, 'parameters after loading and continuing').toEqual(ba);
      expect(sc.state, 'state after loading and continuing').toEqual(sa.state);
    },
  },
  'stable-structure': {
    title: 'the state keeps its keys, dtypes and shapes over steps',
    async run({ backend, make, quadratic }) {
      const tx = make(quadratic.lr);
      const params = quadraticProblem.init(backend);
      const s0 = tx.init(params);
      const init = stateStructure(s0);
      const trained = train(tx, quadraticProblem, backend, 3);
      const after = stateStructure(trained.state);
      dispose(params, s0, trained.params, trained.state);
      expect(after, 'state structure after 3 steps vs after init').toEqual(init);
    },
  },
  'non-finite': {
    title: 'a NaN gradient does not crash a step; under applyIfFinite the step is skipped',
    async run({ backend, make, quadratic }) {
      const tx = make(quadratic.lr);
      const { params, state } = train(tx, quadraticProblem, backend, 2);
      const nan = nanGrads(quadraticProblem.grads(params));
      const r = step(tx, params, nan, state);
      releaseReplaced(r.params, undefined, params);
      releaseReplaced(r.state, undefined, state);

      const safe = applyIfFinite(make(quadratic.lr), { maxConsecutiveErrors: 3 });
      const s0 = safe.init(params);
      const good = quadraticProblem.grads(params);
      const r1 = step(safe, params, good, s0);
      const before = await bits(r1.params);
      const r2 = step(safe, r1.params, nan, r1.state);
      const s2 = r2.state as ApplyIfFiniteState;
      const after = await bits(r2.params);
      const inner = s2.inner === (r1.state as ApplyIfFiniteState).inner;
      const count = s2.notFiniteCount;
      dispose(params, state, nan, good, s0, r1.params, r1.state, r2.params, r2.state);
      expect(after, 'parameters after a skipped step').toEqual(before);
      expect(inner, 'inner state untouched by a skipped step').toBe(true);
      expect(count).toBe(1);
    },
  },
  'flat-memory': {
    title: 'the live tensor count stays flat over steps',
    async run({ backend, make, quadratic }) {
      const p0 = quadraticProblem.init(backend);
      const opt = new Optimizer(make(quadratic.lr), p0);
      let p = steps(opt, quadraticProblem, p0, 3);
      const live = backend.memory().tensors;
      p = steps(opt, quadraticProblem, p, 5);
      const after = backend.memory().tensors;
      dispose(p);
      opt.dispose();
      expect(after, 'live tensors after 5 more steps').toBe(live);
    },
  },
  'bad-input': {
    title: 'gradients for other parameters get a typed error and change nothing',
    async run({ backend, make, quadratic }) {
      const tx = make(quadratic.lr);
      // update with the state of other parameters (init saw no 'b'): a typed error.
      const full = quadraticProblem.init(backend);
      const partial = { layer: full.layer as Params };
      const otherState = tx.init(partial);
      const g0 = quadraticProblem.grads(full);
      let thrown: unknown;
      try {
        const r = tx.update(g0, otherState, full);
        dispose(r[0], r[1] as OptState);
      } catch (e) {
        thrown = e;
      }
      dispose(g0, otherState, full);
      expect(thrown, 'update(grads, state of other parameters) should throw a DownhillError naming the parameter').toBeInstanceOf(
        DownhillError,
      );

      // A stateful optimizer given gradients for other parameters: typed errors, nothing changed.
      const p0 = quadraticProblem.init(backend);
      const opt = new Optimizer(tx, p0);
      const p = steps(opt, quadraticProblem, p0, 1);
      const state = opt.state;
      const before = await bits(p);
      const g = quadraticProblem.grads(p);
      const missing = { layer: g.layer as Params };
      const extra = { ...g, extra: backend.zeros([1]) };
      try {
        expect(() => opt.step(p, missing), 'a gradient tree missing a parameter').toThrow(DownhillError);
        expect(() => opt.step(p, extra), 'a gradient tree with an extra entry').toThrow(DownhillError);
        expect(opt.state === state, 'state unchanged by failed steps').toBe(true);
        expect(opt.stepCount).toBe(1);
        expect(await bits(p), 'parameters unchanged by failed steps').toEqual(before);
      } finally {
        dispose(extra, p);
        opt.dispose();
      }
    },
  },
  'fused-composed': {
    title: 'fused steps (update programs) agree with composed steps, float64 within 1e-12 and float32 within 2e-5 relative',
    async run({ name, backend, make, quadratic }) {
      if (!backend.capabilities.programs) {
        // Nothing to compare: the backend runs programs only through its primitives, so step must say so when asked to fuse.
        console.warn(`[optimizer conformance] ${name} on ${backend.name}: no compiled programs here; checking that fused: true is refused`);
        const params = quadraticProblem.init(backend);
        const grads = quadraticProblem.grads(params);
        const tx = make(quadratic.lr);
        const state = tx.init(params);
        try {
          expect(() => step(tx, params, grads, state, { fused: true })).toThrow(FusionUnavailableError);
        } finally {
          dispose(params, grads, state);
        }
        return;
      }
      const dtypes = backend.capabilities.float64 ? (['float64', 'float32'] as const) : (['float32'] as const);
      for (const dtype of dtypes) {
        const r = await checkFusedAgreement(backend, () => make(quadratic.lr), dtype);
        expect(
          r.paths.every((p) => p === 'fused'),
          `${name} (${dtype}): paths ${r.paths.join(', ')}`,
        ).toBe(true);
        expect(r.hostMismatches, `${name} (${dtype}): host values of the state, fused vs composed`).toEqual([]);
        expect(r.worst, `${name} (${dtype}): fused vs composed, worst relative difference at ${r.worstAt}`).toBeLessThanOrEqual(
          FUSED_TOLERANCE[dtype],
        );
      }
    },
  },
};

/** Trains with the functional step, in place, from the problem's start. */
function train(tx: GradientTransformation<any>, problem: TestProblem, b: Backend, n: number): { params: Params; state: OptState } {
  let params = problem.init(b);
  let state = tx.init(params) as OptState;
  for (let i = 0; i < n; i++) {
    const grads = problem.grads(params);
    ({ params, state } = step(tx, params, grads, state, { inPlace: true }));
    dispose(grads);
  }
  return { params, state };
}

/** `n` steps of a stateful optimizer. */
function steps(opt: Optimizer, problem: TestProblem, params: Params, n: number): Params {
  for (let i = 0; i < n; i++) {
    const grads = problem.grads(params);
    params = opt.step(params, grads);
    dispose(grads);
  }
  return params;
}

/** The same gradients with the first element of the first one set to NaN (consumes `grads`' first leaf). */
function nanGrads(grads: Params): Params {
  const leaves = flatten(grads);
  const [n0, t0] = leaves[0];
  const b = t0.backend;
  const hot = Array.from({ length: t0.size }, (_, i) => (i === 0 ? 1 : 0));
  const poisoned = b.scope(() => b.where(b.compare('equal', b.tensor(hot, t0.shape, t0.dtype), 1), NaN, t0));
  t0.dispose();
  return unflatten(leaves.map(([n, t]) => [n, n === n0 ? poisoned : t] as const));
}

function copy(params: Params): Params {
  return unflatten(flatten(params).map(([n, t]) => [n, t.backend.mul(t, 1)] as const));
}

async function bits(params: Params): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [n, t] of flatten(params)) {
    const d = await t.read();
    out[n] = [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
  }
  return out;
}

function dispose(...containers: (Params | OptState | undefined)[]): void {
  for (const c of containers) for (const t of stateTensors(c as OptState)) if (!t.disposed) t.dispose();
}
