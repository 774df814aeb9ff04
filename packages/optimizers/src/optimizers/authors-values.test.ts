/**
 * Values against the authors' reference implementations: the first five steps of each method of
 * the last years on a small case (a tall matrix W1 [3, 2], a wide matrix W2 [2, 3], a vector b [2];
 * float64; the gradient of a quadratic at the current point plus a fixed perturbation), the
 * parameters after every step and the state after the last, within 1e-12.
 *
 * Source: the authors' own code, run by __fixtures__/authors/generate.py with Debian's PyTorch
 * (the fixture names each repository and commit): KellerJordan/Muon `muon.py`
 * (SingleDeviceMuonWithAuxAdam; its Newton–Schulz runs in float64 there instead of bfloat16),
 * facebookresearch/schedule_free `adamw_schedulefree.py` and `sgd_schedulefree.py` (with their
 * `eval()` for the evaluation point), konstmish/prodigy `prodigyopt/prodigy.py`, iShohei220/adopt
 * `src/adopt/adopt.py`, apple/ml-ademamix `pytorch/ademamix.py`, kyleliang919/C-Optim `c_adamw.py`
 * (at ε = 0, where its Hugging Face placement of ε and ours agree), facebookresearch/dadaptation
 * `dadaptation/dadapt_adam.py`, formll/dog `src/dog/dog.py`. Schedule-free AdamW and SGD away from
 * their defaults (`r`, `weightLrPower`, a warmup longer than the run, b1, b2, ε, weight decay) come
 * from __fixtures__/authors/generate_schedule_free.py, which runs both the authors' fast classes and
 * their `*Reference` classes (x, y and z kept explicitly) and checks that the two agree. CI reads
 * the JSON only.
 */
import { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import catalogueFixture from '../__fixtures__/authors/catalogue-values.json' with { type: 'json' };
import scheduleFreeFixture from '../__fixtures__/authors/schedule-free-values.json' with { type: 'json' };
import fixture from '../__fixtures__/authors/values.json' with { type: 'json' };
import { step } from '../step.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { ademamix } from './ademamix.js';
import { adopt } from './adopt.js';
import { cautiousAdamw } from './cautious.js';
import { dadaptAdam } from './dadapt-adam.js';
import { dog } from './dog.js';
import { mars } from './mars.js';
import { mechanize } from '../wrappers/mechanize.js';
import { adam } from './adam.js';
import { sgd } from './sgd.js';
import { muon } from './muon.js';
import { normuon } from './normuon.js';
import { prodigy } from './prodigy.js';
import { scheduleFreeEvalParams } from './schedule-free-eval.js';
import { scheduleFreeAdamw, scheduleFreeSgd } from './schedule-free.js';

const b = cpu();
const SHAPES: Record<string, number[]> = { W1: [3, 2], W2: [2, 3], b: [2] };
const SEEDS: Record<string, number> = { W1: 1, W2: 2, b: 3 };

/** generate.py's grad(): curvature 1, 1.5, 2 (cycling) at p, plus 0.05·cos(seed + 0.7·i + 1.3·t). */
function gradsAt(params: Params, t: number): Params {
  return Object.fromEntries(
    Object.entries(params).map(([k, p]) => {
      const x = Array.from(b.readSync(p as Tensor));
      const g = x.map((v, i) => (1 + 0.5 * (i % 3)) * v + 0.05 * Math.cos(SEEDS[k] + 0.7 * i + 1.3 * t));
      return [k, b.tensor(g, SHAPES[k], 'float64')];
    }),
  );
}

interface Case {
  readonly tx: () => GradientTransformation<any>;
  /** Where the reference's per-parameter state entries are in ours: their key → a path in our state, or null where ours keeps none for that parameter. */
  readonly state: Record<string, (name: string) => string | null>;
  /** The reference's group scalars → a path to a rank-0 tensor in our state. */
  readonly group?: Record<string, string>;
  /** Compare the evaluation point of the schedule-free methods too. */
  readonly eval?: boolean;
  /** The reference's small vectors (Mechanic's `s`, `m`, `v`, `r`) → a path to a tensor in our state. */
  readonly vectors?: Record<string, string>;
}

const CASES: Record<keyof typeof fixture.cases, Case> = {
  'muon weightDecay=0.1 adamLr=0.01': {
    // PyTorch's weights are [out, in]: the reference's scale √max(1, rows/cols) is layout 'out-in'.
    tx: () => muon(0.05, { momentum: 0.95, weightDecay: 0.1, adamLr: 0.01, adamWeightDecay: 0.1, layout: 'out-in' }),
    state: {
      momentum_buffer: (n) => `inner.muon.0.mu.${n}`,
      exp_avg: (n) => `inner.adam.0.mu.${n}`,
      exp_avg_sq: (n) => `inner.adam.0.nu.${n}`,
    },
  },
  'schedulefree-adamw weightDecay=0.1 warmupSteps=2': {
    tx: () => scheduleFreeAdamw(0.05, { weightDecay: 0.1, warmupSteps: 2 }),
    state: { z: (n) => `inner.z.${n}`, exp_avg_sq: (n) => `inner.nu.${n}` },
    eval: true,
  },
  'schedulefree-sgd momentum=0.8 weightDecay=0.01 warmupSteps=2': {
    tx: () => scheduleFreeSgd(0.1, { momentum: 0.8, weightDecay: 0.01, warmupSteps: 2 }),
    state: { z: (n) => `inner.z.${n}` },
    eval: true,
  },
  'prodigy weightDecay=0.1': {
    tx: () => prodigy(1, { weightDecay: 0.1 }),
    state: { exp_avg: (n) => `inner.mu.${n}`, exp_avg_sq: (n) => `inner.nu.${n}`, s: (n) => `inner.s.${n}` },
    group: { d: 'inner.d', d_max: 'inner.dMax', d_numerator: 'inner.dNumerator' },
  },
  'prodigy coupled biasCorrection growthRate=2 d0=1e-7': {
    tx: () => prodigy(0.5, { weightDecay: 0.05, decouple: false, useBiasCorrection: true, d0: 1e-7, growthRate: 2 }),
    state: { exp_avg: (n) => `inner.mu.${n}`, exp_avg_sq: (n) => `inner.nu.${n}`, s: (n) => `inner.s.${n}` },
    group: { d: 'inner.d', d_max: 'inner.dMax', d_numerator: 'inner.dNumerator' },
  },
  'adopt weightDecay=0.1': {
    tx: () => adopt(0.05, { weightDecay: 0.1 }),
    state: { exp_avg: (n) => `inner.1.mu.${n}`, exp_avg_sq: (n) => `inner.1.nu.${n}` },
  },
  'adopt decoupled weightDecay=0.1 b2=0.99': {
    tx: () => adopt(0.05, { b2: 0.99, weightDecay: 0.1, decouple: true }),
    state: { exp_avg: (n) => `inner.0.mu.${n}`, exp_avg_sq: (n) => `inner.0.nu.${n}` },
  },
  'cautious-adamw eps=0 weightDecay=0.1': {
    tx: () => cautiousAdamw(0.05, { eps: 0, weightDecay: 0.1 }),
    state: { exp_avg: (n) => `inner.0.mu.${n}`, exp_avg_sq: (n) => `inner.0.nu.${n}` },
  },
  'dadapt-adam weightDecay=0.1': {
    tx: () => dadaptAdam(1, { weightDecay: 0.1 }),
    state: { exp_avg: (n) => `inner.mu.${n}`, exp_avg_sq: (n) => `inner.nu.${n}`, s: (n) => `inner.s.${n}` },
    group: { d: 'inner.d', numerator_weighted: 'inner.numeratorWeighted' },
  },
  'dadapt-adam decoupled biasCorrection growthRate=2 d0=1e-4': {
    tx: () => dadaptAdam(0.5, { weightDecay: 0.05, decouple: true, useBiasCorrection: true, d0: 1e-4, growthRate: 2 }),
    state: { exp_avg: (n) => `inner.mu.${n}`, exp_avg_sq: (n) => `inner.nu.${n}`, s: (n) => `inner.s.${n}` },
    group: { d: 'inner.d', numerator_weighted: 'inner.numeratorWeighted' },
  },
  'dog weightDecay=0.01 repsRel=1e-2': {
    tx: () => dog(1, { repsRel: 1e-2, weightDecay: 0.01 }),
    state: {},
    group: { rbar: 'inner.rbar', G: 'inner.gSum' },
  },
  'dog initEta=0.05': {
    tx: () => dog(1, { initEta: 0.05 }),
    state: {},
    group: { rbar: 'inner.rbar', G: 'inner.gSum' },
  },
  'ademamix alpha=5 warmups=3 weightDecay=0.1': {
    tx: () => ademamix(0.05, { alpha: 5, alphaWarmup: 3, b3Warmup: 3, weightDecay: 0.1 }),
    state: { exp_avg_fast: (n) => `inner.0.mu.${n}`, exp_avg_slow: (n) => `inner.0.muSlow.${n}`, exp_avg_sq: (n) => `inner.0.nu.${n}` },
  },
};

const CATALOGUE_CASES: Record<keyof typeof catalogueFixture.cases, Case> = {
  'mars weightDecay=0.1 adamLr=0.01 adamWeightDecay=0.05': {
    tx: () => mars(0.05, { weightDecay: 0.1, adamLr: 0.01, adamWeightDecay: 0.05 }),
    state: {
      exp_avg: (n) => (n === 'b' ? `inner.adam.0.mu.${n}` : `inner.mars.0.mu.${n}`),
      exp_avg_sq: (n) => (n === 'b' ? `inner.adam.0.nu.${n}` : `inner.mars.0.nu.${n}`),
      // Their fallback keeps the last gradient too, unused; ours keeps it for the MARS parameters only.
      last_grad: (n) => (n === 'b' ? null : `inner.mars.0.lastGrad.${n}`),
    },
  },
  'normuon weightDecay=0.1 adamLr=0.01': {
    tx: () => normuon(0.05, { b2: 0.9, weightDecay: 0.1, adamLr: 0.01, adamWeightDecay: 0.1, layout: 'out-in' }),
    state: {
      momentum_buffer: (n) => `inner.muon.0.mu.${n}`,
      second_momentum_buffer: (n) => `inner.muon.0.nu.${n}`,
      exp_avg: (n) => `inner.adam.0.mu.${n}`,
      exp_avg_sq: (n) => `inner.adam.0.nu.${n}`,
    },
  },
  'mechanize(sgd) sInit=1e-2': {
    tx: () => mechanize(sgd(0.1), { sInit: 1e-2, storeDelta: false }),
    state: {},
    vectors: { s: 's', max_product: 'maxProduct', sum_squared_products: 'sumSquares', reward: 'reward' },
  },
  'mechanize(adam) sDecay=0.1': {
    tx: () => mechanize(adam(0.01), { sDecay: 0.1, sInit: 1e-3, betas: [0.9, 0.99, 0.999], storeDelta: false }),
    state: { exp_avg: (n) => `inner.inner.0.mu.${n}`, exp_avg_sq: (n) => `inner.inner.0.nu.${n}` },
    vectors: { s: 's', max_product: 'maxProduct', sum_squared_products: 'sumSquares', reward: 'reward' },
  },
  'mars lion gamma=0.05 all parameters': {
    tx: () => mars(0.01, { base: 'lion', b1: 0.9, b2: 0.99, gamma: 0.05, weightDecay: 0.1, marsParams: () => true }),
    state: { exp_avg: (n) => `inner.mars.0.mu.${n}`, last_grad: (n) => `inner.mars.0.lastGrad.${n}` },
  },
};

const SCHEDULE_FREE_CASES: Record<keyof typeof scheduleFreeFixture.cases, Case> = {
  'schedulefree-adamw b1=0.8 b2=0.9955 eps=1e-3 weightDecay=0.08 warmupSteps=8 r=0.75 weightLrPower=1': {
    tx: () => scheduleFreeAdamw(0.05, { b1: 0.8, b2: 0.9955, eps: 1e-3, weightDecay: 0.08, warmupSteps: 8, r: 0.75, weightLrPower: 1 }),
    state: { z: (n) => `inner.z.${n}`, exp_avg_sq: (n) => `inner.nu.${n}` },
    eval: true,
  },
  'schedulefree-sgd momentum=0.85 weightDecay=0.02 warmupSteps=8 r=2 weightLrPower=3': {
    tx: () => scheduleFreeSgd(0.1, { momentum: 0.85, weightDecay: 0.02, warmupSteps: 8, r: 2, weightLrPower: 3 }),
    state: { z: (n) => `inner.z.${n}` },
    eval: true,
  },
};

function at(state: unknown, path: string): number[] {
  let v: unknown = state;
  for (const k of path.split('.')) v = (v as Record<string, unknown>)?.[k];
  expect(v, `state path '${path}'`).toBeInstanceOf(Tensor);
  return Array.from(b.readSync(v as Tensor));
}

const close = (got: number[], want: number[], what: string) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs the authors' ${want[i]}`).toBeLessThanOrEqual(
      1e-12 * Math.max(1, Math.abs(want[i])),
    );
};

interface Fixture {
  readonly source: string;
  readonly repositories: Record<string, { commit: string }>;
  readonly p0: Record<string, number[] | number[][]>;
  readonly steps: number;
  readonly cases: Record<string, unknown>;
}

describe.each([
  ['values.json', fixture as Fixture, CASES as Record<string, Case>],
  ['catalogue-values.json', catalogueFixture as Fixture, CATALOGUE_CASES as Record<string, Case>],
  ['schedule-free-values.json', scheduleFreeFixture as Fixture, SCHEDULE_FREE_CASES as Record<string, Case>],
])(`values against the authors' code (%s)`, (_, fixture, cases) => {
  it(`names each repository and commit (${fixture.source})`, () => {
    for (const r of Object.values(fixture.repositories)) expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
  });
  it('has a case for each of the fixture', () => expect(Object.keys(cases).sort()).toEqual(Object.keys(fixture.cases).sort()));
  for (const [name, c] of Object.entries(cases)) {
    for (const fused of [true, false]) {
      it(`${name} (${fused ? 'fused' : 'composed'})`, () => {
        const ref = (
          fixture.cases as Record<
            string,
            {
              trajectory: Record<string, number[]>[];
              state: Record<string, Record<string, number[]>>;
              group?: Record<string, number>;
              eval?: Record<string, number[]>;
              vectors?: Record<string, number[]>;
            }
          >
        )[name];
        const tx = c.tx();
        let params: Params = Object.fromEntries(
          Object.entries(fixture.p0).map(([k, v]) => [k, b.tensor((v as number[]).flat(), SHAPES[k], 'float64')]),
        );
        let state: OptState = tx.init(params);
        for (let t = 0; t < fixture.steps; t++) {
          const g = gradsAt(params, t);
          ({ params, state } = step(tx, params, g, state, { fused }));
          for (const k of Object.keys(SHAPES))
            close(Array.from(b.readSync(params[k as never] as Tensor)), ref.trajectory[t][k], `${k} after step ${t + 1}`);
        }
        for (const [k, entries] of Object.entries(ref.state)) {
          for (const [theirs, want] of Object.entries(entries)) {
            const ours = c.state[theirs];
            expect(ours, `a mapping of the reference's state '${theirs}'`).toBeDefined();
            const path = ours(k);
            if (path !== null) close(at(state, path), want, `state ${theirs} of ${k}`);
          }
        }
        for (const [theirs, path] of Object.entries(c.group ?? {})) close(at(state, path), [ref.group![theirs]], `group ${theirs}`);
        for (const [theirs, path] of Object.entries(c.vectors ?? {})) close(at(state, path), ref.vectors![theirs], `vector ${theirs}`);
        if (c.eval) {
          const x = scheduleFreeEvalParams(state, params);
          for (const k of Object.keys(SHAPES))
            close(Array.from(b.readSync((x as Record<string, Tensor>)[k])), ref.eval![k], `eval point ${k}`);
        }
      });
    }
  }
});
