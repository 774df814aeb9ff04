/**
 * Differential test against TensorFlow.js's own optimizers (`tf.train.*` with `applyGradients` on
 * `tf.Variable`s, on tfjs's CPU backend, float32): the same fixed sequence of random gradients goes
 * to both, for 100 steps, and the parameters must agree to 1e-5 relative (relative to
 * max(|x|, 0.1), so coordinates passing near zero are judged on the scale of the problem) at
 * every step.
 *
 * Conventions where TensorFlow.js differs, and how our optimizers are configured to meet it:
 * - `adagrad`: tfjs starts the accumulator at `initialAccumulatorValue` 0.1 and divides by
 *   √(G + ε) with ε = 1e-7 (its float32 backend epsilon): our defaults, stated explicitly.
 * - `adadelta`: the definitions differ, so it is not in the table. tfjs divides by the root of the
 *   previous running mean, √(E[g²]ₜ₋₁ + ε), where Zeiler (Algorithm 1), optax and PyTorch use the
 *   updated one, √(E[g²]ₜ + ε); its first step is therefore w − η·g. A separate test pins that
 *   difference down, so the exclusion's reason is checked.
 * - `rmsprop`: tfjs puts ε inside the root (`epsInSqrt: true`) and the learning rate inside the
 *   momentum buffer (`mom ← μ·mom + η·g/√(ν + ε)`; the same iterates for a constant rate).
 *   Centered, tfjs computes √(ν − μ² − ε) (ε subtracted), so the centered case runs with ε = 0
 *   on both sides, where the definitions coincide.
 * - `adam`: the same rule (Algorithm 1); tfjs's ε default is 1e-7: passed to both.
 * - `adamax`: tfjs adds ε to the denominator, m̂/(max(b2·ν, |g|) + ε), where optax and PyTorch
 *   put it inside the max: ours with `epsInMax: false`; tfjs's `decay` stays 0.
 * - `momentum`: tfjs's buffer starts at zero and Nesterov uses g + μ·buf, as ours.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cpu } from '@downhill/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../__fixtures__/problems.js';
import { step } from '../step.js';
import { stateTensors } from '../tree.js';
import type { GradientTransformation, OptState, Params } from '../types.js';
import { adadelta } from './adadelta.js';
import { adagrad } from './adagrad.js';
import { adam } from './adam.js';
import { adamax } from './adamax.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

const b = cpu();
const STEPS = 100;
const SHAPES: Record<string, number[]> = { a: [3], b: [2, 2] };

interface Row {
  readonly name: string;
  readonly ours: () => GradientTransformation<any>;
  readonly theirs: () => tf.Optimizer;
}

const ROWS: readonly Row[] = [
  { name: 'sgd', ours: () => sgd(0.1), theirs: () => tf.train.sgd(0.1) },
  { name: 'momentum', ours: () => sgd(0.05, { momentum: 0.9 }), theirs: () => tf.train.momentum(0.05, 0.9) },
  { name: 'nesterov momentum', ours: () => sgd(0.05, { momentum: 0.9, nesterov: true }), theirs: () => tf.train.momentum(0.05, 0.9, true) },
  { name: 'adagrad', ours: () => adagrad(0.1, { initialAccumulatorValue: 0.1, eps: 1e-7 }), theirs: () => tf.train.adagrad(0.1, 0.1) },
  {
    name: 'rmsprop',
    ours: () => rmsprop(0.01, { decay: 0.9, eps: 1e-7, epsInSqrt: true }),
    theirs: () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7, false),
  },
  {
    name: 'rmsprop momentum',
    ours: () => rmsprop(0.01, { decay: 0.9, eps: 1e-7, epsInSqrt: true, momentum: 0.9 }),
    theirs: () => tf.train.rmsprop(0.01, 0.9, 0.9, 1e-7, false),
  },
  {
    name: 'rmsprop centered momentum (ε = 0)',
    ours: () => rmsprop(0.01, { decay: 0.9, eps: 0, epsInSqrt: true, centered: true, momentum: 0.5 }),
    theirs: () => tf.train.rmsprop(0.01, 0.9, 0.5, 0, true),
  },
  { name: 'adam', ours: () => adam(0.01, { b1: 0.9, b2: 0.999, eps: 1e-7 }), theirs: () => tf.train.adam(0.01, 0.9, 0.999, 1e-7) },
  {
    name: 'adamax',
    ours: () => adamax(0.01, { b1: 0.9, b2: 0.999, eps: 1e-7, epsInMax: false }),
    theirs: () => tf.train.adamax(0.01, 0.9, 0.999, 1e-7, 0),
  },
];

/** A fixed random problem: initial values and 100 gradients per parameter. */
function problem(seed: number) {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const size = (s: number[]) => s.reduce((a, d) => a * d, 1);
  const init = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, Array.from({ length: size(s) }, normal)]));
  const grads = Array.from({ length: STEPS }, () =>
    Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, Array.from({ length: size(s) }, normal)])),
  );
  return { init, grads };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

let unique = 0;

describe.each(ROWS)('$name against tf.train', (row) => {
  it.each([
    ['composed', false],
    ['fused where offered', true],
  ] as const)('agrees over 100 steps to 1e-5 relative (%s)', (_, fused) => {
    const { init, grads } = problem(17);
    const id = unique++;
    const vars = Object.fromEntries(
      Object.entries(init).map(([n, v]) => [n, tf.variable(tf.tensor(v, SHAPES[n]), true, `downhill_${id}_${n}`)]),
    );
    const opt = row.theirs();
    const tx = row.ours();
    let params: Params = Object.fromEntries(Object.entries(init).map(([n, v]) => [n, b.tensor(v, SHAPES[n], 'float32')]));
    let state: OptState = tx.init(params);
    let worst = 0;
    for (let t = 0; t < STEPS; t++) {
      tf.tidy(() =>
        opt.applyGradients(Object.fromEntries(Object.entries(grads[t]).map(([n, g]) => [`downhill_${id}_${n}`, tf.tensor(g, SHAPES[n])]))),
      );
      const g: Params = Object.fromEntries(Object.entries(grads[t]).map(([n, v]) => [n, b.tensor(v, SHAPES[n], 'float32')]));
      ({ params, state } = step(tx, params, g, state, { inPlace: true, fused }));
      b.dispose(stateTensors(g));
      for (const n of Object.keys(SHAPES)) {
        const theirs = vars[n].dataSync();
        const ours = b.readSync(params[n] as never);
        for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / Math.max(Math.abs(theirs[i]), 0.1));
      }
    }
    console.log(`${row.name} (${fused ? 'fused' : 'composed'}): worst relative difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    // The parameters moved: the comparison is not of two untouched copies.
    const moved = Math.max(...Array.from(b.readSync(params.b as never), (x, i) => Math.abs(x - init.b[i])));
    expect(moved).toBeGreaterThan(1e-2);
    b.dispose(stateTensors(params));
    b.dispose(stateTensors(state));
    opt.dispose();
    Object.values(vars).forEach((v) => v.dispose());
  });
});

it('adadelta: tfjs divides by the previous running mean (so it is left out of the table)', () => {
  // One step from w = [1, −2] with g = [0.5, 0.25], η = 0.5, ρ = 0.95, ε = 1e-6:
  // tfjs:   Δ = √(0 + ε)/√(0 + ε)·g = g                          → w − 0.5·g = [0.75, −2.125]
  // Zeiler: Δ = √(0 + ε)/√(0.05·g² + ε)·g ≈ 1e-3/√(0.05)·sign(g)   → w − 0.5·Δ ≈ [0.997764, −1.997764]
  const v = tf.variable(tf.tensor([1, -2]), true, 'downhill_adadelta_w');
  const opt = tf.train.adadelta(0.5, 0.95, 1e-6);
  tf.tidy(() => opt.applyGradients([{ name: 'downhill_adadelta_w', tensor: tf.tensor([0.5, 0.25]) }]));
  const theirs = Array.from(v.dataSync());
  expect(theirs[0]).toBeCloseTo(0.75, 6);
  expect(theirs[1]).toBeCloseTo(-2.125, 6);
  const tx = adadelta(0.5, { rho: 0.95, eps: 1e-6 });
  const params = { w: b.tensor([1, -2], [2], 'float64') };
  const g = { w: b.tensor([0.5, 0.25], [2], 'float64') };
  const out = step(tx, params, g, tx.init(params));
  const ours = Array.from(b.readSync(out.params.w as never));
  expect(ours[0]).toBeCloseTo(1 - (0.5 * 1e-3 * 0.5) / Math.sqrt(0.05 * 0.25 + 1e-6), 12);
  expect(ours[1]).toBeCloseTo(-2 - (0.5 * 1e-3 * 0.25) / Math.sqrt(0.05 * 0.0625 + 1e-6), 12);
  b.dispose(stateTensors([params, g, out.params, out.state] as never));
  opt.dispose();
  v.dispose();
});
