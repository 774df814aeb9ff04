import type { Backend } from '@downhill/backend';
import { webgpu } from './webgpu.js';

/**
 * The WebGPU backend for this test file, or why there is none. Where the environment says WebGPU
 * must work (`DOWNHILL_REQUIRE_WEBGPU=1`, set by CI after installing Mesa), a missing adapter is
 * an error instead of a reason to skip.
 */
export async function webgpuForTests(): Promise<{ backend?: Backend; reason?: string }> {
  try {
    return { backend: await webgpu() };
  } catch (e) {
    if (process.env.DOWNHILL_REQUIRE_WEBGPU === '1') throw e;
    const reason = `no WebGPU adapter here (${(e as Error).message})`;
    console.log(`skipping WebGPU tests: ${reason}`);
    return { reason };
  }
}

/**
 * The one backend the optimizer conformance kit runs on here: a WebGPU device from
 * {@link webgpuForTests}, or the reason there is none thrown at creation (the kit then skips with
 * that reason printed; under DOWNHILL_REQUIRE_WEBGPU=1 the helper fails instead).
 */
export const WEBGPU_KIT_BACKENDS = [
  {
    name: 'webgpu',
    create: async (): Promise<Backend> => {
      const { backend, reason } = await webgpuForTests();
      if (!backend) throw new Error(reason);
      return backend;
    },
  },
];

/**
 * Why the kit's non-finite check is skipped on WebGPU: applyIfFinite decides on the host whether a
 * step is finite, which needs a synchronous read; WebGPU reads back asynchronously, so
 * applyIfFinite refuses it with a typed error (tested by the kit's own suite on cpu). The rest of
 * the non-finite behaviour is covered on cpu and tfjs-cpu.
 */
export const NON_FINITE_SKIP_REASON = 'applyIfFinite needs a backend with synchronous reads; WebGPU reads back asynchronously';
