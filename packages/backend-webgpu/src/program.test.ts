import { UNARY_OPS, type ElementwiseProgram, type ProgramNode } from '@downhill/backend';
import { SAMPLE_UPDATE_PROGRAM } from '@downhill/backend/conformance';
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it, vi } from 'vitest';
import { ProgramRunner, programGrid } from './program-dispatch.js';
import { programShader } from './program-wgsl.js';
import { webgpuForTests } from './test-helpers.js';

const I = (index: number): ProgramNode => ({ op: 'input', index });

/** Adam's moments and step, the fixture shared with backend-cpu's tests. */
const ADAM: ElementwiseProgram = SAMPLE_UPDATE_PROGRAM;

/** Every unary op on one input, one output each: 18 outputs. */
const EVERY_UNARY: ElementwiseProgram = {
  inputs: 1,
  scalars: 0,
  nodes: [I(0), ...UNARY_OPS.map((fn): ProgramNode => ({ op: 'unary', fn, x: 0 }))],
  outputs: UNARY_OPS.map((_, i) => i + 1),
};

const { backend, reason } = await webgpuForTests();

describe.skipIf(!backend)(`WGSL programs${backend ? '' : ` [skipped: ${reason}]`}`, () => {
  const b = backend!;
  const reference = cpu();

  it('are declared, not in place', () => {
    expect(b.capabilities.programs).toBe(true);
    expect(b.capabilities.inPlace).toBe(false);
  });

  it('run Adam over several groups in one command buffer, as backend-cpu computes it in float64', async () => {
    const spy = vi.spyOn(ProgramRunner.prototype, 'run');
    const shapes = [[3, 5], [100_003], [0, 2], [7]];
    const data = (n: number, seed: number, positive: boolean) =>
      Array.from({ length: n }, (_, i) => Math.fround(positive ? Math.abs(Math.sin(i * 1.3 + seed)) : Math.sin(i * 2.1 + seed * 5)));
    const host = shapes.map((s, gi) =>
      [0, 1, 2, 3].map((t) =>
        data(
          s.reduce((x, y) => x * y, 1),
          gi * 4 + t,
          t === 3,
        ),
      ),
    );
    const scalars = [0.01, 0.9, 0.1, 0.999, 0.001, 1e-8];
    const groups = (be: typeof b, dt: 'float32' | 'float64') =>
      shapes.map((s, gi) => ({ inputs: host[gi].map((h) => be.tensor(h, s, dt)), scalars }));
    const gpuGroups = groups(b, 'float32');
    const got = b.runProgram(ADAM, gpuGroups);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const want = reference.runProgram(ADAM, groups(reference, 'float64'));
    for (let gi = 0; gi < shapes.length; gi++) {
      for (let o = 0; o < 3; o++) {
        expect(got[gi][o].shape).toEqual(shapes[gi]);
        const g = await got[gi][o].read();
        const w = reference.readSync(want[gi][o]);
        g.forEach((v, i) => {
          if (!(Math.abs(v - w[i]) <= 1e-6 + 1e-5 * Math.abs(w[i])))
            throw new Error(`group ${gi} output ${o} element ${i}: ${v} vs ${w[i]}`);
        });
      }
      // the inputs are left as they were
      expect([...(await gpuGroups[gi].inputs[0].read())]).toEqual(host[gi][0]);
    }
    b.dispose([got, gpuGroups.map((g) => g.inputs)]);
  });

  it('compute every unary op as backend-cpu does in float64, within float32 tolerance (NaN where undefined)', async () => {
    const xs = [-3, -1, -0.5, -0, 0, 1e-4, 0.5, 1, 1.5, 2.5, 4, 30, NaN, Infinity, -Infinity].map(Math.fround);
    const x = b.tensor(xs);
    const spy = vi.spyOn(ProgramRunner.prototype, 'run');
    // one program per op: each runs as WGSL (all 18 outputs at once would exceed small devices' bindings)
    const single = (fn: (typeof UNARY_OPS)[number]): ElementwiseProgram => ({
      inputs: 1,
      scalars: 0,
      nodes: [I(0), { op: 'unary', fn, x: 0 }],
      outputs: [1],
    });
    const got = UNARY_OPS.map((fn) => b.runProgram(single(fn), [{ inputs: [x], scalars: [] }])[0][0]);
    expect(spy).toHaveBeenCalledTimes(UNARY_OPS.length);
    spy.mockRestore();
    const want = reference.runProgram(EVERY_UNARY, [{ inputs: [reference.tensor(xs, [xs.length], 'float64')], scalars: [] }])[0];
    const wrong: string[] = [];
    for (let o = 0; o < UNARY_OPS.length; o++) {
      const g = await got[o].read();
      const w = reference.readSync(want[o]);
      g.forEach((v, i) => {
        const ok = Number.isNaN(w[i]) ? Number.isNaN(v) : v === w[i] || Math.abs(v - w[i]) <= 1e-6 + 1e-5 * Math.abs(w[i]);
        if (!ok) wrong.push(`${UNARY_OPS[o]}(${xs[i]}): ${v}, expected ${w[i]}`);
      });
    }
    expect(wrong).toEqual([]);
    b.dispose([x, got]);
  });

  it('pair inputs with outputs where the device has few storage bindings', () => {
    const s4 = programShader(ADAM, 4)!;
    expect(s4.storageBindings).toBe(4);
    expect(s4.readFrom.filter((r) => r >= 0)).toHaveLength(3);
    expect(programShader(ADAM, 8)!.readFrom.every((r) => r < 0)).toBe(true);
    expect(programShader({ ...EVERY_UNARY }, 4)).toBeUndefined(); // 18 outputs cannot fit 4 bindings
  });
});

describe('programGrid', () => {
  it.each([
    [1, 65535, [1, 1]],
    [65, 65535, [2, 1]],
    [64 * 65535 + 1, 65535, [32768, 2]],
    [64 * 10 + 1, 4, [4, 3]],
  ])('%d elements with at most %d workgroups a row give %j', (n, maxX, want) => {
    const [x, y] = programGrid(n, maxX);
    expect([x, y]).toEqual(want);
    expect(x * y * 64).toBeGreaterThanOrEqual(n);
  });
});
