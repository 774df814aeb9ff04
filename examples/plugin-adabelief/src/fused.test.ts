// AdaBelief, written once as a per-element closure over backend ops (scale-by-belief.ts), runs as
// one fused update program with no backend change: on backend-cpu (float64 and float32) and on
// backend-webgpu (generated WGSL), each step reports `path: 'fused'` and agrees with the composed
// path (the same closure run through the backend's primitives). Without a WebGPU adapter that part
// skips with the reason printed; where DOWNHILL_REQUIRE_WEBGPU=1 (CI) it fails instead.
import { getBackend, type Backend } from '@downhill/backend';
import '@downhill/backend-cpu/register';
import '@downhill/backend-webgpu/register';
import { FUSED_TOLERANCE, checkFusedAgreement } from '@downhill/optimizers/testing';
import { describe, expect, it } from 'vitest';
import { adabelief } from './adabelief.js';

async function expectFused(backend: Backend, dtype: 'float32' | 'float64'): Promise<void> {
  const r = await checkFusedAgreement(backend, () => adabelief(0.05, { b1: 0.8, b2: 0.99 }), dtype);
  console.log(
    `adabelief on ${backend.name} (${dtype}): paths ${r.paths.join(', ')}; worst relative difference to composed ${r.worst.toExponential(2)}`,
  );
  expect(r.paths).toEqual(['fused', 'fused', 'fused', 'fused']);
  expect(r.hostMismatches).toEqual([]);
  expect(r.worst).toBeLessThanOrEqual(FUSED_TOLERANCE[dtype]);
}

describe('adabelief as update programs', () => {
  it('runs fused on backend-cpu, equal to composed (float64 and float32)', async () => {
    const cpu = await getBackend('cpu');
    await expectFused(cpu, 'float64');
    await expectFused(cpu, 'float32');
  });

  it('runs fused on backend-webgpu, equal to composed (float32)', async (ctx) => {
    let gpu: Backend;
    try {
      gpu = await getBackend('webgpu');
    } catch (e) {
      if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
      console.log(`skipping AdaBelief on WebGPU: no adapter here (${(e as Error).message.split('\n')[0]})`);
      ctx.skip();
      return;
    }
    await expectFused(gpu, 'float32');
  }, 120_000);
});
