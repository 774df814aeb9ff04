/** The step cache's tests' shared trees and fused-against-composed runner (test code, not published). */
import type { DType, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { expect } from 'vitest';
import { stepCacheStats } from '../fused-step.js';
import { step, type StepResult } from '../../step.js';
import type { GradientTransformation, OptState } from '../../types.js';

/** The backend of every tree made here. */
export const b = cpu();

/** Relative tolerance of fused against composed, per dtype. */
export const TOL: Readonly<Record<'float32' | 'float64', number>> = { float32: 2e-6, float64: 1e-12 };

/** Deterministic values in [−1, 1) (a linear congruential generator). */
export function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** A record tree's layout: leaf name to shape. */
export type Layout = Record<string, readonly number[]>;

/**
 * A small MLP's layout, keys in sorted order: the order the tree helpers rebuild records in (a
 * tree built in another order is recorded again once, when its state comes back sorted).
 */
export const MLP: Layout = { b1: [4], b2: [3], w1: [5, 4], w2: [4, 3] };

const size = (shape: readonly number[]) => shape.reduce((a, c) => a * c, 1);

/** A tree of `layout` on backend-cpu with deterministic values (seed), times `scale`. */
export function tree(layout: Layout, seed: number, dtype: DType, scale = 1): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  Object.entries(layout).forEach(([k, shape], i) => {
    out[k] = b.tensor(
      values(size(shape), seed + 17 * i).map((v) => v * scale),
      shape,
      dtype,
    );
  });
  return out;
}

/** A record tree's values on the host. */
export async function host(t: Record<string, Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(t)) out[k] = Array.from(await v.read());
  return out;
}

/** Expects the same keys and every value within `tol` relative (absolute below 1). */
export function expectClose(got: Record<string, number[]>, want: Record<string, number[]>, tol: number): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    expect(got[k].length).toBe(want[k].length);
    got[k].forEach((v, i) => {
      const w = want[k][i];
      expect(Math.abs(v - w), `${k}[${i}]: ${v} against ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
    });
  }
}

/** One step of {@link agree}: the tree's layout, its dtype, an edit of the state before the step, a new model. */
export type CacheStep = { layout: Layout; dtype?: DType; edit?: (s: OptState) => OptState; fresh?: boolean };

/** The step cache's counts over a stretch of steps. */
export type CacheCounts = { traces: number; replays: number; steady: number };

/** The step cache's counts since `before` (a `stepCacheStats()` taken earlier). */
export function since(before: CacheCounts): CacheCounts {
  const after = stepCacheStats();
  return { traces: after.traces - before.traces, replays: after.replays - before.replays, steady: after.steady - before.steady };
}

/**
 * Runs the steps fused (in place, through the cache) and composed, with `edit` changing the state
 * before a step, and compares the parameters after every step; a new layout or dtype, or `fresh`,
 * starts a new model (new parameters and state, the same transformation objects). Returns the
 * cache's counts.
 */
export async function agree(
  dtype: 'float32' | 'float64',
  make: () => GradientTransformation<OptState>,
  steps: readonly CacheStep[],
): Promise<CacheCounts> {
  const before = stepCacheStats();
  const txF = make();
  const txC = make();
  let pF: Record<string, Tensor> | undefined;
  let pC: Record<string, Tensor> | undefined;
  let sF: OptState = null;
  let sC: OptState = null;
  let key = '';
  for (let i = 0; i < steps.length; i++) {
    const { layout, edit, fresh } = steps[i];
    const dt = steps[i].dtype ?? dtype;
    const k = `${JSON.stringify(layout)} ${dt}`;
    if (!pF || !pC || k !== key || fresh) {
      pF = tree(layout, 1, dt);
      pC = tree(layout, 1, dt);
      sF = txF.init(pF);
      sC = txC.init(pC);
      key = k;
    }
    if (edit) {
      sF = edit(sF);
      sC = edit(sC);
    }
    const g = tree(layout, 100 + i, dt, 0.5);
    const rF: StepResult<OptState> = step(txF, pF, g, sF, { inPlace: true, fused: true });
    const rC: StepResult<OptState> = step(txC, pC, g, sC, { fused: false });
    expect(rF.path).toBe('fused');
    pF = rF.params as Record<string, Tensor>;
    sF = rF.state;
    pC = rC.params as Record<string, Tensor>;
    sC = rC.state;
    expectClose(await host(pF), await host(pC), TOL[dt === 'float64' ? 'float64' : 'float32']);
  }
  return since(before);
}
