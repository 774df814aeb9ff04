/**
 * Centered RMSProp over long runs: `ν − μ²` is a variance, ≥ 0 in exact arithmetic, but with a
 * constant gradient `ν` and `μ²` converge to the same number and their rounded difference can be
 * negative, whose square root is NaN. The rule clamps it at zero; these runs pin that.
 */
import { cpu } from '@downhill/backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { step } from '../step.js';
import { releaseReplaced } from '../tree.js';
import type { OptState, Params } from '../types.js';
import { rmsprop } from './rmsprop.js';

const b = cpu();

/** Constant gradients whose `ν − μ²` rounds below zero at steps 331, 327 and 325 with decay 0.9 in float64. */
const FOUND = [0.9547853453802455, 0.2637811056236923, -0.6172705556359457];

/** Runs `steps` steps with the same gradient; returns the first step whose parameters are not finite, or -1. */
function firstNonFinite(
  opts: Parameters<typeof rmsprop>[1],
  g: number | readonly number[],
  steps: number,
  fused: boolean,
  dtype: 'float32' | 'float64' = 'float64',
): number {
  const tx = rmsprop(1e-3, opts);
  let params: Params = { w: b.tensor([1, -1, 0.5], [3], dtype) };
  let state: OptState = tx.init(params);
  const grads = { w: b.tensor(typeof g === 'number' ? [g, -g, g] : [...g], [3], dtype) };
  let bad = -1;
  for (let t = 1; t <= steps && bad < 0; t++) {
    ({ params, state } = step(tx, params, grads, state, { inPlace: true, fused }));
    if (!Array.from(b.readSync(params.w as never)).every(Number.isFinite)) bad = t;
  }
  releaseReplaced([params, state, grads], undefined);
  return bad;
}

describe('rmsprop centered: ν − μ² is clamped at 0 under the root', () => {
  it('stays finite for 1000 steps of a constant float64 gradient with the defaults (was NaN at step 331)', () => {
    for (const fused of [false, true]) expect(firstNonFinite({ centered: true }, FOUND, 1000, fused)).toBe(-1);
  });

  it('stays finite with epsInSqrt and with momentum, float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const fused of [false, true]) {
        expect(firstNonFinite({ centered: true, epsInSqrt: true }, FOUND, 600, fused, dtype)).toBe(-1);
        expect(firstNonFinite({ centered: true, momentum: 0.9 }, FOUND, 600, fused, dtype)).toBe(-1);
      }
    }
  });

  it('property: constant and tiny gradients, any decay, never give a non-finite parameter', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -1e3, max: 1e3, noNaN: true }),
          fc.double({ min: 1e-300, max: 1e-10, noNaN: true }),
          fc.constantFrom(5e-324, 1e-160, 0.1, 3),
        ),
        fc.constantFrom(0.5, 0.9, 0.99, 0.999),
        fc.constantFrom(1e-12, 1e-8),
        fc.boolean(),
        (g, decay, eps, epsInSqrt) => {
          runs++;
          const bad = firstNonFinite({ centered: true, decay, eps, epsInSqrt }, g, 400, false);
          expect(bad).toBe(-1);
        },
      ),
      { numRuns: 25, seed: 1331 },
    );
    expect(runs).toBe(25);
  });
});
