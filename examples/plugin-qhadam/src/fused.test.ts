// QHAdam, written once as a per-element closure over backend ops (scale-by-qhadam.ts), runs as one
// fused update program with no backend change: on backend-cpu (float64 and float32) and on
// backend-webgpu (generated WGSL), each step reports `path: 'fused'` and agrees with the composed
// path (the same closure run through the backend's primitives); the conformance kit's
// fused-versus-composed check passes on both, and fails a deliberately inconsistent copy. Without
// a WebGPU adapter the WebGPU part skips with the reason printed; where DOWNHILL_REQUIRE_WEBGPU=1
// (CI) it fails instead.
import { getBackend, type Backend } from '@downhill/backend';
import '@downhill/backend-cpu/register';
import '@downhill/backend-webgpu/register';
import { chain, mapTreesN, scaleByLearningRate, type GradientTransformation } from '@downhill/optimizers';
import { CONFORMANCE_CHECKS, FUSED_TOLERANCE, checkFusedAgreement, type CheckContext } from '@downhill/optimizers/testing';
import { describe, expect, it } from 'vitest';
import { qhadam } from './qhadam.js';
import { scaleByQhadam, type ScaleByQhadamState } from './scale-by-qhadam.js';

async function expectFused(backend: Backend, dtype: 'float32' | 'float64'): Promise<void> {
  const r = await checkFusedAgreement(backend, () => qhadam(0.05, { b1: 0.9, b2: 0.99, nu1: 0.7, nu2: 0.8 }), dtype);
  console.log(
    `qhadam on ${backend.name} (${dtype}): paths ${r.paths.join(', ')}; worst relative difference to composed ${r.worst.toExponential(2)}`,
  );
  expect(r.paths).toEqual(['fused', 'fused', 'fused', 'fused']);
  expect(r.hostMismatches).toEqual([]);
  expect(r.worst).toBeLessThanOrEqual(FUSED_TOLERANCE[dtype]);
}

/** The kit's context for one check of `make` on `backend`. */
const context = (backend: Backend, make: (lr: number) => GradientTransformation<any>): CheckContext => ({
  name: 'qhadam',
  backend,
  make,
  quadratic: { lr: 0.1, steps: 400, tolerance: 1e-3 },
  rosenbrock: { lr: 0.02, steps: 2000, tolerance: 1e-2 },
});

/**
 * QHAdam gone wrong: where the gradient's storage is a typed array (backend-cpu's real tensors) it
 * drops the immediate discount, which the traced (symbolic) update never sees: fused and composed
 * steps differ, as a transformation that looks inside tensors does.
 */
function inconsistentQhadam(lr: number): GradientTransformation {
  const inner = scaleByQhadam({ nu1: 0.7 });
  const direction: GradientTransformation<ScaleByQhadamState> = {
    ...inner,
    update(grads, state, params) {
      const [u, s] = inner.update(grads, state, params);
      const [updates] = mapTreesN(1, [u, grads], ([x, g]) => [
        ArrayBuffer.isView(g.storage) ? x.backend.add(x, x.backend.mul(g, 0.1)) : x.backend.mul(x, 1),
      ]);
      return [updates, s];
    },
  };
  return chain(direction, scaleByLearningRate(lr));
}

describe('qhadam as update programs', () => {
  it('runs fused on backend-cpu, equal to composed (float64 and float32)', async () => {
    const cpu = await getBackend('cpu');
    await expectFused(cpu, 'float64');
    await expectFused(cpu, 'float32');
  });

  it("passes the kit's fused-versus-composed check on backend-cpu, which fails a deliberately inconsistent copy", async () => {
    const cpu = await getBackend('cpu');
    await CONFORMANCE_CHECKS['fused-composed'].run(context(cpu, (lr) => qhadam(lr)));
    await expect(CONFORMANCE_CHECKS['fused-composed'].run(context(cpu, inconsistentQhadam))).rejects.toThrow(
      /fused vs composed, worst relative difference/,
    );
  });

  it("runs fused on backend-webgpu, equal to composed (float32), and passes the kit's check there", async (ctx) => {
    let gpu: Backend;
    try {
      gpu = await getBackend('webgpu');
    } catch (e) {
      if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
      console.log(`skipping QHAdam on WebGPU: no adapter here (${(e as Error).message.split('\n')[0]})`);
      ctx.skip();
      return;
    }
    await expectFused(gpu, 'float32');
    await CONFORMANCE_CHECKS['fused-composed'].run(context(gpu, (lr) => qhadam(lr)));
  }, 180_000);
});
