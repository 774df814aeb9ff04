import { describe, expect, it } from 'vitest';
import { defineBackend, type BinaryOp, type Capabilities, type Shape, type Tensor, type UnaryOp } from '@downhill/backend';
import { DEFAULT_TOLERANCES, conformanceCases, referenceBackend } from '@downhill/backend/conformance';
import { CpuKernels, type cpu } from '../index.js';

// The conformance suite's program check (random elementwise DAGs), tried on backends that are
// right and on backends with one op broken. (Here rather than in @downhill/backend, which depends
// on no backend, not even in its tests.)
const programCase = conformanceCases().checks.find((c) => c.id === 'programs/random DAGs')!;

/** backend-cpu's kernels with one op broken: the program check must notice. */
class BrokenKernels extends CpuKernels {
  override readonly capabilities: Capabilities = { float64: true, syncRead: true, programs: false, inPlace: false };
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
  programCase.check({ backend, reference: referenceBackend(), tolerance: DEFAULT_TOLERANCES }, dt);

describe('the program cases', () => {
  it.each(['float32', 'float64'] as const)('pass the composed interpretation on backend-cpu (%s)', async (dt) => {
    await run(defineBackend(new BrokenKernels({})), dt);
  });
  it.each([[{ unary: 'exp' as const }], [{ binary: 'maximum' as const }], [{ binary: 'sub' as const }], [{ unary: 'floor' as const }]])(
    'fail a backend with a wrong op (%o)',
    async (broken) => {
      await expect(run(defineBackend(new BrokenKernels(broken)), 'float64')).rejects.toThrow(
        /Property failed[\s\S]*output \d+ element \d+ is/,
      );
    },
  );
});
