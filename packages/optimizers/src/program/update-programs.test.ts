// How step turns a transformation into update programs: one runProgram call per program structure
// over all parameters, literals as scalars (so a schedule reuses the compiled program), different
// programs where masks differ, state slots written in place, reductions run first, and a typed
// error where a backend compiles no programs.
import type { ElementwiseProgram, ProgramGroup, RunProgramOptions, Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { tfjs } from '@downhill/backend-tfjs';
import { describe, expect, it } from 'vitest';
import { chain } from '../chain.js';
import { adam } from '../optimizers/adam.js';
import { adamw } from '../optimizers/adamw.js';
import { step } from '../step.js';
import { clipByGlobalNorm } from '../transforms/clip-by-global-norm.js';
import { stateTensors } from '../tree.js';
import type { OptState, Params } from '../types.js';
import { FusionUnavailableError } from './fusion-unavailable-error.js';

const b = cpu();

/** Records every runProgram call of the backend while `fn` runs. */
function recordRuns<T>(fn: () => T): {
  result: T;
  runs: { program: ElementwiseProgram; groups: number; scalars: number[][]; inPlace?: RunProgramOptions['inPlace'] }[];
} {
  const runs: { program: ElementwiseProgram; groups: number; scalars: number[][]; inPlace?: RunProgramOptions['inPlace'] }[] = [];
  const original = b.runProgram;
  (b as { runProgram: typeof original }).runProgram = (
    program: ElementwiseProgram,
    groups: readonly ProgramGroup<Tensor>[],
    options?: RunProgramOptions,
  ) => {
    runs.push({ program, groups: groups.length, scalars: groups.map((g) => [...g.scalars]), inPlace: options?.inPlace });
    return original.call(b, program, groups, options);
  };
  try {
    return { result: fn(), runs };
  } finally {
    (b as { runProgram: typeof original }).runProgram = original;
  }
}

const model = (): Params => ({
  dense: { kernel: b.tensor([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [2, 3]), bias: b.tensor([0.01, 0.02, 0.03]) },
  out: { kernel: b.tensor([1, 2, 3], [3, 1]), bias: b.tensor([0.5]) },
});
const gradsOf = (scale: number): Params => ({
  dense: {
    kernel: b.tensor(
      [1, 2, 3, 4, 5, 6].map((v) => v * scale),
      [2, 3],
    ),
    bias: b.tensor([1, -1, 1].map((v) => v * scale)),
  },
  out: {
    kernel: b.tensor(
      [3, 2, 1].map((v) => v * scale),
      [3, 1],
    ),
    bias: b.tensor([-scale]),
  },
});

describe('update programs', () => {
  it('adam over four parameters is one runProgram call per step, and a schedule changes scalars, not the program', () => {
    const tx = adam((t) => 0.1 / (1 + t));
    let params = model();
    let state: OptState = tx.init(params);
    const seen: ElementwiseProgram[] = [];
    const lrs: number[] = [];
    for (let t = 0; t < 3; t++) {
      const g = gradsOf(t + 1);
      const { result, runs } = recordRuns(() => step(tx, params, g, state, { inPlace: true }));
      expect(result.path).toBe('fused');
      expect(runs).toHaveLength(1);
      expect(runs[0].groups).toBe(4);
      seen.push(runs[0].program);
      // −lr is one of the scalars of every group: the schedule's value at this step.
      lrs.push(runs[0].scalars[0].find((v) => v < 0)!);
      ({ params, state } = result);
      b.dispose(g);
    }
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
    expect(lrs).toEqual([-0.1, -0.05, -0.1 / 3]);
    b.dispose(stateTensors([params, state] as never));
  });

  it('in place, the parameter and both moments are written into their own storage', () => {
    const tx = adam(0.1);
    const params = model();
    const state = tx.init(params);
    const g = gradsOf(1);
    const before = stateTensors([params, state] as never);
    const { result, runs } = recordRuns(() => step(tx, params, g, state, { inPlace: true }));
    // Outputs: the new parameter and the two moments, each onto its old tensor.
    expect(runs[0].inPlace).toHaveLength(3);
    expect(runs[0].inPlace!.every((ix) => ix !== undefined)).toBe(true);
    const after = stateTensors([result.params, result.state] as never);
    expect(new Set(after)).toEqual(new Set(before));
    b.dispose([...after, ...stateTensors(g as never)]);
  });

  it('weight decay masked off the biases gives two programs, each over its own parameters', () => {
    const tx = adamw(0.1, { weightDecay: 0.1, mask: (name) => !name.endsWith('bias') });
    const params = model();
    const state = tx.init(params);
    const g = gradsOf(1);
    const { result, runs } = recordRuns(() => step(tx, params, g, state));
    expect(runs.map((r) => r.groups).sort()).toEqual([2, 2]);
    expect(runs[0].program).not.toBe(runs[1].program);
    b.dispose(stateTensors([result.params, result.state, g] as never));
  });

  it('clipByGlobalNorm runs its reduction first, then feeds the clip factor to the program as a scalar', () => {
    const tx = chain(clipByGlobalNorm(1), adam(0.1));
    const params = model();
    const state = tx.init(params);
    const g = gradsOf(1);
    const { result, runs } = recordRuns(() => step(tx, params, g, state));
    const last = runs[runs.length - 1];
    expect(last.groups).toBe(4);
    // The global norm of the gradients: √(Σ g²) over every leaf.
    const norm = Math.sqrt([1, 2, 3, 4, 5, 6, 1, 1, 1, 3, 2, 1, 1].reduce((s, v) => s + v * v, 0));
    const factor = Math.fround(1 / Math.max(norm, 1));
    expect(last.scalars.every((s) => s.some((v) => Math.abs(v - factor) <= 1e-7 * factor))).toBe(true);
    expect(result.path).toBe('fused');
    b.dispose(stateTensors([result.params, result.state, g] as never));
  });

  it('fused: true on a backend without compiled programs is a FusionUnavailableError naming the backend, and changes nothing', async () => {
    const t = await tfjs({ tfBackend: 'cpu' });
    const params = { w: t.tensor([1, 2, 3]) };
    const g = { w: t.tensor([0.1, 0.1, 0.1]) };
    const tx = adam(0.1);
    const state = tx.init(params);
    expect(() => step(tx, params, g, state, { fused: true })).toThrow(FusionUnavailableError);
    expect(() => step(tx, params, g, state, { fused: true })).toThrow(/backend 'tfjs-cpu' declares no capabilities\.programs/);
    expect([...t.readSync(params.w)]).toEqual([1, 2, 3]);
    const r = step(tx, params, g, state);
    expect(r.path).toBe('composed');
    t.dispose(stateTensors([params, g, state, r.params, r.state] as never));
  });
});
