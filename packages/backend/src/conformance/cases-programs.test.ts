import { describe, expect, it } from 'vitest';
import { CpuKernels, cpu } from '@downhill/backend-cpu';
import { defineBackend, type Capabilities, type Tensor, type UnaryOp, type BinaryOp, type Shape } from '@downhill/backend';
import { DEFAULT_TOLERANCES } from './compare.js';
import { programCases } from './cases-programs.js';
import { referenceErf, referenceProgramElement } from './program-reference.js';

/** backend-cpu's kernels with one op broken: the program check must notice. */
class BrokenKernels extends CpuKernels {
  override readonly capabilities: Capabilities = { float64: true, syncRead: true, programs: false, fusedUpdates: [], inPlace: false };
  constructor(private readonly broken: { unary?: UnaryOp; binary?: BinaryOp }) {
    super('broken');
  }
  override unary(op: UnaryOp, x: Tensor) {
    return super.unary(op === this.broken.unary ? (op === 'exp' ? 'expm1' : 'neg') : op, x);
  }
  override binary(op: BinaryOp, a: Tensor, b: Tensor, out: Shape) {
    return super.binary(op === this.broken.binary ? (op === 'maximum' ? 'minimum' : 'add') : op, a, b, out);
  }
}

const run = (backend: ReturnType<typeof cpu>, dt: 'float32' | 'float64') =>
  programCases(40)[0].check({ backend, reference: cpu(), tolerance: DEFAULT_TOLERANCES }, dt);

describe('the program cases', () => {
  it.each(['float32', 'float64'] as const)('pass the composed interpretation on backend-cpu (%s)', async (dt) => {
    await run(defineBackend(new BrokenKernels({})), dt);
  });
  it.each([[{ unary: 'exp' as const }], [{ binary: 'maximum' as const }], [{ binary: 'sub' as const }], [{ unary: 'floor' as const }]])(
    'fail a backend with a wrong op (%o)',
    async (broken) => {
      await expect(run(defineBackend(new BrokenKernels(broken)), 'float64')).rejects.toThrow(/Property failed[\s\S]*output \d+ element \d+ is/);
    },
  );
});

describe('referenceProgramElement', () => {
  it('erf matches tabulated values (Abramowitz and Stegun, table 7.1)', () => {
    for (const [x, want] of [[0.5, 0.5204998778], [1, 0.8427007929], [2, 0.9953222650], [3, 0.9999779095], [-1.5, -0.9661051465]]) {
      expect(referenceErf(x)).toBeCloseTo(want, 9);
    }
  });
  it('admits both branches of a where whose comparison is within rounding, and only one otherwise', () => {
    const p = {
      inputs: 2, scalars: 0, outputs: [5],
      nodes: [
        { op: 'input', index: 0 }, { op: 'input', index: 1 }, { op: 'const', value: 1 },
        { op: 'binary', fn: 'mul', a: 0, b: 2 }, // x·1 may err by the tolerance
        { op: 'compare', fn: 'less', a: 3, b: 1 }, { op: 'where', cond: 4, a: 0, b: 1 },
      ],
    } as const;
    const [near] = referenceProgramElement(p, [1, 1 + 1e-9], [], 'float64', { rtol: 1e-8, atol: 0 });
    expect([near.lo <= 1, near.hi >= 1 + 1e-9]).toEqual([true, true]);
    const [far] = referenceProgramElement(p, [1, 2], [], 'float64', { rtol: 1e-8, atol: 0 });
    expect(far.value).toBe(1);
    expect(far.hi).toBeLessThan(1.001);
  });
});
