// Acceptance of the update programs on backend-cpu: every built-in optimizer, plain, with masked
// weight decay, behind clipByGlobalNorm and inside multiTransform, runs fused (`path: 'fused'`,
// one runProgram per program structure) and agrees with the composed path, which runs the same
// closures through the backend's primitives, within 1e-12 (float64) and float32 tolerance.
import { cpu } from '@downhill/backend-cpu';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_FUSION_CASES, FUSED_TOLERANCE, checkFusedAgreement, fusionVariants } from '../testing/index.js';

const backend = cpu();

describe.each(Object.entries(BUILT_IN_FUSION_CASES))('%s: fused against composed on cpu', (_, row) => {
  it.each(
    Object.entries(fusionVariants(row)).flatMap(([v, make]) => (['float64', 'float32'] as const).map((dtype) => [v, dtype, make] as const)),
  )('%s in %s', async (_v, dtype, make) => {
    const r = await checkFusedAgreement(backend, make, dtype);
    expect(r.paths).toEqual(['fused', 'fused', 'fused', 'fused']);
    expect(r.hostMismatches).toEqual([]);
    expect(r.worst, `worst relative difference at ${r.worstAt}`).toBeLessThanOrEqual(FUSED_TOLERANCE[dtype]);
  });
});
