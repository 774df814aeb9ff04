// Acceptance of the update programs on backend-webgpu: the one table of every built-in optimizer
// (`BUILT_IN_FUSION_CASES` of @downhill/optimizers/testing), plain, with masked weight decay,
// behind clipByGlobalNorm and inside multiTransform, reports `path: 'fused'` here (generated WGSL)
// and agrees with the composed path (tfjs primitives) within float32 tolerance. Without an adapter
// the suite skips with the reason printed; where DOWNHILL_REQUIRE_WEBGPU=1 (CI) that fails instead.
import type { Backend } from '@downhill/backend';
import { adam, flushSubnormals } from '@downhill/optimizers';
import { BUILT_IN_FUSION_CASES, FUSED_TOLERANCE, checkFusedAgreement, fusionVariants } from '@downhill/optimizers/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { webgpuForTests } from './test-helpers.js';

let backend: Backend | undefined;
let reason: string | undefined;
beforeAll(async () => {
  ({ backend, reason } = await webgpuForTests());
});

describe.each(Object.entries(BUILT_IN_FUSION_CASES))('%s: fused against composed on webgpu', (_, row) => {
  for (const [variant, make] of Object.entries(fusionVariants(row))) {
    it(`${variant} in float32`, { timeout: 60_000 }, async (ctx) => {
      if (!backend) ctx.skip(reason);
      const r = await checkFusedAgreement(backend!, make, 'float32');
      expect(r.paths).toEqual(['fused', 'fused', 'fused', 'fused']);
      expect(r.hostMismatches).toEqual([]);
      expect(r.worst, `worst relative difference at ${r.worstAt}`).toBeLessThanOrEqual(FUSED_TOLERANCE.float32);
    });
  }
});

describe('a wrapper that appends ops to the state outputs', () => {
  it('flushSubnormals(adam): fused in float32, as composed', { timeout: 60_000 }, async (ctx) => {
    if (!backend) ctx.skip(reason);
    const r = await checkFusedAgreement(backend!, () => flushSubnormals(adam(1e-2)), 'float32');
    expect(r.paths).toEqual(['fused', 'fused', 'fused', 'fused']);
    expect(r.hostMismatches).toEqual([]);
    expect(r.worst, `worst relative difference at ${r.worstAt}`).toBeLessThanOrEqual(FUSED_TOLERANCE.float32);
  });
});
